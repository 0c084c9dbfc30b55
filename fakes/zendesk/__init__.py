"""A fake Zendesk account served over real HTTP on 127.0.0.1, for tests and local runs.

    with FakeZendesk(subdomain="acme") as fake:          # or fake.start() ... fake.stop()
        fake.add_api_token("agent@acme.test", "token")     # basic auth "{email}/token:{token}"
        fake.add_oauth_client("id", "secret", "http://127.0.0.1:8000/cb")
        tokens = fake.issue_tokens("id", scope="read write")
        ticket = fake.create_ticket("Subject", "First comment", requester_email="c@example.com")
        ...  # point the client under test at fake.base_url

Set-up and helpers (each acts as an agent in Zendesk would, so changes move `updated_at` forward
and show in search and the incremental export): add_api_token, add_oauth_client, issue_tokens,
expire_access_tokens, expire_refresh_tokens, create_user, create_organization, create_ticket,
add_comment, set_status, update_ticket, delete_ticket.

Faults and limits: fail_next(status, times=, retry_after=, body=, delay=, path_contains=, drop=),
rate_limit_per_minute, rate_limit_window, incremental_limit_per_minute, access_token_lifetime,
refresh_token_lifetime, require_subject, cursor_has_more_on_full_page, search_index_delay, clock.

Webhooks: webhook_secret, sign_webhook, webhook_headers, webhook_event, deliver_webhook.

For assertions: requests (method, path_with_query, headers, body), counters, server_errors, and
the stores tickets, deleted_tickets, comments, audits, users, organizations, groups.

What it reproduces and what it does not is listed in server.py's module docstring.
"""

from fakes.zendesk.server import FakeZendesk

__all__ = ["FakeZendesk"]
