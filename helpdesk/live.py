"""Wake-up signals for open pages: Redis pub/sub when ``REDIS_URL`` is set, nothing to send otherwise.

What a page is told lives in the database (a notification row, a presence row); a signal
only says "look now" on a named channel (``user:12``, ``ticket:34``), so a lost signal costs
latency, never an alert: every stream also reads the database on a timer (every
``LIVE_POLL_SECONDS`` without Redis, every heartbeat with it). Signals are sent after the
writer's transaction commits, never inside it, and sending gives up within half a second.

A stream listens with ``Listener``: on Redis it subscribes (redis.asyncio); without Redis, or
when Redis cannot be reached, ``wait`` just sleeps the poll interval and the stream polls.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

PREFIX = "helpdesk:live:"
WARN_EVERY_SECONDS = 60.0

_clients: dict[str, redis.Redis] = {}
_client_lock = threading.Lock()
_last_warning = {"send": 0.0, "listen": 0.0}
# After a failed send, skip Redis this long rather than pay its timeout on every write (as helpdesk/cache.py does).
OUTAGE_SECONDS = 2.0
_send_skip_until = {"at": 0.0}


def enabled() -> bool:
    """True when signals go through Redis; without it streams poll the database."""
    return bool(settings.REDIS_URL)


def _warn(which: str, message: str, *args: object) -> None:
    # One line when a Redis outage starts, then at most one a minute: no log flood from every stream.
    now = time.monotonic()
    if now - _last_warning[which] >= WARN_EVERY_SECONDS:
        _last_warning[which] = now
        logger.warning(message, *args)


def _sync_client() -> redis.Redis:
    # One pool per URL for the process (the URL only changes in tests).
    with _client_lock:
        url = settings.REDIS_URL
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        return _clients[url]


def send_now(channels: Iterable[str]) -> int:
    """Publish a wake-up on each channel at once; how many were sent (0 without Redis or when it is down)."""
    names = sorted(set(channels))
    if not names or not enabled() or time.monotonic() < _send_skip_until["at"]:
        return 0
    try:
        pipe = _sync_client().pipeline(transaction=False)
        for name in names:
            pipe.publish(PREFIX + name, b"1")
        pipe.execute()
    except redis.RedisError as exc:
        _send_skip_until["at"] = time.monotonic() + OUTAGE_SECONDS
        _warn("send", "Live alerts: could not signal Redis (%s: %s); open pages see it at their next poll.",
              type(exc).__name__, exc)  # fmt: skip
        return 0
    return len(names)


def send(channels: Iterable[str]) -> None:
    """Publish a wake-up on each channel once the current transaction commits (at once outside one)."""
    names = sorted(set(channels))
    if names and enabled():
        transaction.on_commit(lambda: send_now(names))


class Listener:
    """One stream's subscription: ``await wait(timeout)`` returns True when woken, False on timeout."""

    def __init__(self, channels: Iterable[str]) -> None:
        self.channels = [PREFIX + name for name in sorted(set(channels))]
        self._client: aioredis.Redis | None = None
        self._pubsub = None
        self.subscribed = False

    async def open(self) -> Listener:
        if not enabled():
            return self
        try:
            self._client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5)
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            await self._pubsub.subscribe(*self.channels)
            self.subscribed = True
        except (redis.RedisError, OSError) as exc:
            _warn("listen", "Live alerts: Redis cannot be reached (%s: %s); open pages poll the database instead.",
                  type(exc).__name__, exc)  # fmt: skip
            await self.close()
        return self

    async def wait(self, timeout: float) -> bool:
        """Sleep until a signal arrives or ``timeout`` passes; a lost Redis turns this into a plain sleep."""
        if not self.subscribed or self._pubsub is None:
            await asyncio.sleep(timeout)
            return False
        try:
            message = await self._pubsub.get_message(timeout=timeout)
        except (redis.RedisError, OSError) as exc:
            _warn("listen", "Live alerts: lost Redis (%s: %s); open pages poll the database instead.",
                  type(exc).__name__, exc)  # fmt: skip
            await self.close()
            return False
        if message is None:
            return False
        # Several signals may be waiting: one look at the database answers them all.
        while await self._pubsub.get_message(timeout=0) is not None:
            pass
        return True

    async def close(self) -> None:
        self.subscribed = False
        pubsub, client, self._pubsub, self._client = self._pubsub, self._client, None, None
        for thing in (pubsub, client):
            if thing is not None:
                try:
                    await thing.aclose()
                except (redis.RedisError, OSError):
                    pass
