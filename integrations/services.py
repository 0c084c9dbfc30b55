"""Writes to a connection and its bookkeeping: tokens, health, sync claims, the sync log, key rotation.

Clients, OAuth flows, the sync engine and webhooks call these; none of them writes these
rows by itself. Every write is a conditional UPDATE of the named columns only, so a token
refresh, a health update and an admin's edit of the same connection never undo each other.

Tokens, the compare-and-swap way::

    version = connection.token_version            # read with the tokens being refreshed
    answer = <POST the refresh to the desk>        # outside any transaction
    if connection_tokens_store(connection=connection, expected_version=version, access_token=...):
        ...                                        # ours won; connection holds the new tokens
    else:
        connection.refresh_from_db()               # another process refreshed first: use its tokens

To keep two processes from spending one refresh token (Zendesk revokes the old pair on every
refresh), take a lock around the refresh (``select_for_update`` on the row in a short
transaction, or a cache lock) and re-read ``token_version`` inside it: if it moved, the
tokens are already fresh. The compare-and-swap is the backstop that keeps a late writer from
putting a dead refresh token back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from integrations.models import (
    CREDENTIAL_FIELDS,
    SECRET_FIELDS,
    Connection,
    Direction,
    Outcome,
    SyncLogEntry,
    SyncState,
)
from tickets.models import Ticket

# Long enough for a traceback's last lines; the admin shows a truncated column.
ERROR_MAX_CHARS = 2000
_UNSET = object()


def _clip(text: str) -> str:
    return text if len(text) <= ERROR_MAX_CHARS else text[: ERROR_MAX_CHARS - 1] + "…"


def connection_save(*, connection: Connection, fields: Iterable[str] | None = None) -> Connection:
    """Save an admin's edit: only ``fields`` (all editable fields when None) of an existing row.

    A concurrent token refresh or health update by a worker is not overwritten. A changed
    credential (``CREDENTIAL_FIELDS``) bumps ``token_version``, so a refresh in flight
    with the old credentials does not store its result over the new ones. A new row
    (no pk) is simply saved.
    """
    if connection.pk is None:
        connection.save()
        return connection
    names = (
        set(fields)
        if fields is not None
        else {f.name for f in Connection._meta.concrete_fields if f.editable and not f.primary_key}
    )
    # Never through this path: they belong to the token and health services.
    names -= {"token_version", "created_at"}
    names &= {f.name for f in Connection._meta.concrete_fields}
    if not names:
        return connection
    with transaction.atomic():
        connection.save(update_fields=sorted(names | {"updated_at"}))
        if names & CREDENTIAL_FIELDS:
            Connection.objects.filter(pk=connection.pk).update(token_version=models.F("token_version") + 1)
            connection.refresh_from_db(fields=["token_version"])
    return connection


def connection_tokens_store(
    *,
    connection: Connection,
    expected_version: int,
    access_token: str,
    access_token_expires_at: datetime | None,
    refresh_token: str | object = _UNSET,
    refresh_token_expires_at: datetime | None | object = _UNSET,
) -> bool:
    """Store freshly minted tokens if nobody else has since ``expected_version``; True if stored.

    A compare-and-swap: ``UPDATE ... SET tokens, token_version = token_version + 1 WHERE
    token_version = expected_version``. On success ``connection`` holds the new tokens and
    version; on False it is left as it was (call ``refresh_from_db()`` for the winner's
    tokens). Leave ``refresh_token`` out when the desk keeps the old one (Zoho) and pass it
    when it rotates (Zendesk). Makes no network call; call it outside any slow transaction.
    """
    now = timezone.now()
    values: dict[str, object] = {
        "access_token": access_token,
        "access_token_expires_at": access_token_expires_at,
        "updated_at": now,
    }
    if refresh_token is not _UNSET:
        values["refresh_token"] = refresh_token
    if refresh_token_expires_at is not _UNSET:
        values["refresh_token_expires_at"] = refresh_token_expires_at
    won = Connection.objects.filter(pk=connection.pk, token_version=expected_version).update(
        token_version=models.F("token_version") + 1, **values
    )
    if not won:
        return False
    for name, value in values.items():
        setattr(connection, name, value)
    connection.token_version = expected_version + 1
    return True


def connection_tokens_clear(*, connection: Connection, reason: str) -> None:
    """Forget the OAuth tokens (revoked, or refused by the desk): the connection needs authorizing again.

    Bumps ``token_version`` and records ``reason`` (redacted) as the connection's last error.
    """
    now = timezone.now()
    message = _clip(connection.redact(reason))
    Connection.objects.filter(pk=connection.pk).update(
        access_token="",
        refresh_token="",
        access_token_expires_at=None,
        refresh_token_expires_at=None,
        token_version=models.F("token_version") + 1,
        last_error=message,
        last_error_at=now,
        updated_at=now,
    )
    connection.refresh_from_db(
        fields=[
            "access_token",
            "refresh_token",
            "access_token_expires_at",
            "refresh_token_expires_at",
            "token_version",
            "last_error",
            "last_error_at",
            "updated_at",
        ]
    )


def connection_record_success(*, connection: Connection, at: datetime | None = None) -> None:
    """A sync run (or any call to the desk) went through: the connection is healthy again."""
    at = at or timezone.now()
    Connection.objects.filter(pk=connection.pk).update(
        last_sync_at=at, last_success_at=at, consecutive_failures=0, updated_at=timezone.now()
    )
    connection.last_sync_at = connection.last_success_at = at
    connection.consecutive_failures = 0


def connection_record_failure(*, connection: Connection, error: str, at: datetime | None = None) -> None:
    """A sync run failed: count it and keep ``error`` (its secrets redacted, clipped) as the last error."""
    at = at or timezone.now()
    message = _clip(connection.redact(error))
    Connection.objects.filter(pk=connection.pk).update(
        last_sync_at=at,
        last_error=message,
        last_error_at=at,
        consecutive_failures=models.F("consecutive_failures") + 1,
        updated_at=timezone.now(),
    )
    connection.refresh_from_db(fields=["last_sync_at", "last_error", "last_error_at", "consecutive_failures"])


def sync_log(
    *,
    connection: Connection,
    direction: Direction | str,
    action: str,
    outcome: Outcome | str,
    message: str = "",
    ticket: Ticket | None = None,
    remote_id: str | int = "",
) -> SyncLogEntry:
    """Write one sync log entry; ``message`` has the connection's secrets redacted and is clipped."""
    return SyncLogEntry.objects.create(
        connection=connection,
        ticket=ticket,
        direction=direction,
        action=action,
        outcome=outcome,
        message=_clip(connection.redact(message)),
        remote_id=str(remote_id),
    )


