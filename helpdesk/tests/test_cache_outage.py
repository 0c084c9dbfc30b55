"""The cache when Redis is away: fail open, fast, one warning per outage; strict uses answer 503.

Every use of the cache and its decision is in the README's *Redis away* table.
"""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from helpdesk.cache import CacheUnavailable, ResilientRedisCache, strictly
from integrations.models import Connection
from integrations.webhooks import _first_delivery, _throttled


def test_a_lost_cache_behaves_as_an_empty_one_that_forgets(redis_configured):
    cache.set("kept", 1)
    redis_configured.stop()
    assert cache.get("kept") is None and cache.get("kept", 7) == 7
    assert cache.add("new", 1) is True  # nothing there to refuse it
    assert cache.set("new", 2) is None
    assert cache.get_many(["kept", "new"]) == {}
    assert cache.delete("kept") is False and cache.has_key("kept") is False
    with pytest.raises(ValueError):
        cache.incr("kept")  # as Django does for a missing key


def test_strict_uses_get_an_error_not_a_guess(redis_configured):
    redis_configured.stop()
    with strictly(), pytest.raises(CacheUnavailable) as raised:
        cache.get("anything")
    assert raised.value.http_status == 503 and raised.value.code == "SERVICE_UNAVAILABLE"
    assert cache.get("anything", "default") == "default"  # outside, it fails open again


def test_one_warning_per_outage_and_one_when_redis_answers_again(redis_configured, caplog):
    redis_configured.stop()
    with caplog.at_level(logging.WARNING, logger="helpdesk.cache"):
        for _ in range(200):
            cache.get("x")
            cache.add("x", 1)
        assert [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()] != []
        assert len(caplog.records) == 1
        redis_configured.start()
        with strictly():  # a strict call always asks Redis; its answer ends the outage at once
            cache.set("x", "back")
        assert cache.get("x") == "back"
    assert len(caplog.records) == 2 and "answers again" in caplog.records[1].getMessage()


def test_a_frozen_redis_costs_one_short_timeout_then_nothing(redis_configured):
    redis_configured.freeze()
    started = time.monotonic()
    assert cache.get("x") is None
    first = time.monotonic() - started
    started = time.monotonic()
    for _ in range(50):
        assert cache.get("x") is None
    rest = time.monotonic() - started
    assert first < 1.5  # the read timeout, not forever
    assert rest < 0.5  # the outage is remembered: no call waits again


@pytest.mark.django_db
def test_zendesk_oauth_start_answers_503_when_its_state_cannot_be_kept(redis_configured):
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    connection = Connection.objects.create(
        name="Acme", provider="zendesk", base_url_override="http://127.0.0.1:9", client_id="id", client_secret="s"
    )
    client = APIClient()
    client.force_login(admin)
    redis_configured.stop()
    url = f"/api/v1/integrations/zendesk/oauth/start?connection={connection.pk}"
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["code"] == "SERVICE_UNAVAILABLE" and response.json()["status"] == "error"
    callback = client.get(
        "/api/v1/integrations/zendesk/oauth/callback?state=abc&code=x", HTTP_ACCEPT="application/json"
    )
    assert callback.status_code == 503 and callback.json()["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.django_db
def test_webhooks_fail_open_a_delivery_is_neither_throttled_nor_taken_for_a_replay(redis_configured):
    connection = Connection.objects.create(name="Acme", provider="zendesk")
    redis_configured.stop()
    assert _throttled(connection) is None
    # Accepted twice rather than dropped: a delivery only makes us re-read the ticket from the desk.
    assert _first_delivery(connection, "signature") is True
    assert _first_delivery(connection, "signature") is True


@pytest.mark.django_db
def test_the_login_lockout_holds_with_redis_away(redis_configured, settings):
    """Kept in the database, not the cache: an outage is no window for guessing."""
    settings.LOGIN_FAILURE_LIMIT = 3
    customer = UserFactory(email="customer@example.com", role=Role.CUSTOMER)
    redis_configured.stop()
    client = APIClient()
    for _ in range(3):
        wrong = client.post("/api/v1/auth/login", {"email": customer.email, "password": "guess"})
        assert wrong.status_code == 401
    refused = client.post("/api/v1/auth/login", {"email": customer.email, "password": PASSWORD})
    assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHORIZED"


def test_the_warnings_never_show_the_password_of_a_redis_url(caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lost = ResilientRedisCache(f"redis://:hunter2-secret@127.0.0.1:{port}/3", {})
    with caplog.at_level(logging.WARNING, logger="helpdesk.cache"):
        assert lost.get("anything", "default") == "default"
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"redis://127.0.0.1:{port}/3 unreachable" in logged
    assert "hunter2" not in logged
