"""helpdesk/live.py: wake-ups on Redis pub/sub after commit, and nothing worse than a log line when Redis is away."""

from __future__ import annotations

import os
import time

import pytest
import redis
from django.db import transaction

from helpdesk import live
from helpdesk.tests.redis_server import free_port


@pytest.fixture
def shared_redis(settings):
    """The run's Redis (CI), else the shared one on db 13; pub/sub channels are server-wide, names are ours."""
    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    live._send_skip_until["at"] = 0.0
    return redis.Redis.from_url(settings.REDIS_URL)


def received(pubsub, seconds: float = 5.0) -> list[bytes]:
    deadline, seen = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if message is not None:
            seen.append(message["channel"])
        elif seen:
            return seen
    return seen


@pytest.mark.django_db(transaction=True)
def test_a_signal_is_published_only_when_the_transaction_commits(shared_redis):
    pubsub = shared_redis.pubsub()
    pubsub.subscribe(live.PREFIX + "user:424242", live.PREFIX + "user:434343")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            live.send(["user:434343"])
            raise RuntimeError("rolled back")
        with transaction.atomic():
            live.send(["user:424242", "user:424242"])
            assert received(pubsub, 0.5) == []  # not before the commit
        assert received(pubsub) == [(live.PREFIX + "user:424242").encode()]
    finally:
        pubsub.close()


def test_without_redis_url_nothing_is_sent(settings):
    settings.REDIS_URL = ""
    assert live.send_now(["user:1"]) == 0


def test_redis_away_costs_one_warning_and_later_sends_skip_it(settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    live._send_skip_until["at"] = 0.0
    live._last_warning["send"] = 0.0
    assert live.send_now(["user:1"]) == 0
    assert live._send_skip_until["at"] > time.monotonic()  # the next writes do not wait on Redis
    assert live.send_now(["user:2"]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.name == "helpdesk.live"]
    assert len(warnings) == 1 and "could not signal Redis" in warnings[0]