def sync_log_prune(*, older_than: timedelta) -> int:
    """Delete log entries older than ``older_than``; the number deleted."""
    deleted, _ = SyncLogEntry.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def sync_state_claim(
    *, connection: Connection, kind: str, stale_after: timedelta = timedelta(minutes=15)
) -> SyncState | None:
    """Claim the ``kind`` job of ``connection`` for this worker; None if another holds it.

    A claim older than ``stale_after`` counts as abandoned (its worker died) and is taken
    over. The returned state carries ``claim_token``; pass it to ``sync_state_release``.
    """
    state, _ = SyncState.objects.get_or_create(connection=connection, kind=kind)
    now = timezone.now()
    token = uuid.uuid4()
    free = models.Q(running_since__isnull=True) | models.Q(running_since__lt=now - stale_after)
    claimed = SyncState.objects.filter(free, pk=state.pk).update(running_since=now, claim_token=token, updated_at=now)
    if not claimed:
        return None
    state.refresh_from_db()
    return state


def sync_state_release(
    *,
    state: SyncState,
    cursor: str | None = None,
    watermark: datetime | None | object = _UNSET,
) -> bool:
    """Release a claim, saving where the job got to; False if the claim was lost (taken over as stale).

    A worker whose claim was taken over saves nothing: its cursor may be behind the new holder's.
    """
    values: dict[str, object] = {"running_since": None, "claim_token": None, "updated_at": timezone.now()}
    if cursor is not None:
        values["cursor"] = cursor
    if watermark is not _UNSET:
        values["watermark"] = watermark
    released = SyncState.objects.filter(pk=state.pk, claim_token=state.claim_token).update(**values)
    if released:
        for name, value in values.items():
            setattr(state, name, value)
    return bool(released)


def connections_reencrypt() -> int:
    """Encrypt every connection's secrets again under the first key; the number of connections.

    Run it after putting a new key first in ``INTEGRATIONS_ENCRYPTION_KEY`` and before dropping
    the old one. Each row is locked while it is rewritten, so a token refresh cannot interleave.
    """
    count = 0
    for pk in Connection.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            current = Connection.objects.select_for_update().only(*SECRET_FIELDS).get(pk=pk)
            # update() encrypts under the first key, like save().
            Connection.objects.filter(pk=pk).update(**{name: getattr(current, name) for name in SECRET_FIELDS})
        count += 1
    return count
