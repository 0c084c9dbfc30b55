"""integrations.tokens with Zoho: short-lived tokens refreshed once, and a lost refresh answer sent again.

Zoho's refresh token mints at most 10 access tokens per 10 minutes, so a refresh too many is not
merely wasted: it ends in ``MintLimited``. Its refresh token does not rotate, so repeating a
refresh whose answer was lost is safe.
"""

from __future__ import annotations

import pytest

from fakes.zoho import FakeZoho
from integrations.credentials import http_for
from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.tests import sync_support
from integrations.tests.sync_support import in_threads, zoho_connection
from integrations.tokens import access_token
from integrations.zoho.client import ZohoClient

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
THREADS = 20
fake = sync_support.zoho


def make_connection(fake: FakeZoho, **fields) -> Connection:
    return zoho_connection(fake, name="Acme EU", data_centre="eu", **fields)


def token_requests(fake: FakeZoho) -> list:
    return [r for r in fake.requests if r.path.startswith("/oauth/v2/token")]


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
