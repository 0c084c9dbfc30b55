"""Fixtures of the webhooks tests: a receiver on 127.0.0.1, an endpoint pointing at it, tasks run eagerly."""

from __future__ import annotations

import pytest

from helpdesk.tests.redis_server import redis_configured, redis_server  # noqa: F401 - fixtures
from webhooks.capture import ENDPOINTS_KEY
from webhooks.models import SUBSCRIBABLE, Endpoint
from webhooks.tests.receiver import Receiver

ALL_EVENTS = [value for value, _label in SUBSCRIBABLE]


@pytest.fixture(autouse=True)
def _fresh_endpoint_cache(settings):
    from django.core.cache import cache

    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    cache.delete(ENDPOINTS_KEY)
    yield
    cache.delete(ENDPOINTS_KEY)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(db, receiver, admin_user):
    """An active endpoint of every event, owned by the admin, whose secret the receiver knows."""
    made = Endpoint.objects.create(name="Receiver", url=receiver.url, events=ALL_EVENTS, owner=admin_user)
    receiver.secret = str(Endpoint.objects.get(pk=made.pk).secret)
    return made


@pytest.fixture
def commit(django_capture_on_commit_callbacks, eager):
    """``with commit():`` runs what the block's transaction hooked on commit, tasks eagerly (as after a real commit)."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block
