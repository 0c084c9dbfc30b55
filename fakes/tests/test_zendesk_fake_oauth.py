"""The Zendesk fake's OAuth and authentication, over raw HTTP: what our client will have to get right."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from fakes.tests.test_zendesk_fake import API_TOKEN, EMAIL, basic, call
from fakes.zendesk import FakeZendesk

CLIENT_ID, CLIENT_SECRET = "helpdesk", "client-secret"
REDIRECT = "http://127.0.0.1:8000/integrations/zendesk/callback"
VERIFIER = "a-code-verifier-of-at-least-43-characters-0123456789"
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client.",
}


@pytest.fixture
def fake():
    with FakeZendesk(subdomain="acme") as server:
        server.add_api_token(EMAIL, API_TOKEN)
        server.add_oauth_client(CLIENT_ID, CLIENT_SECRET, REDIRECT, scopes="read write tickets:read tickets:write")
        yield server
    assert server.server_errors == []


def challenge(verifier: str = VERIFIER) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def authorize(fake: FakeZendesk, **overrides: str) -> dict[str, str]:
    """Follow the authorize step and return the parameters of the redirect back to us."""
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "read write"}
    query.update(overrides)
    answer = call(fake, "GET", f"/oauth/authorizations/new?{urlencode(query)}", auth="")
    assert answer.status == 302, answer.body
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(fake: FakeZendesk, code: str, **extra: str):
    body = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID, "redirect_uri": REDIRECT, **extra}
    return call(fake, "POST", "/oauth/tokens", body, auth="")


def refresh(fake: FakeZendesk, refresh_token: str):
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID}
    return call(fake, "POST", "/oauth/tokens", body, auth="")


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_code_flow_with_pkce_issues_a_rotating_bearer_pair(fake):
    back = authorize(fake, state="xyz", code_challenge=challenge(), code_challenge_method="S256")
    assert back.keys() == {"code", "state"} and back["state"] == "xyz"

    answer = exchange(fake, back["code"], code_verifier=VERIFIER)

    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-store"
    tokens = answer.body
    assert tokens.keys() == {
        "access_token",
        "refresh_token",
        "token_type",
        "scope",
        "expires_in",
        "refresh_token_expires_in",
    }
    assert (tokens["token_type"], tokens["scope"]) == ("bearer", "read write")
    assert (tokens["expires_in"], tokens["refresh_token_expires_in"]) == (1800, 30 * 24 * 3600)
    me = call(fake, "GET", "/api/v2/users/me.json", auth=bearer(tokens["access_token"]))
    assert (me.status, me.body["user"]["id"], me.body["user"]["role"]) == (200, fake.admin_id, "admin")
    assert fake.counters["token_exchange"] == 1


def test_a_replayed_code_is_refused_and_revokes_what_it_bought(fake):
    code = authorize(fake, code_challenge=challenge(), code_challenge_method="S256")["code"]
    first = exchange(fake, code, code_verifier=VERIFIER).body

    replay = exchange(fake, code, code_verifier=VERIFIER)

    assert (replay.status, replay.body) == (400, INVALID_GRANT)
    revoked = call(fake, "GET", "/api/v2/tickets.json", auth=bearer(first["access_token"]))
    assert (revoked.status, revoked.body) == (401, {"error": "Couldn't authenticate you"})


def test_a_wrong_pkce_verifier_or_redirect_uri_gets_invalid_grant(fake):
    code = authorize(fake, code_challenge=challenge(), code_challenge_method="S256")["code"]

    wrong_verifier = exchange(fake, code, code_verifier="another-verifier-entirely-0123456789-abcdefgh")
    wrong_redirect = exchange(fake, code, code_verifier=VERIFIER, redirect_uri="http://127.0.0.1:9/other")

    assert (wrong_verifier.status, wrong_verifier.body) == (400, INVALID_GRANT)
    assert (wrong_redirect.status, wrong_redirect.body) == (400, INVALID_GRANT)
    assert exchange(fake, code, code_verifier=VERIFIER).status == 200  # failures did not use the code up


def test_without_pkce_the_client_secret_is_required_and_the_code_lives_120_seconds(fake):
    now = [1_800_000_000.0]
    fake.clock = lambda: now[0]
    code = authorize(fake)["code"]
    no_secret = exchange(fake, code)
    assert no_secret.status == 401 and no_secret.body["error"] == "invalid_client"

    now[0] += 121
    late = exchange(fake, code, client_secret=CLIENT_SECRET)

    assert (late.status, late.body) == (400, INVALID_GRANT)
    fresh = authorize(fake)["code"]
    assert exchange(fake, fresh, client_secret=CLIENT_SECRET).status == 200


def test_authorize_refuses_unknown_clients_and_unregistered_redirects_without_redirecting(fake):
    unknown = call(
        fake, "GET", f"/oauth/authorizations/new?{urlencode({'client_id': 'nope', 'redirect_uri': REDIRECT})}"
    )
    other = call(
        fake,
        "GET",
        "/oauth/authorizations/new?"
        + urlencode({"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": "http://evil.test/cb"}),
    )

    assert (unknown.status, unknown.body["error"]) == (400, "invalid_client")
    assert (other.status, other.body["error"]) == (400, "invalid_redirect_uri")
    assert "Location" not in other.headers


def test_a_scope_beyond_the_clients_allowance_redirects_with_invalid_scope(fake):
    back = authorize(fake, scope="read users:write", state="s1")

    assert back == {
        "error": "invalid_scope",
        "error_description": "The requested scope is invalid, unknown, or malformed.",
        "state": "s1",
    }


def test_refresh_rotates_both_tokens_and_a_reused_refresh_token_gets_invalid_grant(fake):
    old = fake.issue_tokens(CLIENT_ID)

    rotated = refresh(fake, old["refresh_token"])

    assert rotated.status == 200
    new = rotated.body
    assert new["access_token"] != old["access_token"] and new["refresh_token"] != old["refresh_token"]
    assert (new["token_type"], new["scope"], new["expires_in"]) == ("bearer", "read write", 1800)
    stale = call(fake, "GET", "/api/v2/tickets.json", auth=bearer(old["access_token"]))
    assert (stale.status, stale.body) == (401, {"error": "Couldn't authenticate you"})
    reused = refresh(fake, old["refresh_token"])
    assert (reused.status, reused.body) == (400, INVALID_GRANT)
    # The real service does not revoke the new pair when an old refresh token is replayed.
    listed = call(fake, "GET", "/api/v2/tickets.json", auth=bearer(new["access_token"]))
    assert (listed.status, listed.body["count"]) == (200, 0)
    assert fake.counters["token_refresh"] == 1


def test_the_token_endpoint_also_accepts_a_form_body(fake):
    old = fake.issue_tokens(CLIENT_ID)
    form = urlencode({"grant_type": "refresh_token", "refresh_token": old["refresh_token"], "client_id": CLIENT_ID})

    answer = call(
        fake,
        "POST",
        "/oauth/tokens",
        form.encode(),
        auth="",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status == 200 and answer.body["refresh_token"] != old["refresh_token"]


def test_expired_access_and_refresh_tokens(fake):
    now = [1_800_000_000.0]
    fake.clock = lambda: now[0]
    tokens = fake.issue_tokens(CLIENT_ID)
    assert call(fake, "GET", "/api/v2/tickets.json", auth=bearer(tokens["access_token"])).status == 200

    now[0] += 1800
    expired = call(fake, "GET", "/api/v2/tickets.json", auth=bearer(tokens["access_token"]))
    assert (expired.status, expired.body) == (401, {"error": "Couldn't authenticate you"})

    fake.expire_refresh_tokens()
    assert refresh(fake, tokens["refresh_token"]).body == INVALID_GRANT


def test_expire_access_tokens_makes_every_bearer_answer_401(fake):
    tokens = fake.issue_tokens(CLIENT_ID)

    fake.expire_access_tokens()

    answer = call(fake, "GET", "/api/v2/tickets/1.json", auth=bearer(tokens["access_token"]))
    assert (answer.status, answer.body) == (401, {"error": "Couldn't authenticate you"})
    assert refresh(fake, tokens["refresh_token"]).status == 200


def test_api_token_basic_auth_and_bad_or_missing_credentials(fake):
    assert call(fake, "GET", "/api/v2/tickets.json").body == {
        "tickets": [],
        "next_page": None,
        "previous_page": None,
        "count": 0,
    }
    wrong = call(fake, "GET", "/api/v2/tickets.json", auth=basic(token="wrong"))
    missing = call(fake, "GET", "/api/v2/tickets.json", auth="")

    assert (wrong.status, wrong.body) == (401, {"error": "Couldn't authenticate you"})
    assert (missing.status, missing.body) == (401, {"error": "Couldn't authenticate you"})


def test_users_me_answers_an_anonymous_user_without_credentials(fake):
    anonymous = call(fake, "GET", "/api/v2/users/me.json", auth="")
    wrong_token = call(fake, "GET", "/api/v2/users/me.json", auth=basic(token="wrong"))

    assert anonymous.status == 200
    assert (anonymous.body["user"]["id"], anonymous.body["user"]["name"]) == (None, "Anonymous user")
    assert (wrong_token.status, wrong_token.body) == (401, {"error": "Couldn't authenticate you"})


def test_revoked_tokens_stop_working(fake):
    first, second = fake.issue_tokens(CLIENT_ID), fake.issue_tokens(CLIENT_ID)

    revoked = call(fake, "POST", "/oauth/tokens/revoke", {"token": first["access_token"]}, auth="")
    current = call(fake, "DELETE", "/api/v2/oauth/tokens/current.json", auth=bearer(second["access_token"]))

    assert (revoked.status, revoked.body) == (200, {})
    assert (current.status, current.body) == (204, b"")
    for tokens in (first, second):
        assert call(fake, "GET", "/api/v2/tickets.json", auth=bearer(tokens["access_token"])).status == 401
        assert refresh(fake, tokens["refresh_token"]).body == INVALID_GRANT


def test_a_token_without_the_scope_for_a_write_gets_403(fake):
    read_only = fake.issue_tokens(CLIENT_ID, scope="read")
    ticket_writer = fake.issue_tokens(CLIENT_ID, scope="tickets:read tickets:write")
    body = {"ticket": {"subject": "Hi", "comment": {"body": "Hello"}}}

    refused = call(fake, "POST", "/api/v2/tickets.json", body, auth=bearer(read_only["access_token"]))
    allowed = call(fake, "POST", "/api/v2/tickets.json", body, auth=bearer(ticket_writer["access_token"]))
    users = call(fake, "GET", "/api/v2/users.json", auth=bearer(ticket_writer["access_token"]))

    assert refused.status == 403 and refused.body["error"]["title"] == "Forbidden"
    assert allowed.status == 201 and allowed.body["ticket"]["subject"] == "Hi"
    assert users.status == 403 and fake.tickets.keys() == {1}
