"""The fake Zoho Accounts server answers as the real one does: tokens, their errors and limits."""

from __future__ import annotations

from urllib.parse import urlencode

from fakes.tests import zoho_support as support
from fakes.tests.zoho_support import CLIENT_ID, CLIENT_SECRET, Desk, call, refresh

# The shared fixtures: a started fake with one OAuth client, a refresh token, a Desk client.
fake, refresh_token, desk = support.fake, support.refresh_token, support.desk


def test_refresh_with_query_parameters_returns_a_bearer_token_that_opens_the_desk(fake, refresh_token):
    answer = refresh(fake, refresh_token)

    assert answer.status == 200
    assert answer.json["token_type"] == "Bearer"
    assert answer.json["expires_in"] == 3600
    assert answer.json["api_domain"] == fake.base_url
    assert "Desk.tickets" in answer.json["scope"]
    assert answer.json["access_token"].startswith("1000.")
    departments = Desk(fake, answer.json["access_token"])("GET", "/departments")
    assert departments.json["data"][0]["id"] == fake.department_id
    assert fake.counters["token_refresh"] == 1


def test_refresh_with_a_form_body_and_without_the_extras(fake, refresh_token):
    fake.token_response_extras = False
    fake.access_token_lifetime = 120

    answer = refresh(fake, refresh_token, form=True)

    assert answer.status == 200
    assert set(answer.json) == {"access_token", "expires_in", "token_type"}
    assert answer.json["expires_in"] == 120
    assert fake.requests[-1].body.startswith(b"grant_type=refresh_token")


def test_a_revoked_refresh_token_gets_200_invalid_code_and_its_access_tokens_stop_working(fake, refresh_token, desk):
    revoked = call(fake, "POST", f"/oauth/v2/token/revoke?token={refresh_token}")

    assert (revoked.status, revoked.json) == (200, {"status": "success"})
    answer = refresh(fake, refresh_token)
    assert (answer.status, answer.json) == (200, {"error": "invalid_code"})
    assert desk("GET", "/tickets").json["errorCode"] == "INVALID_OAUTH"
    assert refresh(fake, "1000.never.issued").json == {"error": "invalid_code"}


def test_client_errors_are_200_with_an_error_key(fake, refresh_token):
    assert refresh(fake, refresh_token, secret="wrong").json == {"error": "invalid_client_secret"}
    fake.bad_secret_error = "invalid_client"
    assert refresh(fake, refresh_token, secret="wrong").json == {"error": "invalid_client"}
    fake.clients.clear()
    answer = refresh(fake, refresh_token)
    assert (answer.status, answer.json) == (200, {"error": "invalid_client"})
    assert fake.counters["token_refresh"] == 0


def test_the_eleventh_mint_in_ten_minutes_is_access_denied_until_the_window_passes(fake, refresh_token):
    now = [1000.0]
    fake.clock = lambda: now[0]
    for _ in range(10):
        assert "access_token" in refresh(fake, refresh_token).json
        now[0] += 1

    denied = refresh(fake, refresh_token)

    assert denied.status == 200
    assert denied.json == {
        "error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again after some time.",
        "status": "failure",
    }
    now[0] = 1600.5  # the first mint (at 1000) is now more than 600 s old, the second is not
    assert "access_token" in refresh(fake, refresh_token).json
    assert "error" in refresh(fake, refresh_token).json  # the second mint is still inside the window
    assert (fake.counters["token_refresh"], fake.counters["token_throttled"]) == (11, 2)


def test_access_tokens_expire_after_their_lifetime_or_on_demand(fake, refresh_token):
    now = [0.0]
    fake.clock = lambda: now[0]
    first = Desk(fake, refresh(fake, refresh_token).json["access_token"])
    now[0] += 3601
    assert first("GET", "/departments").json == {
        "errorCode": "INVALID_OAUTH",
        "message": "The OAuth Token you provided is invalid.",
    }
    second = Desk(fake, refresh(fake, refresh_token).json["access_token"])
    assert second("GET", "/departments").status == 200
    fake.expire_access_tokens()
    assert second("GET", "/departments").status == 401


def test_an_authorization_code_is_exchanged_once_for_a_refresh_token(fake):
    code = fake.add_grant_code(CLIENT_ID)
    params = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code}

    granted = call(fake, "POST", f"/oauth/v2/token?{urlencode(params)}")

    assert granted.json["refresh_token"] in fake.refresh_tokens
    assert "access_token" in refresh(fake, granted.json["refresh_token"]).json
    assert call(fake, "POST", f"/oauth/v2/token?{urlencode(params)}").json == {"error": "invalid_code"}


# --------------------------------------------------------------------------- Desk authentication
def test_desk_calls_without_or_with_a_bad_token_get_401(fake, desk):
    missing = call(fake, "GET", "/api/v1/tickets", headers={"orgId": fake.org_id})
    assert (missing.status, missing.json["errorCode"]) == (401, "UNAUTHORIZED")
    assert missing.json["message"]
    bearer = desk.headers["Authorization"].replace("Zoho-oauthtoken", "Bearer")
    wrong_scheme = call(fake, "GET", "/api/v1/tickets", headers={"Authorization": bearer, "orgId": fake.org_id})
    assert (wrong_scheme.status, wrong_scheme.json["errorCode"]) == (401, "INVALID_OAUTH")


def test_the_org_id_header_is_required_and_must_match_the_token(fake, desk):
    token = {"Authorization": desk.headers["Authorization"]}

    missing = call(fake, "GET", "/api/v1/tickets", headers=token)
    wrong = call(fake, "GET", "/api/v1/tickets", headers={**token, "orgId": "99999"})

    assert (missing.status, missing.json["errorCode"]) == (422, "UNPROCESSABLE_ENTITY")
    assert (wrong.status, wrong.json["errorCode"]) == (401, "OAUTH_ORG_MISMATCH")
    assert call(fake, "GET", f"/api/v1/tickets?orgId={fake.org_id}", headers=token).status == 204
    assert call(fake, "GET", "/api/v1/organizations", headers=token).json["data"][0]["id"] == fake.org_id
    fake.require_org_id, fake.org_mismatch_status = False, 403
    assert call(fake, "GET", "/api/v1/tickets", headers=token).status == 204
    assert call(fake, "GET", "/api/v1/tickets", headers={**token, "orgId": "99999"}).status == 403


# --------------------------------------------------------------------------- tickets
