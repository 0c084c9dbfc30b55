"""ZendeskClient and integrations.zendesk.auth against the fake Zendesk: OAuth with PKCE, API tokens, the calls."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from fakes.zendesk import FakeZendesk
from integrations.errors import AuthenticationError, PermanentError, RefreshTokenInvalid
from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.zendesk.auth import api_token_warning, build_authorize_url, exchange_code
from integrations.zendesk.client import ZendeskClient

CLIENT_ID, CLIENT_SECRET = "helpdesk", "client-secret-0123456789"
REDIRECT = "http://127.0.0.1:8000/admin/integrations/callback/"
EMAIL, API_TOKEN = "agent@acme.test", "api-token-0123456789"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        server.add_oauth_client(CLIENT_ID, CLIENT_SECRET, REDIRECT)
        yield server


def oauth_connection(fake: FakeZendesk, **fields) -> Connection:
    tokens = fake.issue_tokens(CLIENT_ID)
    values = {
        "name": "Acme",
        "provider": "zendesk",
        "base_url_override": fake.base_url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "access_token_expires_at": timezone.now() + timedelta(minutes=30),
        **fields,
    }
    return Connection.objects.create(**values)


@pytest.fixture
def client(fake):
    return ZendeskClient(oauth_connection(fake), retry=FAST)


def authorize_in_browser(url: str) -> dict[str, str]:
    """What the admin's browser does: follow the authorize URL; the fake approves and redirects back."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def test_oauth_code_with_pkce_round_trip(fake):
    connection = Connection.objects.create(
        name="Acme",
        provider="zendesk",
        base_url_override=fake.base_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    url, state, verifier = build_authorize_url(connection, REDIRECT)
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == "/oauth/authorizations/new"
    assert query["code_challenge_method"] == ["S256"] and query["state"] == [state]
    assert verifier not in url and len(verifier) >= 43

    callback = authorize_in_browser(url)
    assert callback["state"] == state
    exchange_code(connection, callback["code"], verifier, REDIRECT)

    stored = Connection.objects.get(pk=connection.pk)
    assert stored.access_token and stored.refresh_token and stored.token_version == 1
    assert stored.access_token_expires_at > timezone.now() + timedelta(minutes=25)
    assert ZendeskClient(stored).me()["id"] == fake.admin_id
    assert fake.counters["token_exchange"] == 1


def test_a_code_exchanged_with_the_wrong_verifier_is_refused(fake):
    connection = Connection.objects.create(
        name="Acme",
        provider="zendesk",
        base_url_override=fake.base_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    url, _state, _verifier = build_authorize_url(connection, REDIRECT)
    code = authorize_in_browser(url)["code"]
    with pytest.raises(RefreshTokenInvalid, match="invalid_grant"):
        exchange_code(connection, code, "another-verifier-" + "x" * 40, REDIRECT)
    assert Connection.objects.get(pk=connection.pk).access_token == ""


def test_an_access_token_the_desk_refuses_is_refreshed_once_and_the_call_made_again(fake, client):
    fake.expire_access_tokens()  # our record still says it lives
    assert client.me()["id"] == fake.admin_id
    assert fake.counters["token_refresh"] == 1
    unauthorized = [r for r in fake.requests if r.path.startswith("/api/v2/users/me")]
    assert len(unauthorized) == 2


def test_a_second_refusal_is_an_authentication_error_saying_to_reconnect(fake, client):
    fake.fail_next(401, times=2, path_contains="/api/v2/")
    with pytest.raises(AuthenticationError) as caught:
        client.me()
    assert caught.value.token_rejected
    assert "Reconnect the Zendesk connection 'Acme' in the admin" in caught.value.message
    assert fake.counters["token_refresh"] == 1


def test_api_token_auth_works_and_warns_about_its_end(fake, caplog):
    fake.add_api_token(EMAIL, API_TOKEN)
    connection = Connection.objects.create(
        name="Legacy",
        provider="zendesk",
        base_url_override=fake.base_url,
        auth_method="api_token",
        api_email=EMAIL,
        api_token=API_TOKEN,
    )
    caplog.set_level(logging.WARNING)
    client = ZendeskClient(connection)
    assert client.me()["email"] == EMAIL
    warning = api_token_warning(connection)
    assert warning and "30 April 2027" in warning and "OAuth" in warning
    assert "30 April 2027" in caplog.text and API_TOKEN not in caplog.text
    assert api_token_warning(oauth_connection(fake, name="Modern")) is None


def test_a_refused_api_token_says_what_to_fix(fake):
    connection = Connection.objects.create(
        name="Legacy",
        provider="zendesk",
        base_url_override=fake.base_url,
        auth_method="api_token",
        api_email=EMAIL,
        api_token="revoked-token-123456",
    )
    with pytest.raises(AuthenticationError) as caught:
        ZendeskClient(connection).get_ticket(1)
    message = caught.value.message
    assert "Zendesk connection 'Legacy' refused our credentials" in message and "Couldn't authenticate you" in message
    assert "Check the API email and token in the admin" in message and "revoked-token" not in message
    assert not caught.value.token_rejected


def test_tickets_and_comments(fake, client):
    created = client.create_ticket(
        {
            "subject": "Printer on fire",
            "comment": {"body": "Smoke everywhere", "public": True},
            "priority": "urgent",
            "requester": {"name": "Cee", "email": "cee@example.com"},
        },
        external_id="hd-42",
    )
    assert created["external_id"] == "hd-42" and created["priority"] == "urgent"

    updated = client.update_ticket(created["id"], {"status": "pending"})
    assert updated["status"] == "pending"
    added = client.add_comment(created["id"], "Turned it off", public=False)
    comments = client.list_comments(created["id"])
    assert [c["body"] for c in comments] == ["Smoke everywhere", "Turned it off"]
    assert comments[1]["public"] is False
    # The update's audit names the new comment, and the answer carries the ticket.
    assert added.comment_id == str(comments[1]["id"]) and added.ticket["id"] == created["id"]
    assert [t["id"] for t in client.tickets_by_external_id("hd-42")] == [created["id"]]
    assert client.tickets_by_external_id("hd-404") == []
    assert client.get_ticket(created["id"])["subject"] == "Printer on fire"


def test_a_closed_ticket_update_is_a_permanent_error_with_zendesks_details(fake, client):
    ticket = fake.create_ticket("Done")
    fake.set_status(ticket["id"], "closed")
    with pytest.raises(PermanentError) as caught:
        client.add_comment(ticket["id"], "One more thing")
    assert caught.value.status == 422 and caught.value.code == "RecordInvalid"
    assert caught.value.details.startswith("Record validation errors; status:")


def test_lists_follow_cursor_pages(fake, client):
    ticket = fake.create_ticket("Long", "first")
    for number in range(120):
        fake.add_comment(ticket["id"], f"comment {number}")
    assert len(client.list_comments(ticket["id"])) == 121
    users = list(client.list_users())
    assert fake.admin_id in [user["id"] for user in users]
    organization = fake.create_organization("Acme Corp")
    assert [o["name"] for o in client.list_organizations()] == ["Acme Corp"]
    assert client.get_organization(organization["id"])["name"] == "Acme Corp"
    assert client.get_user(fake.admin_id)["id"] == fake.admin_id


def test_search_and_the_incremental_export(fake, client):
    start = int(time.time()) - 120  # Zendesk refuses a start_time within the last minute
    first = fake.create_ticket("Alpha printer")
    fake.create_ticket("Beta scanner")
    assert [t["id"] for t in client.search("type:ticket printer")] == [first["id"]]

    page = client.incremental_tickets(start_time=start, per_page=1)
    seen = list(page.tickets)
    while not page.end_of_stream:
        page = client.incremental_tickets(cursor=page.after_cursor, per_page=1)
        seen += page.tickets
    assert {t["subject"] for t in seen} == {"Alpha printer", "Beta scanner"}
    assert page.after_cursor
    with pytest.raises(ValueError, match="exactly one"):
        client.incremental_tickets()
