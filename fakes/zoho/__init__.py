"""A fake Zoho Desk (+ Zoho Accounts) HTTP server for tests. Standard library only.

    fake = FakeZoho(org_id="60001", port=0).start()     # or: with FakeZoho() as fake: ...
    fake.add_client("cid", "secret"); refresh = fake.add_refresh_token("cid")
    # point the connection's Accounts and Desk base URLs at fake.base_url

One server answers both hosts: ``/oauth/v2/token[/revoke]`` (Accounts) and ``/api/v1/...`` (Desk).
State lives in memory behind ``fake.lock``; ``fake.requests`` records every request
(method, path with query, lower-cased headers, body) and ``fake.counters`` counts operations
(``token_refresh``, ``token_error``, ``token_throttled``, ``ticket_create``, ``ticket_search``, ...).

Sources: EXTERNAL-APIS.md, Zoho's official OpenAPI files (github.com/zoho/zohodesk-oas, v1.0:
Common.json, Ticket.json, Search.json, TicketComment.json, Thread.json) and the Desk and Accounts
documentation as quoted by integrators. Where they are silent or disagree, the choice is listed
here, and a knob lets a test take the other branch.

Accounts
- Parameters as query string or form body. Success: ``access_token``, ``token_type`` Bearer,
  ``expires_in`` (= ``access_token_lifetime``), plus ``api_domain`` and ``scope`` when
  ``token_response_extras`` (``api_domain`` is the fake's own URL, so a client following it stays
  here). Failures are HTTP 200 with ``error``: unknown client -> ``invalid_client``; wrong secret ->
  ``bad_secret_error`` (default ``invalid_client_secret``, which integrators report seeing; set
  ``"invalid_client"`` for the other reading); unknown, revoked or foreign refresh token ->
  ``invalid_code``; other grant types -> ``unsupported_grant_type``.
- More than ``mint_limit`` mints per refresh token within ``mint_window`` seconds (by
  ``fake.clock``, replaceable) -> ``{"error": "Access Denied", ...}`` with ``mint_limit_status``
  (200; one integrator's notes show 400). Refused attempts do not count toward the window.
- At most ``max_active_access_tokens`` (10) live per refresh token: the oldest is dropped.
- ``grant_type=authorization_code`` works with codes from ``add_grant_code`` and returns a refresh token.
- Revoke: ``POST /oauth/v2/token/revoke?token=`` -> 200 ``{"status": "success"}`` (undocumented
  shape; an unknown token gets 200 ``{"error": "invalid_token"}``); the access tokens minted from a
  revoked refresh token stop working at once.

Desk
- ``Authorization: Zoho-oauthtoken <token>``: missing -> 401 UNAUTHORIZED; unknown, expired,
  revoked or another scheme (``Bearer``) -> 401 INVALID_OAUTH.
- ``orgId`` as a header (documented) or a query parameter (how the OAS models it). Missing -> 422
  UNPROCESSABLE_ENTITY while ``require_org_id`` (one source says the header is optional and the
  token's binding applies: set it False). Wrong -> OAUTH_ORG_MISMATCH with ``org_mismatch_status``
  (401, beside the other token errors; two integrators' fakes use 403).
- Error bodies ``{"errorCode", "message"}``; INVALID_DATA (422) adds ``errors`` of
  ``{fieldName: "/subject", errorType: missing|invalid|duplicate, errorMessage}``. Unknown ids and
  paths -> 404 URL_NOT_FOUND (RESOURCE_NOT_FOUND is not in the OAS enum). PUT -> 405
  METHOD_NOT_ALLOWED. Unknown query parameters -> 422 "Extra query parameter 'x' is present in the
  input." (observed). Unknown body fields -> INVALID_DATA ``invalid``. Empty body -> 422
  EMPTY_PAYLOAD, malformed JSON -> 400 BAD_REQUEST (both chosen).
- Tickets: create answers 200; needs subject, departmentId and contactId or contact {email or
  lastName} (found by email, case-insensitively, else created; lastName defaults to the email's
  local part). Status and priority are checked against ``fake.statuses`` (name -> statusType) and
  ``fake.priorities``, case-insensitively. Defaults (docs silent): status Open, priority null,
  channel Email. Counts are strings. ``closedTime`` / ``onholdTime`` follow the statusType.
- ``GET /tickets``: ``from`` (0-based), ``limit`` 1-100 (default 25), filters status, priority,
  assignee (ids or Unassigned), departmentId(s), channel, receivedInDays; ``sortBy``
  dueDate|createdTime|recentThread with optional ``-``; default newest created first (docs
  silent). Items use the narrower list view (no description, modifiedTime or cf, as in the OAS);
  ``fields=`` adds named fields. Empty page -> 204 with no body.
- Polling: the list cannot filter or sort by modification time; the real way is
  ``GET /tickets/search?modifiedTimeRange=<from>,<to>&sortBy=modifiedTime`` (ISO bounds,
  inclusive; ``-`` for descending) -> ``{"data": [full tickets], "count": n}``, limit 1-100 (default
  10), ``from`` up to ``search_from_max`` (4999, from an observed error; the OAS says 999).
  "relevance" (default) orders by newest change.
- Comments: ``isPublic`` defaults to false when omitted (undocumented; it follows a user
  preference), ``contentType`` defaults to html. The list is oldest first unless
  ``sortBy=-commentedTime`` (docs give no default). Only ``content``/``contentType`` can be edited,
  by their author. DELETE answers ``comment_delete_status`` (204; the OAS says 200 with no body).
- Threads: ``sendReply`` (channel and content required) adds an outgoing thread; the list is
  newest first with a ``summary``, ``GET .../threads/{id}`` has the content. A customer reply
  (``add_customer_reply``) on an On Hold or Closed ticket reopens it (``reopen_on_customer_reply``).
- Every change (API or helper) moves the ticket's ``modifiedTime`` strictly forward, comments and
  threads included (whether the real desk bumps it for those is not documented).
- Statuses: ``GET /organizationFields?module=tickets`` (there is no ticketStatus endpoint);
  the ``status`` field's ``allowedValues`` are ``{value, statusType}``.
- Also: ``/organizations`` (needs no orgId), ``/departments``, ``/agents``, ``/myinfo``,
  ``/contacts``, ``/webhooks`` (create validates the URL first).
- API credits: every Desk answer carries ``X-Rate-Limit-Request-Weight-v3`` (1, or 3 for listings)
  and ``X-Rate-Limit-Remaining-v3``; when ``credits_remaining`` runs out -> 429 THRESHOLD_EXCEEDED
  with ``Retry-After`` (documented to come only with the daily limit). ``daily_credits = None``
  switches this off.

Faults: ``fail_next(status, times=, body=, retry_after=, delay=, drop=, path_contains=)``; 429
bodies are TOO_MANY_REQUESTS unless ``body=FakeZoho.THRESHOLD_EXCEEDED``; 502-504 answer an HTML page.

Webhooks: ``fake.events`` collects what the desk would emit (Ticket_Add, Ticket_Update with
prevState, Ticket_Comment_Add/Update, Ticket_Thread_Add); ``publish()`` sends the new ones to
webhooks registered through the API; ``webhook_event``/``deliver_webhook``/``validate_webhook``
do it by hand. See ``_webhooks`` for the delivery contract.
"""

from ._core import FakeZoho, RecordedRequest
from ._errors import THRESHOLD_EXCEEDED, TOO_MANY_REQUESTS

__all__ = ["THRESHOLD_EXCEEDED", "TOO_MANY_REQUESTS", "FakeZoho", "RecordedRequest"]
