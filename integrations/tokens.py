"""A valid access token for a connection, refreshed at most once however many callers ask at once.

    token = access_token(connection)                        # fresh for at least 60 s more
    token = access_token(connection, rejected=token)        # the API said 401 to this one

How one refresh is kept to one caller:

1. Without a lock: a token that lives more than ``EXPIRY_MARGIN`` is returned as it is.
2. Otherwise take the connection's refresh lock: a ``threading.Lock`` per connection id (threads
   of this process), then on PostgreSQL a session-level advisory lock on the connection id
   (other processes). No transaction stays open while the desk is called (STYLE: no network
   calls inside a database transaction): the advisory lock is held by the session, outside any
   transaction, which is why it is used rather than ``select_for_update``.
3. Under the lock, re-read the tokens: if another caller refreshed meanwhile, use its token.
4. Else refresh with the desk and store the result with ``connection_tokens_store``, the
   compare-and-swap on ``token_version`` that keeps a late writer from putting back a refresh
   token the desk has already rotated away.

SQLite (development and the default test run) has no advisory locks, so processes are not
serialised there: two processes may both refresh. The compare-and-swap then keeps one
result, and a loser whose (rotated-away) refresh token is refused re-reads the row and takes
the winner's token instead of reporting a dead connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from django.db import connections, router
from django.utils import timezone

from integrations.errors import AuthenticationError, RefreshTokenInvalid
from integrations.http import DEFAULT_TIMEOUT, JsonHttp, RetryPolicy
from integrations.services import connection_tokens_clear, connection_tokens_store

if TYPE_CHECKING:
    from integrations.models import Connection

logger = logging.getLogger(__name__)

# Refresh a token this close to its end rather than have a call fail halfway.
EXPIRY_MARGIN = timedelta(seconds=60)
# How long a caller waits for another process's refresh before giving up.
LOCK_WAIT_SECONDS = 30.0
# The first key of the two-key advisory lock: "these are token refreshes" (any fixed int32).
_ADVISORY_NAMESPACE = 0x1D7E_0001

TOKEN_FIELDS = (
    "auth_method",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "access_token_expires_at",
    "refresh_token_expires_at",
    "token_version",
)

T = TypeVar("T")


@dataclass(frozen=True)
class Tokens:
    """What a desk's token endpoint answered. ``refresh_token`` None: the old one stays (Zoho)."""

    access_token: str
    expires_in: float | None
    refresh_token: str | None = None
    refresh_token_expires_in: float | None = None


def connection_label(connection: Connection) -> str:
    """``Zendesk connection 'Acme'``: how messages name a connection."""
    return f"{connection.get_provider_display()} connection '{connection.name}'"


def http_for(
    connection: Connection,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> JsonHttp:
    """A ``JsonHttp`` that names ``connection`` in its messages and redacts its secrets."""
    return JsonHttp(
        label=connection_label(connection), timeout=timeout, retry=retry, redact=connection.redact, sleep=sleep
    )


_thread_locks: dict[int, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(pk: int) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(pk, threading.Lock())


@contextmanager
def _advisory_lock(connection: Connection) -> Iterator[None]:
    alias = router.db_for_write(type(connection))
    db = connections[alias]
    if db.vendor != "postgresql":
        yield
        return
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    with db.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, connection.pk])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{connection_label(connection)}: another process has been refreshing for too long")
            time.sleep(0.05)
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, connection.pk])


@contextmanager
def refresh_lock(connection: Connection) -> Iterator[None]:
    """Held while a connection's tokens are refreshed: by one thread of one process at a time (see module doc)."""
    lock = _thread_lock(connection.pk)
    if not lock.acquire(timeout=LOCK_WAIT_SECONDS):
        raise TimeoutError(f"{connection_label(connection)}: another thread has been refreshing for too long")
    try:
        with _advisory_lock(connection):
            yield
    finally:
        lock.release()


