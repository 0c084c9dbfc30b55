"""ZohoClient and integrations.zoho.auth against the fake Zoho Desk + Accounts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from fakes.zoho import FakeZoho
from integrations.errors import AuthenticationError, MintLimited, PermanentError, RefreshTokenInvalid
from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.tests import sync_support
from integrations.tests.sync_support import ZO_SECRET as CLIENT_SECRET
from integrations.tests.sync_support import zoho_connection
from integrations.tokens import access_token
from integrations.zoho.auth import MINT_LIMIT, recent_mints
from integrations.zoho.client import ZohoClient

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)

pytestmark = pytest.mark.django_db
fake = sync_support.zoho


def make_connection(fake: FakeZoho, **fields) -> Connection:
    return zoho_connection(fake, name="Acme EU", data_centre="eu", **fields)


@pytest.fixture
def connection(fake):
    return make_connection(fake)


@pytest.fixture
def client(connection):
    return ZohoClient(connection, retry=FAST)


def token_requests(fake: FakeZoho):
    return [r for r in fake.requests if r.path.startswith("/oauth/v2/token")]


def test_the_first_call_mints_a_token_without_secrets_in_the_logs_and_sends_org_id(fake, client, caplog):
    caplog.set_level(logging.DEBUG)
    ticket = client.create_ticket({"subject": "Printer on fire", "contact": {"email": "cee@example.com"}})
    assert ticket["subject"] == "Printer on fire" and ticket["departmentId"] == fake.department_id

    (refresh,) = token_requests(fake)
    # As Zoho documents it: the parameters in the query string (and the same in the form body).
    query = parse_qs(urlsplit(refresh.path).query)
    assert refresh.method == "POST" and query["grant_type"] == ["refresh_token"]
    assert parse_qs(refresh.body.decode()) == query
    secret_refresh = str(client.connection.refresh_token)
    assert query["refresh_token"] == [secret_refresh]
    assert secret_refresh not in caplog.text and CLIENT_SECRET not in caplog.text
    desk = [r for r in fake.requests if r.path.startswith("/api/v1/")]
    assert desk[0].headers["authorization"] == f"Zoho-oauthtoken {client.connection.access_token}"
    assert desk[0].headers["orgid"] == fake.org_id
    stored = Connection.objects.get(pk=client.connection.pk)
    assert stored.refresh_token == secret_refresh  # Zoho does not rotate
    assert timezone.now() + timedelta(minutes=55) < stored.access_token_expires_at


def test_tickets_comments_search_and_statuses(fake, client):
    since = datetime.now(UTC) - timedelta(seconds=1)
    created = client.create_ticket({"subject": "Printer", "contact": {"email": "cee@example.com"}, "priority": "High"})
    assert client.get_ticket(created["id"])["priority"] == "High"
    assert client.update_ticket(created["id"], {"status": "On Hold"})["status"] == "On Hold"
    assert fake.requests[-1].method == "PATCH"

    client.add_comment(created["id"], "Turned it off")
    client.add_comment(created["id"], "Back on", is_public=True)
    comments = client.list_comments(created["id"])
    assert [c["content"] for c in comments] == ["Turned it off", "Back on"]
    assert [c["isPublic"] for c in comments] == [False, True]

    assert [t["id"] for t in client.list_tickets(limit=10)] == [created["id"]]
    assert client.list_tickets(from_=50) == []  # Zoho's 204 for an empty page
    assert [t["id"] for t in client.search_modified_since(since)] == [created["id"]]
    assert client.search_modified_since(datetime.now(UTC) + timedelta(hours=1)) == []

    statuses = {s["value"]: s["statusType"] for s in client.statuses()}
    assert statuses["On Hold"] == "On Hold" and statuses["Escalated"] == "Open" and statuses["Closed"] == "Closed"


def test_invalid_data_is_a_permanent_error_naming_the_field(fake, client):
    with pytest.raises(PermanentError) as caught:
        client.create_ticket({"contact": {"email": "cee@example.com"}})
    assert caught.value.status == 422 and caught.value.code == "INVALID_DATA"
    assert "subject" in caught.value.details


def test_a_wrong_org_id_says_to_check_it_without_refreshing_again(fake):
    connection = make_connection(fake, org_id="99999")
    with pytest.raises(AuthenticationError) as caught:
        ZohoClient(connection).list_tickets()
    assert "check the organization id (orgId)" in caught.value.message and "99999" in caught.value.message
    assert fake.counters["token_refresh"] == 1


def test_a_limit_out_of_range_is_a_permanent_error(client):
    with pytest.raises(PermanentError) as caught:
        client.list_tickets(limit=500)
    assert caught.value.status == 422


def test_a_token_the_desk_refuses_is_refreshed_once_and_the_call_made_again(fake, client):
    client.list_tickets()
    fake.expire_access_tokens()
    client.list_tickets()
    assert fake.counters["token_refresh"] == 2


def test_a_429_from_the_desk_is_retried(fake, client):
    client.list_tickets()
    fake.fail_next(429, retry_after=0)
    assert client.list_tickets() == []
    assert client.http.attempts == 4  # refresh, list, 429, list


def test_a_revoked_refresh_token_answered_with_200_and_an_error_says_to_reconnect(fake, connection, caplog):
    fake.revoke_refresh_token(str(connection.refresh_token))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RefreshTokenInvalid) as caught:
        ZohoClient(connection, retry=FAST).list_tickets()
    assert caught.value.status == 200
    assert (
        "invalid_code" in caught.value.message
        and "Reconnect the Zoho Desk connection 'Acme EU'" in caught.value.message
    )
    assert Connection.objects.get(pk=connection.pk).refresh_token == ""
    assert CLIENT_SECRET not in caplog.text


def test_a_wrong_client_secret_answered_with_200_and_an_error_is_an_authentication_error(fake):
    connection = make_connection(fake, client_secret="not-the-secret-000000")
    with pytest.raises(AuthenticationError) as caught:
        ZohoClient(connection).list_tickets()
    assert "check its client id and secret in the admin" in caught.value.message
    assert "not-the-secret-000000" not in caught.value.message
    assert Connection.objects.get(pk=connection.pk).refresh_token  # kept: the token itself is fine


def test_the_eleventh_mint_in_ten_minutes_is_refused_before_asking_zoho(fake, connection):
    for _ in range(MINT_LIMIT):
        access_token(connection, rejected=str(connection.access_token))
    assert len(recent_mints(connection)) == MINT_LIMIT

    with pytest.raises(MintLimited) as caught:
        access_token(connection, rejected=str(connection.access_token))

    assert len(token_requests(fake)) == MINT_LIMIT and fake.counters["token_throttled"] == 0
    assert 590 < caught.value.retry_after <= 600 and caught.value.retryable
    assert "10 access tokens in 10 minutes" in caught.value.message


def test_zohos_own_mint_refusal_is_mint_limited(fake, connection):
    fake.mint_limit = 1
    access_token(connection)
    cache.clear()  # e.g. another worker with its own cache minted
    with pytest.raises(MintLimited):
        access_token(connection, rejected=str(connection.access_token))
    assert fake.counters["token_throttled"] == 1
