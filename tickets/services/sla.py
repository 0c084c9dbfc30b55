"""Applying SLA policies to tickets and recording breaches."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets import sla, workflow
from tickets.choices import Status
from tickets.models import EventKind, SLAPolicy, SLATarget, Ticket, TicketEvent
from tickets.selectors import sla_policies_in_order


def sla_policy_for(ticket: Ticket) -> SLAPolicy | None:
    """The first active policy whose conditions (category, organization, team) all match."""
    return (
        sla_policies_in_order()
        .filter(Q(category__isnull=True) | Q(category_id=ticket.category_id))
        .filter(Q(organization__isnull=True) | Q(organization_id=ticket.organization_id))
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .first()
    )


def status_timeline(ticket: Ticket) -> list[tuple[datetime, bool]]:
    """When the resolution clock started and stopped running, from the ticket's status events."""
    changes: list[tuple[datetime, str]] = [(ticket.created_at, Status.NEW)]
    if ticket.pk is not None:
        changes += list(
            ticket.events.filter(field="status").order_by("created_at", "id").values_list("created_at", "new_value")
        )
    # The ticket's own status governs from the last change on.
    changes[-1] = (changes[-1][0], ticket.status)
    return [(at, status in workflow.SLA_RUNNING) for at, status in changes]


_SLA_FIELDS = (
    "sla_policy",
    "sla_first_response_minutes",
    "sla_resolution_minutes",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at_risk_at",
    "resolution_at_risk_at",
)


def _resolution_clock(ticket: Ticket, policy: SLAPolicy) -> tuple[datetime | None, datetime | None]:
    """(due, at-risk instant) of the resolution clock from its history; both None while paused."""
    timeline, calendar = status_timeline(ticket), policy.rules
    target = timedelta(minutes=ticket.sla_resolution_minutes or 0)
    due = sla.resumed_due(timeline, target, calendar)
    at_risk = sla.resumed_due(timeline, target * policy.at_risk_percent / 100, calendar)
    return due, at_risk


def sla_apply(ticket: Ticket) -> set[str]:
    """Set the ticket's policy, targets and due times; return the fields changed.

    Due times count from the ticket's creation, in the policy's time, so a
    priority change moves them as if the new priority had been chosen from the
    start. The resolution clock keeps the pauses of the ticket's history; it
    has no due time while paused, and keeps its last one once stopped.
    """
    before = {name: getattr(ticket, name if name != "sla_policy" else "sla_policy_id") for name in _SLA_FIELDS}
    policy = sla_policy_for(ticket)
    target: SLATarget | None = None
    if policy is not None:
        target = next((t for t in policy.targets.all() if t.priority == ticket.priority), None)
    ticket.sla_policy = policy
    if target is None:
        ticket.sla_first_response_minutes = ticket.sla_resolution_minutes = None
        ticket.first_response_due_at = ticket.resolution_due_at = None
        ticket.first_response_at_risk_at = ticket.resolution_at_risk_at = None
    else:
        calendar = policy.rules
        ticket.sla_first_response_minutes = target.first_response_minutes
        ticket.sla_resolution_minutes = target.resolution_minutes
        first_response = timedelta(minutes=target.first_response_minutes)
        ticket.first_response_due_at = sla.add_duration(ticket.created_at, first_response, calendar)
        ticket.first_response_at_risk_at = sla.add_duration(
            ticket.created_at, first_response * policy.at_risk_percent / 100, calendar
        )
        if ticket.status not in workflow.SLA_STOPPED or ticket.resolution_due_at is None:
            ticket.resolution_due_at, ticket.resolution_at_risk_at = _resolution_clock(ticket, policy)
    after = {name: getattr(ticket, name if name != "sla_policy" else "sla_policy_id") for name in _SLA_FIELDS}
    return {name for name in _SLA_FIELDS if before[name] != after[name]}


def sla_status_changed(ticket: Ticket, previous: str, *, now: datetime) -> set[str]:
    """Pause, resume or stop the resolution clock after a status change (already recorded as an event).

    A clock that stops or pauses after its due time records the breach now,
    so a breach cannot be hidden by moving the ticket before the sweep runs.
    """
    if ticket.sla_policy_id is None or ticket.sla_resolution_minutes is None:
        return set()
    changed: set[str] = set()
    was_running = previous in workflow.SLA_RUNNING
    if was_running and ticket.status not in workflow.SLA_RUNNING:
        due = ticket.resolution_due_at
        if due is not None and now > due and not ticket.resolution_breached:
            ticket.resolution_breached = True
            changed.add("resolution_breached")
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.SLA_BREACHED,
                field="resolution",
                created_at=now,
                metadata={"metric": "resolution", "due_at": due.isoformat()},
            )
    if ticket.status in workflow.SLA_STOPPED:
        return changed
    due, at_risk = _resolution_clock(ticket, ticket.sla_policy)
    for name, value in (("resolution_due_at", due), ("resolution_at_risk_at", at_risk)):
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.add(name)
    return changed


def sla_mark_breaches(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Mark tickets whose first response or resolution is past due; return how many breaches.

    Set-based and safe to run twice at once: rows are claimed under
    ``SKIP LOCKED`` (PostgreSQL) or the IMMEDIATE write lock (SQLite), and only
    rows not yet marked are claimed, so each breach is recorded exactly once.
    """
    now = now or timezone.now()
    metrics = {
        "first_response": Q(first_response_breached=False, first_responded_at__isnull=True)
        & ~Q(status__in=workflow.DONE_STATUSES),
        "resolution": Q(resolution_breached=False, status__in=workflow.SLA_RUNNING),
    }
    events: list[TicketEvent] = []
    with transaction.atomic():
        for metric, condition in metrics.items():
            due_field = f"{metric}_due_at"
            claimed = list(
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(condition, **{f"{due_field}__lt": now})
                .order_by(due_field)
                .values_list("id", due_field)[:batch_size]
            )
            Ticket.objects.filter(pk__in=[pk for pk, _ in claimed]).update(**{f"{metric}_breached": True})
            events += [
                TicketEvent(
                    ticket_id=pk,
                    kind=EventKind.SLA_BREACHED,
                    field=metric,
                    created_at=now,
                    metadata={"metric": metric, "due_at": due_at.isoformat()},
                )
                for pk, due_at in claimed
            ]
        TicketEvent.objects.bulk_create(events)
    return len(events)