def _fresh(connection: Connection) -> bool:
    if not connection.access_token:
        return False
    expires = connection.access_token_expires_at
    # Unknown expiry: use it until the desk says 401.
    return expires is None or expires > timezone.now() + EXPIRY_MARGIN


def _refresher(connection: Connection) -> Callable[[Connection, JsonHttp], Tokens]:
    from integrations.models import Provider

    if connection.provider == Provider.ZENDESK:
        from integrations.zendesk import auth as zendesk_auth

        return zendesk_auth.refresh
    from integrations.zoho import auth as zoho_auth

    return zoho_auth.refresh


def moment_in(seconds: float | None) -> datetime | None:
    """Now plus ``seconds``; None stays None (an unknown lifetime)."""
    return None if seconds is None else timezone.now() + timedelta(seconds=float(seconds))


def access_token(connection: Connection, *, rejected: str | None = None, http: JsonHttp | None = None) -> str:
    """A usable OAuth access token for ``connection``, refreshing it if it is (nearly) expired.

    ``rejected``: a token the desk has just refused (401); a different stored token is
    returned if another caller already replaced it, else the token is refreshed.
    Raises ``AuthenticationError`` (the message says what to fix), ``MintLimited`` (Zoho),
    ``TransientError``. Call it outside any transaction: it may call the desk.
    """
    if rejected is None and _fresh(connection):
        return str(connection.access_token)
    with refresh_lock(connection):
        connection.refresh_from_db(fields=list(TOKEN_FIELDS))
        current = str(connection.access_token)
        if _fresh(connection) and current != rejected:
            return current
        return _refresh(connection, http or http_for(connection))


def _refresh(connection: Connection, http: JsonHttp) -> str:
    label = connection_label(connection)
    if not connection.refresh_token:
        raise AuthenticationError(
            f"The {label} has no OAuth tokens (never authorized, or the desk refused them): "
            "connect it again from its page in the admin."
        )
    version = connection.token_version
    try:
        tokens = _refresher(connection)(connection, http)
    except RefreshTokenInvalid as exc:
        connection.refresh_from_db(fields=list(TOKEN_FIELDS))
        if connection.token_version != version and _fresh(connection):
            # Another process (outside our lock: SQLite) spent the refresh token first.
            return str(connection.access_token)
        logger.warning("%s", exc.message)
        connection_tokens_clear(connection=connection, reason=exc.message)
        raise
    rotated: dict[str, object] = {}
    if tokens.refresh_token:  # Zendesk rotates; Zoho keeps the old one
        rotated = {
            "refresh_token": tokens.refresh_token,
            "refresh_token_expires_at": moment_in(tokens.refresh_token_expires_in),
        }
    stored = connection_tokens_store(
        connection=connection,
        expected_version=version,
        access_token=tokens.access_token,
        access_token_expires_at=moment_in(tokens.expires_in),
        **rotated,
    )
    if stored:
        logger.info("%s: access token refreshed", label)
        return tokens.access_token
    # The credentials were changed (an admin reconnected) while we refreshed: theirs win.
    connection.refresh_from_db(fields=list(TOKEN_FIELDS))
    if _fresh(connection):
        return str(connection.access_token)
    raise AuthenticationError(
        f"The {label}'s credentials changed during a token refresh: try again, or reconnect it in the admin."
    )


def with_access_token(connection: Connection, call: Callable[[str], T], *, http: JsonHttp | None = None) -> T:
    """``call(token)``; if the desk refuses the token (401), refresh once and call again.

    A second refusal propagates as ``AuthenticationError`` telling the admin to reconnect.
    """
    token = access_token(connection, http=http)
    try:
        return call(token)
    except AuthenticationError as exc:
        if not exc.token_rejected:
            raise
        logger.info("%s: access token refused, refreshing once", connection_label(connection))
    token = access_token(connection, rejected=token, http=http)
    return call(token)
