"""The desk's changes written to our tickets, through the ticket services' own steps, and conflicts recorded.

A pull acts for nobody here: status moves are the system's (``apply_status(system_move=True)``:
the desk's workflow is not ours, and the desk already made the move), events have no actor
and carry ``source`` = the provider. Every write runs inside ``suppress_push(connection)`` at
the caller, so it is not pushed back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.models import Connection
from integrations.sync.mapping import reopening_target
from tickets.choices import Priority, Status
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.services.common import lock_ticket, record, touch
from tickets.services.sla import sla_apply
from tickets.services.status import apply_status


def remote_values_apply(
    *,
    connection: Connection,
    ticket: Ticket,
    status: Status | None,
    priority: Priority | None,
    now: datetime | None = None,
) -> Ticket:
    """Set the ticket's status and priority to the desk's (None: leave as is); one event per change."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_ticket(ticket)
        changed: set[str] = set()
        if status is not None and status != locked.status:
            target = reopening_target(locked.status, status)
            if target != locked.status:
                changed |= apply_status(
                    locked, target, actor=None, now=now, system_move=True, source=connection.provider
                )
        if priority is not None and priority != locked.priority:
            old = locked.priority
            locked.priority = priority
            record(
                locked,
                EventKind.PRIORITY_CHANGED,
                actor=None,
                now=now,
                field="priority",
                old=old,
                new=priority,
                source=connection.provider,
            )
            changed |= {"priority"} | sla_apply(locked)
        if changed:
            touch(locked, now, changed)
    return locked


def conflict_record(
    *,
    connection: Connection,
    ticket: Ticket,
    winner: str,
    overwritten: dict[str, Any],
    kept: dict[str, Any],
    local_changed_at: datetime | None,
    remote_changed_at: datetime | None,
) -> TicketEvent:
    """An internal ``updated`` event saying which side's values were overwritten by the later change.

    ``winner`` is ``local`` or ``remote``; ``overwritten`` the loser's values, ``kept`` the winner's.
    """

    def show(values: dict[str, Any]) -> str:
        return ", ".join(f"{name}={value}" for name, value in sorted(values.items()))

    loser = "remote" if winner == "local" else "local"
    return record(
        ticket,
        EventKind.UPDATED,
        actor=None,
        field="sync_conflict",
        old=show(overwritten),
        new=show(kept),
        internal=True,
        conflict=True,
        source=connection.provider,
        connection=connection.pk,
        winner=winner,
        overwritten=f"{loser} {show(overwritten)}",
        local_changed_at=local_changed_at.isoformat() if local_changed_at else None,
        remote_changed_at=remote_changed_at.isoformat() if remote_changed_at else None,
    )
