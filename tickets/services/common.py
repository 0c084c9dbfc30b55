"""What every ticket write shares: locking the row, checking its version, recording the event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import NotFound, PreconditionFailed
from tickets.models import Attachment, EventKind, Ticket, TicketEvent

# Sent with ``events=[TicketEvent, ...]`` inside the writer's transaction for every event recorded
# (``record``, the SLA sweep's bulk insert): apps that react to ticket changes (webhooks/) listen
# here, so tickets imports none of them. A receiver that writes must write in the same transaction.
events_recorded = Signal()


def lock_ticket(ticket: Ticket | int, *, expected_version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock; refuse if the caller saw an older version.

    Must run inside ``transaction.atomic``. On SQLite the IMMEDIATE transaction
    mode already serializes writers, so the lock is the transaction itself.
    """
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        locked = Ticket.objects.select_for_update().get(pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound("Ticket not found.") from None
    if expected_version is not None and locked.version != expected_version:
        raise PreconditionFailed(
            f"The ticket changed since you read it (your version {expected_version}, now {locked.version}).",
            current_version=locked.version,
        )
    return locked


def touch(ticket: Ticket, now: datetime, fields: set[str]) -> None:
    """Bump the version and save only what changed."""
    ticket.version += 1
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def record(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None,
    now: datetime | None = None,
    field: str = "",
    old: Any = "",
    new: Any = "",
    internal: bool = False,
    **metadata: Any,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        actor=actor if actor is not None and actor.is_authenticated else None,
        is_internal=internal,
        metadata={k: v for k, v in metadata.items() if v not in (None, "")},
        created_at=now or timezone.now(),
    )
    events_recorded.send(sender=TicketEvent, events=[event])
    return event


def record_file_removed(attachment: Attachment, *, actor: User | None, now: datetime, **metadata: Any) -> None:
    """Record a file's removal on its ticket (internal when its note is) and delete its bytes after the commit."""
    record(
        attachment.ticket,
        EventKind.ATTACHMENT_DELETED,
        actor=actor,
        now=now,
        old=attachment.filename,
        internal=attachment.comment is not None and attachment.comment.is_internal,
        attachment_id=attachment.pk,
        **metadata,
    )
    stored = attachment.file
    transaction.on_commit(lambda: stored.storage.delete(stored.name))
