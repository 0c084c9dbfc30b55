"""A valid access token for a connection, refreshed at most once however many callers ask at once.

    token = access_token(connection)                        # fresh for a while more
    token = access_token(connection, rejected=token)        # the API said 401 to this one

How one refresh is kept to one caller:

1. Without a lock: a token that lives more than ``ACCESS_TOKEN_MARGIN`` (60 s,
   ``Connection.access_token_expired``) is returned as it is.
2. Otherwise take the connection's refresh lock: a ``threading.Lock`` per connection id (threads
   of this process), then one across processes: on PostgreSQL a session-level advisory lock on
   the connection id, elsewhere (SQLite: ``make run``'s web process and Celery worker) an
   ``fcntl`` lock on ``VAR_DIR/locks/connection-<id>.lock``. No transaction stays open while the
   desk is called (STYLE: no network calls inside a database transaction): both locks live
   outside any transaction, which is why they are used rather than ``select_for_update``.
   Waiting longer than ``LOCK_WAIT_SECONDS`` raises ``TransientError`` (try again later).
3. Under the lock, re-read the tokens: if another caller refreshed meanwhile (the token is fresh,
   or ``token_version`` moved since the caller read it and the new token has not ended), use its
   token.
4. Else refresh with the desk and store the result with ``connection_tokens_store``, the
   compare-and-swap on ``token_version`` that keeps a late writer from putting back a refresh
   token the desk has already rotated away.

A refused refresh token (``RefreshTokenInvalid``) clears the connection's tokens only when
nobody else has refreshed: the row is re-read at once and again after ``REFUSAL_RECHECK_SECONDS``,
and a moved ``token_version`` means another process (one that did not take the lock) spent the
token first, so its tokens are used.

Short-lived tokens: a fixed 60 s margin would make a token living 60 s or less stale the moment
it is minted, and every caller would refresh again. The margin is therefore at most a quarter of
the token's life; as no lifetime is stored, ``access_token_expiry`` folds that into the recorded
end when the token is stored (only tokens living under 4 minutes are affected; the desks issue
30 and 60 minutes).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import connections, router

from integrations.credentials import Tokens, access_token_expiry, connection_label, http_for, moment_in
from integrations.errors import AuthenticationError, RefreshTokenInvalid, TransientError
from integrations.http import JsonHttp
from integrations.services import connection_tokens_clear, connection_tokens_store

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from integrations.models import Connection

logger = logging.getLogger(__name__)

# How long a caller waits for another process's refresh before giving up.
LOCK_WAIT_SECONDS = 30.0
# After a refused refresh token, how long to wait for a late store by another process before clearing.
REFUSAL_RECHECK_SECONDS = 1.0
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


_thread_locks: dict[int, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(pk: int) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(pk, threading.Lock())


def _lock_busy(connection: Connection) -> TransientError:
    return TransientError(
        f"{connection_label(connection)}: another worker has been refreshing the connection's token for "
        f"over {LOCK_WAIT_SECONDS:.0f} s; try again shortly."
    )


@contextmanager
def _advisory_lock(connection: Connection, db: BaseDatabaseWrapper) -> Iterator[None]:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    with db.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, connection.pk])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                raise _lock_busy(connection)
            time.sleep(0.05)
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, connection.pk])


def lock_path(connection: Connection) -> Path:
    """The file locked while ``connection``'s tokens are refreshed, without PostgreSQL (shared by every process)."""
    return Path(settings.VAR_DIR) / "locks" / f"connection-{connection.pk}.lock"


@contextmanager
def _file_lock(connection: Connection) -> Iterator[None]:
    path = lock_path(connection)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    # A lock of this open file, released by the kernel if the process dies holding it.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _lock_busy(connection) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def process_lock(connection: Connection) -> Iterator[None]:
    """The cross-process half of ``refresh_lock``: PostgreSQL's advisory lock, else a file lock under ``VAR_DIR``."""
    db = connections[router.db_for_write(type(connection))]
    lock = _advisory_lock(connection, db) if db.vendor == "postgresql" else _file_lock(connection)
    with lock:
        yield


@contextmanager
def refresh_lock(connection: Connection) -> Iterator[None]:
    """Held while a connection's tokens are refreshed: by one thread of one process at a time (see module doc).

    Raises ``TransientError`` when another worker holds it for longer than ``LOCK_WAIT_SECONDS``.
    """
    lock = _thread_lock(connection.pk)
    if not lock.acquire(timeout=LOCK_WAIT_SECONDS):
        raise _lock_busy(connection)
    try:
        with process_lock(connection):
            yield
    finally:
        lock.release()


def _fresh(connection: Connection) -> bool:
    # Unknown expiry: use it until the desk says 401.
    return not connection.access_token_expired()


def _unexpired(connection: Connection) -> bool:
    return not connection.access_token_expired(margin=timedelta(0))


def _refresher(connection: Connection) -> Callable[[Connection, JsonHttp], Tokens]:
    from integrations.models import Provider

    if connection.provider == Provider.ZENDESK:
        from integrations.zendesk import auth as zendesk_auth

        return zendesk_auth.refresh
    from integrations.zoho import auth as zoho_auth

    return zoho_auth.refresh


def access_token(connection: Connection, *, rejected: str | None = None, http: JsonHttp | None = None) -> str:
    """A usable OAuth access token for ``connection``, refreshing it if it is (nearly) expired.

    ``rejected``: a token the desk has just refused (401); a different stored token is
    returned if another caller already replaced it, else the token is refreshed.
    Raises ``AuthenticationError`` (the message says what to fix), ``MintLimited`` (Zoho),
    ``TransientError``. Call it outside any transaction: it may call the desk.
    """
    if rejected is None and _fresh(connection):
        return str(connection.access_token)
    seen_version = connection.token_version
    with refresh_lock(connection):
        connection.refresh_from_db(fields=list(TOKEN_FIELDS))
        current = str(connection.access_token)
        if current and current != rejected:
            if _fresh(connection):
                return current
            # Minted by whoever held the lock before us, and still alive: never refresh it again at once.
            if connection.token_version != seen_version and _unexpired(connection):
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
        if _changed_since(connection, version):
            # Another process spent the refresh token first (it did not take our lock, or it
            # stored late): its tokens stand, and clearing them would kill a working pair.
            if connection.access_token:
                logger.info("%s: refresh token already spent by another worker; using its token", label)
                return str(connection.access_token)
            raise
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
        access_token_expires_at=access_token_expiry(tokens.expires_in),
        **rotated,
    )
    if stored:
        logger.info("%s: access token refreshed", label)
        return tokens.access_token
    # The credentials were changed (an admin reconnected) while we refreshed: theirs win.
    connection.refresh_from_db(fields=list(TOKEN_FIELDS))
    if connection.access_token and _unexpired(connection):
        return str(connection.access_token)
    raise AuthenticationError(
        f"The {label}'s credentials changed during a token refresh: try again, or reconnect it in the admin."
    )


def _changed_since(connection: Connection, version: int) -> bool:
    """Re-read the tokens now and once more a moment later: has anyone stored or cleared them since ``version``?"""
    for wait in (0.0, REFUSAL_RECHECK_SECONDS):
        time.sleep(wait)
        connection.refresh_from_db(fields=list(TOKEN_FIELDS))
        if connection.token_version != version:
            return True
    return False


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
