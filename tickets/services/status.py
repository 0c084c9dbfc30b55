"""Moving tickets through the workflow of ``tickets/workflow.py``."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tickets import access, workflow
from tickets.choices import Status, parse_status
from tickets.models import EventKind, MilestoneKind, NotificationKind, Ticket
from tickets.services.common import lock_ticket, record, touch
from tickets.services.milestones import milestone_record
from tickets.services.notifications import notify
from tickets.services.sla import sla_status_changed

_EVENT_FOR_TARGET = {
    Status.RESOLVED: EventKind.RESOLVED,
    Status.CLOSED: EventKind.CLOSED,
    Status.REOPENED: EventKind.REOPENED,
    Status.ESCALATED: EventKind.ESCALATED,
}


def _refuse(ticket: Ticket, target: Status, reason: str = "") -> InvalidTransition:
    allowed = [s.value for s in workflow.allowed_targets(ticket.status)]
    message = reason or f"A ticket cannot move from {ticket.status} to {target}."
    return InvalidTransition(
        f"{message} Allowed: {', '.join(allowed) or 'none'}.",
        {"status": [message]},
        current=ticket.status,
        allowed=allowed,
    )


def apply_status(
    ticket: Ticket,
    target: Status,
    *,
    actor: User | None,
    now: datetime,
    note: str = "",
    system_move: bool = False,
    **metadata: object,
) -> set[str]:
    """Move a locked ticket to ``target`` and record it; the caller saves. Checks the table only.

    ``system_move`` skips the table and the reopen window for moves the system makes on its
    own (closing a ticket merged into another, from whatever status it was in; a connected
    desk's reopen, which that desk already made).
    """
    if not system_move and not workflow.is_allowed(ticket.status, target):
        raise _refuse(ticket, target)
    if target == Status.REOPENED and ticket.merged_into_id is not None:
        raise _refuse(ticket, target, "This ticket was merged into another; its conversation continues there.")
    if target == Status.REOPENED and ticket.status == Status.CLOSED and not system_move:
        if not workflow.reopen_window_open(ticket.closed_at, now, settings.REOPEN_WINDOW_DAYS):
            days = settings.REOPEN_WINDOW_DAYS
            raise _refuse(ticket, target, f"A closed ticket can only be reopened within {days} days of closing.")
    previous = ticket.status
    ticket.status = target
    ticket.status_changed_at = now
    changed = {"status", "status_changed_at"}
    if target == Status.RESOLVED:
        ticket.resolved_at = now
        changed.add("resolved_at")
    elif target == Status.CLOSED:
        ticket.closed_at = now
        changed.add("closed_at")
    elif target == Status.REOPENED:
        ticket.resolved_at = None
        ticket.closed_at = None
        changed |= {"resolved_at", "closed_at"}
    kind = _EVENT_FOR_TARGET.get(target, EventKind.STATUS_CHANGED)
    event = record(ticket, kind, actor=actor, now=now, field="status", old=previous, new=target, note=note, **metadata)
    if target == Status.REOPENED:
        milestone_record(ticket, MilestoneKind.REOPENED, at=now)
    if target == Status.RESOLVED:
        notify(event=event, kind=NotificationKind.TICKET_RESOLVED, recipients=[ticket.requester], exclude=actor)
    return changed | sla_status_changed(ticket, previous, now=now)


def ticket_transition(
    *,
    actor: User,
    ticket: Ticket,
    to_status: str,
    note: str = "",
    resolution_notes: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket to another status, as the workflow table and the actor's rights allow.

    Refuses with ``InvalidTransition`` (listing the allowed targets) when the
    table forbids the move or a closed ticket's reopen window has passed.
    """
    target = parse_status(to_status) if isinstance(to_status, str) else None
    if target is None:
        raise ValidationFailed.on("status", f"{to_status!r} is not a status. Use one of: {', '.join(Status.values)}.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_ticket(ticket, expected_version=expected_version)
        if not access.can_view_ticket(actor, locked):
            raise NotFound("Ticket not found.")
        if not access.can_change_status(actor, locked, target):
            raise PermissionDenied(f"You may not move this ticket to {target}.")
        changed = apply_status(locked, target, actor=actor, now=now, note=note)
        if target == Status.RESOLVED and resolution_notes:
            locked.resolution_notes = resolution_notes
            changed.add("resolution_notes")
        touch(locked, now, changed)
    return locked


def ticket_resolve(*, actor: User, ticket: Ticket, resolution_notes: str = "", **kwargs) -> Ticket:
    """Mark a ticket resolved, keeping the resolution notes on it."""
    return ticket_transition(
        actor=actor, ticket=ticket, to_status=Status.RESOLVED, resolution_notes=resolution_notes, **kwargs
    )


def ticket_close(*, actor: User, ticket: Ticket, note: str = "", **kwargs) -> Ticket:
    """Close a ticket (from new, open, pending, escalated or resolved)."""
    return ticket_transition(actor=actor, ticket=ticket, to_status=Status.CLOSED, note=note, **kwargs)


def ticket_reopen(*, actor: User, ticket: Ticket, reason: str = "", **kwargs) -> Ticket:
    """Reopen a resolved ticket, or a closed one within the reopen window."""
    return ticket_transition(actor=actor, ticket=ticket, to_status=Status.REOPENED, note=reason, **kwargs)


def ticket_escalate(*, actor: User, ticket: Ticket, note: str = "", **kwargs) -> Ticket:
    """Escalate a ticket that is open or in progress."""
    return ticket_transition(actor=actor, ticket=ticket, to_status=Status.ESCALATED, note=note, **kwargs)
