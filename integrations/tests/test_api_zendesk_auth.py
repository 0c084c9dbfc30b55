"""Authorizing a Zendesk connection through /api/v1/integrations/zendesk/ (OAuth start, callback, status,
refresh, revoke), against the fake Zendesk's real OAuth endpoints."""

from __future__ import annotations

from datetime import timedelta
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from integrations.models import Connection, SyncLogEntry
from integrations.tests import zendesk_api_support as support
from integrations.tests.zendesk_api_support import API_TOKEN, BASE, CLIENT_ID, CLIENT_SECRET, EMAIL, REDIRECT

pytestmark = pytest.mark.django_db
fake = support.fake


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # pending authorizations live there
    yield
    cache.clear()


@pytest.fixture
def connection(fake):
    return Connection.objects.create(
        name="Acme",
        provider="zendesk",
        base_url_override=fake.base_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)  # a session, as the browser coming back from Zendesk has
    return client


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def follow_authorize(url: str) -> dict[str, str]:
    """What the admin's browser does at Zendesk: the fake approves at once and redirects back."""
    assert url.startswith("http://127.0.0.1:")
    opener = build_opener(_NoRedirect)
    with pytest.raises(HTTPError) as raised:  # urllib reports the 302 it was told not to follow
        opener.open(Request(url), timeout=5)  # noqa: S310 - the fake on 127.0.0.1
    response = raised.value
    assert response.code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def secrets_of(connection: Connection) -> list[str]:
    connection.refresh_from_db()
    return [s for s in (str(connection.access_token), str(connection.refresh_token), CLIENT_SECRET, API_TOKEN) if s]


def assert_no_secrets(connection: Connection, *responses, also: tuple[str, ...] = ()) -> None:
    secrets = [*secrets_of(connection), *also]
    for response in responses:
        text = response.content.decode() + response.get("Location", "")
        for secret in secrets:
            assert secret not in text


def test_oauth_start_redirect_and_callback_store_the_tokens(fake, connection, admin_user):
    client = api(admin_user)
    start = client.get(f"{BASE}/oauth/start")
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert urlsplit(authorize).path == "/oauth/authorizations/new"
    assert query["redirect_uri"] == [REDIRECT] and query["code_challenge_method"] == ["S256"]

    callback = follow_authorize(authorize)
    finished = client.get(f"{BASE}/oauth/callback", callback)

    assert finished.status_code == 302
    assert finished["Location"] == reverse("admin:integrations_connection_change", args=[connection.pk])
    connection.refresh_from_db()
    assert connection.access_token and connection.refresh_token
    assert connection.access_token_expires_at > timezone.now()
    assert fake.counters["token_exchange"] == 1
    assert SyncLogEntry.objects.get(connection=connection, action="oauth_authorize").outcome == "ok"
    assert_no_secrets(connection, start, finished, also=(callback["code"],))

    again = client.get(f"{BASE}/oauth/callback", callback)  # a state works once
    assert again.status_code == 400 and set(again.json()["errors"]) == {"state"}


def test_oauth_start_as_json_and_callback_as_json(fake, connection, admin_user):
    client = api(admin_user)
    start = client.get(f"{BASE}/oauth/start", HTTP_ACCEPT="application/json")
    assert start.status_code == 200 and set(start.json()) == {"authorize_url"}
    finished = client.get(
        f"{BASE}/oauth/callback", follow_authorize(start.json()["authorize_url"]), HTTP_ACCEPT="application/json"
    )
    assert finished.status_code == 200
    body = finished.json()
    assert body["authorized"] is True and body["refresh_token_set"] is True and body["auth_method"] == "oauth"
    assert_no_secrets(connection, start, finished)


def test_a_bad_or_foreign_state_is_400_and_stores_nothing(fake, connection, admin_user):
    client = api(admin_user)
    callback = follow_authorize(client.get(f"{BASE}/oauth/start")["Location"])

    forged = client.get(f"{BASE}/oauth/callback", {**callback, "state": "forged"})
    assert forged.status_code == 400 and set(forged.json()["errors"]) == {"state"}

    other_admin = UserFactory(email="admin2@example.com", role=Role.ADMIN)
    foreign = api(other_admin).get(f"{BASE}/oauth/callback", callback)
    assert foreign.status_code == 400

    connection.refresh_from_db()
    assert not connection.access_token and fake.counters["token_exchange"] == 0


