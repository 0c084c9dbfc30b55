"""The Redis cache, made to fail fast and fail open when Redis is away.

Cache and Celery broker share ``REDIS_URL``, and nothing the cache holds is the only record of
anything: throttle counters, report figures, a resend interval. So when Redis cannot be reached,
``ResilientRedisCache`` behaves like an empty cache that forgets what it is given (``get`` answers
the default, ``add`` succeeds, ``set`` does nothing, ``incr`` finds no key) and the request goes on:

- each call gives up quickly: short socket connect and read timeouts, no retry (``OPTIONS``);
- after a failure, calls skip Redis for ``outage_seconds`` (default 2) rather than each paying the
  timeout again, then try once more (calls under ``strictly()`` always try);
- one warning when an outage starts, at most one a minute while it lasts (how many calls failed
  open since), and one line when Redis answers again: no log flood.

A use that must not fail open (an OAuth state, the health check) wraps its
calls in ``strictly()``: there a lost cache raises ``CacheUnavailable``, a 503 in the product's
error shape. The README's *Redis away* table names the decision for each use of the cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from helpdesk.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")
# What counts as "Redis is away"; any other error (a wrong type, a bug) still raises.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY_SECONDS = 60.0

_strict: ContextVar[bool] = ContextVar("cache_strict", default=False)


class CacheUnavailable(ServiceUnavailable):
    """The cache could not be reached by a use that must not go on without it."""


@contextmanager
def strictly() -> Iterator[None]:
    """Within: a cache that cannot be reached raises ``CacheUnavailable`` instead of failing open."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


class _Outage:
    """One server's outage as this process sees it (shared by threads: backends are per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0  # monotonic time before which calls skip Redis
        self.since = 0.0  # when the current outage started (0: none)
        self.warned_at = 0.0
        self.failed_open = 0  # calls that failed open since the last warning

    def failed(self, location: str, op: str, exc: BaseException, outage_seconds: float) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until = now + outage_seconds
            self.failed_open += 1
            if not self.since:
                self.since = now
                self.warned_at = now
                self.failed_open = 0
                logger.warning(
                    "Cache %s unreachable (%s: %s on %s): failing open; throttles and cached figures are off "
                    "until it answers.",
                    location,
                    type(exc).__name__,
                    exc,
                    op,
                )
            elif now - self.warned_at >= WARN_EVERY_SECONDS:
                logger.warning(
                    "Cache %s still unreachable after %.0f s; %s call(s) failed open in the last minute.",
                    location,
                    now - self.since,
                    self.failed_open,
                )
                self.warned_at = now
                self.failed_open = 0

    def skipping(self) -> bool:
        with self.lock:
            if time.monotonic() < self.down_until:
                self.failed_open += 1
                return True
            return False

    def answered(self, location: str) -> None:
        if not self.since:  # unlocked read: the common case, Redis up, costs nothing
            return
        with self.lock:
            if self.since:
                logger.warning("Cache %s answers again after %.0f s.", location, time.monotonic() - self.since)
                self.since = 0.0
                self.down_until = 0.0


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


def _without_password(url: str) -> str:
    """``redis://:secret@host:6379/0`` -> ``redis://host:6379/0``: what a log line may show of a Redis URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _Missing(Exception):
    """Stands for "raise ValueError": ``incr`` of a key a forgetting cache does not have."""


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that fails open, fast, with one warning per outage (see the module)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.outage_seconds = float(options.pop("outage_seconds", 2.0))
        # Short timeouts (redis-py retries nothing unless told to): a lost Redis costs milliseconds.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        servers = [server] if isinstance(server, str) else list(server)
        # Named in warnings, so never with the password a REDIS_URL may carry.
        self._location = ",".join(_without_password(url) for url in servers)
        self._outage = _outage_for(self._location)

    def _guard(self, op: str, fallback: Any, call: Callable[..., T], *args: Any) -> T:
        strict = _strict.get()
        # A strict caller wants the truth, so it always asks Redis (and an answer ends the outage).
        if not strict and self._outage.skipping():
            return self._fallback(fallback)
        try:
            result = call(*args)
        except UNREACHABLE as exc:
            self._outage.failed(self._location, op, exc, self.outage_seconds)
            if strict:
                raise CacheUnavailable("The cache is unavailable; try again shortly.") from exc
            return self._fallback(fallback)
        self._outage.answered(self._location)
        return result

    @staticmethod
    def _fallback(fallback: Any) -> Any:
        if fallback is _Missing:
            raise ValueError("The cache is unreachable: the key is treated as missing.")
        return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        return self._guard("incr", _Missing, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._guard("clear", False, super().clear)


# remembered()'s answers in this process for a moment, in front of the shared cache: a request that
# asks many times (every event of a write, every ticket of a page) asks the cache once.
LOCAL_SECONDS = 1.0
_local: dict[str, tuple[float, Any]] = {}


def remembered(key: str, compute: Callable[[], T], timeout: float) -> T:
    """``compute()``'s answer, kept in the default cache under ``key`` for ``timeout`` seconds (and in
    this process for ``LOCAL_SECONDS``, so another process's change shows within that much more).

    For a hint that saves a query on every write (is anyone listening?): whatever the cache does,
    even raise (a broken backend, not only Redis away, which fails open already), the answer is
    computed instead and the write goes on.
    """
    from django.core.cache import cache

    moment = time.monotonic()
    held = _local.get(key)
    if held is not None and moment - held[0] < LOCAL_SECONDS:
        return held[1]
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("cache read of %s failed; computed instead", key, exc_info=True)
        found = None
    if found is None:
        found = compute()
        try:
            cache.set(key, found, timeout=timeout)
        except Exception:
            logger.warning("cache write of %s failed; computed again next time", key, exc_info=True)
    _local[key] = (moment, found)
    return found


def forget(key: str) -> None:
    """Drop ``key`` from the default cache and this process's memory; a cache that fails leaves it to expire."""
    from django.core.cache import cache

    _local.pop(key, None)
    try:
        cache.delete(key)
    except Exception:
        logger.warning("cache delete of %s failed; it expires by itself", key, exc_info=True)


def forget_here() -> None:
    """Drop every answer ``remembered`` holds in this process (tests start each without them)."""
    _local.clear()
