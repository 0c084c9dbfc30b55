"""integrations.tokens with Zoho: short-lived tokens refreshed once, and a lost refresh answer sent again.

Zoho's refresh token mints at most 10 access tokens per 10 minutes, so a refresh too many is not
merely wasted: it ends in ``MintLimited``. Its refresh token does not rotate, so repeating a
refresh whose answer was lost is safe.
"""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connections

from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.tokens import access_token, http_for
from integrations.zoho.client import ZohoClient
from integrations.zoho.fake import FakeZoho

CLIENT_ID, CLIENT_SECRET = "1000.HELPDESK", "zoho-client-secret-0123456789"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
THREADS = 20


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the mint record lives there
    yield
    cache.clear()


@pytest.fixture
def fake():
    with FakeZoho() as server:
        server.add_client(CLIENT_ID, CLIENT_SECRET)
        yield server


def make_connection(fake: FakeZoho) -> Connection:
    return Connection.objects.create(
        name="Acme EU",
        provider="zoho",
        data_centre="eu",
        base_url_override=fake.base_url,
        org_id=fake.org_id,
        department_id=fake.department_id,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=fake.add_refresh_token(CLIENT_ID),
    )


def token_requests(fake: FakeZoho) -> list:
    return [r for r in fake.requests if r.path.startswith("/oauth/v2/token")]


def in_threads(count: int, work) -> list[object]:
    """``work(index)`` in ``count`` threads started together; each result or the exception it raised."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported by the callers' assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lifetime", [45, 5])
def test_a_short_lived_token_is_minted_once_for_concurrent_and_sequential_callers(fake, lifetime):
    fake.access_token_lifetime = lifetime
    connection = make_connection(fake)
    instances = [Connection.objects.get(pk=connection.pk) for _ in range(THREADS)]

    results = in_threads(THREADS, lambda index: ZohoClient(instances[index], retry=FAST).list_tickets())

    assert results == [[]] * THREADS
    # Then one caller after another, each with the row as a new worker would load it.
    for _ in range(6):
        assert ZohoClient(Connection.objects.get(pk=connection.pk), retry=FAST).list_tickets() == []
    assert fake.counters["token_refresh"] == 1 and len(token_requests(fake)) == 1
    assert fake.counters["token_throttled"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fault", [{"status": None, "drop": True}, {"status": 503}, {"status": 500}], ids=["drop", "503", "500"]
)
def test_a_refresh_whose_answer_is_lost_is_sent_again(fake, fault):
    connection = make_connection(fake)
    fake.fail_next(**fault, path_contains="/oauth/v2/token")

    token = access_token(connection, http=http_for(connection, retry=FAST))

    assert token and Connection.objects.get(pk=connection.pk).access_token == token
    assert len(token_requests(fake)) == 2 and fake.counters["token_refresh"] == 1
    assert ZohoClient(connection, retry=FAST).list_tickets() == []  # the stored token works