def test_zendesk_refusing_the_authorization_or_the_code_is_400(fake, connection, admin_user):
    client = api(admin_user)
    callback = follow_authorize(client.get(f"{BASE}/oauth/start")["Location"])
    denied = client.get(f"{BASE}/oauth/callback", {"state": callback["state"], "error": "access_denied"})
    assert denied.status_code == 400 and "access_denied" in denied.json()["message"]

    callback = follow_authorize(client.get(f"{BASE}/oauth/start")["Location"])
    wrong_code = client.get(f"{BASE}/oauth/callback", {**callback, "code": "not-the-code"})
    assert wrong_code.status_code == 400 and set(wrong_code.json()["errors"]) == {"code"}
    connection.refresh_from_db()
    assert not connection.access_token


def test_authorizing_an_api_token_connection_moves_it_to_oauth(fake, admin_user):
    connection = Connection.objects.create(
        name="Tokened",
        provider="zendesk",
        base_url_override=fake.base_url,
        auth_method="api_token",
        api_email=EMAIL,
        api_token=API_TOKEN,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    client = api(admin_user)
    status = client.get(f"{BASE}/auth/status").json()
    assert status["auth_method"] == "api_token" and "30 April 2027" in status["warning"]
    assert client.post(f"{BASE}/auth/refresh").status_code == 400

    client.get(f"{BASE}/oauth/callback", follow_authorize(client.get(f"{BASE}/oauth/start")["Location"]))

    connection.refresh_from_db()
    assert connection.auth_method == "oauth" and connection.refresh_token
    assert client.get(f"{BASE}/auth/status").json()["warning"] is None


def test_status_refresh_and_revoke(fake, connection, admin_user):
    tokens = fake.issue_tokens(CLIENT_ID)
    Connection.objects.filter(pk=connection.pk).update(
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        access_token_expires_at=timezone.now() + timedelta(minutes=30),
    )
    client = api(admin_user)

    status = client.get(f"{BASE}/auth/status")
    assert status.status_code == 200
    body = status.json()
    assert body["auth_method"] == "oauth" and body["authorized"] is True and body["access_token_expired"] is False
    assert body["refresh_token_set"] is True and body["warning"] is None
    assert body["connection"]["name"] == "Acme"

    refreshed = client.post(f"{BASE}/auth/refresh")
    assert refreshed.status_code == 200
    connection.refresh_from_db()
    assert str(connection.access_token) != tokens["access_token"]
    assert str(connection.refresh_token) != tokens["refresh_token"]
    assert fake.counters["token_refresh"] == 1
    assert_no_secrets(connection, status, refreshed, also=(tokens["access_token"], tokens["refresh_token"]))
    live_access, live_refresh = str(connection.access_token), str(connection.refresh_token)

    revoked = client.delete(f"{BASE}/auth")
    assert revoked.status_code == 200
    body = revoked.json()
    assert body["revoked_at_zendesk"] is True and body["authorized"] is False and body["refresh_token_set"] is False
    assert fake.counters["token_revoke"] == 1
    connection.refresh_from_db()
    assert not connection.access_token and not connection.refresh_token
    assert_no_secrets(connection, revoked, also=(live_access, live_refresh))

    no_tokens = client.post(f"{BASE}/auth/refresh")
    assert no_tokens.status_code == 409 and no_tokens.json()["code"] == "CONFLICT"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/oauth/start"),
        ("get", "/oauth/callback"),
        ("get", "/auth/status"),
        ("post", "/auth/refresh"),
        ("delete", "/auth"),
    ],
)
def test_only_admins_may_manage_authorization(fake, connection, customer, agent, manager, method, path):
    for user in (customer, agent, manager):
        response = getattr(api(user), method)(f"{BASE}{path}")
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    anonymous = getattr(APIClient(), method)(f"{BASE}{path}")
    assert anonymous.status_code == 401
    assert fake.requests == []
