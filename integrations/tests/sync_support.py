"""Fakes and connections for the sync engine's tests: a Zendesk and a Zoho desk on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from fakes.zendesk import FakeZendesk
from fakes.zoho import FakeZoho
from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.sync.desks import desk_for

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
ZD_CLIENT, ZD_SECRET = "helpdesk", "zendesk-client-secret-0123456789"
ZO_CLIENT, ZO_SECRET = "1000.HELPDESK", "zoho-client-secret-0123456789"


@pytest.fixture
def zendesk():
    with FakeZendesk() as server:
        server.add_oauth_client(ZD_CLIENT, ZD_SECRET, "http://127.0.0.1:8000/cb")
        yield server


@pytest.fixture
def zoho():
    cache.clear()  # Zoho's token mint record lives there
    with FakeZoho() as server:
        server.add_client(ZO_CLIENT, ZO_SECRET)
        yield server
    cache.clear()


def zendesk_connection(fake: FakeZendesk, **fields) -> Connection:
    tokens = fake.issue_tokens(ZD_CLIENT)
    values = {
        "name": "Acme Zendesk",
        "provider": "zendesk",
        "base_url_override": fake.base_url,
        "client_id": ZD_CLIENT,
        "client_secret": ZD_SECRET,
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "access_token_expires_at": timezone.now() + timedelta(minutes=30),
        "webhook_secret": fake.webhook_secret,
        **fields,
    }
    return Connection.objects.create(**values)


def zoho_connection(fake: FakeZoho, **fields) -> Connection:
    values = {
        "name": "Acme Zoho",
        "provider": "zoho",
        "base_url_override": fake.base_url,
        "org_id": fake.org_id,
        "department_id": fake.department_id,
        "client_id": ZO_CLIENT,
        "client_secret": ZO_SECRET,
        "refresh_token": fake.add_refresh_token(ZO_CLIENT),
        **fields,
    }
    return Connection.objects.create(**values)


def fast_desk(connection: Connection, **options):
    return desk_for(connection, retry=FAST, sleep=lambda _: None, **options)


def wait_for(condition, timeout: float = 5.0) -> None:
    """Until ``condition()`` holds (a fake finishing a request our client gave up on)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


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
