"""Applying SLA policies to tickets and recording breaches."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets import sla, workflow
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


def sla_apply(ticket: Ticket) -> set[str]:
    """Set the ticket's policy and due times from its priority; return the fields changed.

    Due times count from the ticket's creation, so a priority change moves
    them as if the new priority had been chosen from the start.
    """
    policy = sla_policy_for(ticket)
    target: SLATarget | None = None
    if policy is not None:
        target = next((t for t in policy.targets.all() if t.priority == ticket.priority), None)
    before = (ticket.sla_policy_id, ticket.first_response_due_at, ticket.resolution_due_at)
    ticket.sla_policy = policy
    if target is None:
        ticket.first_response_due_at = None
        ticket.resolution_due_at = None
    else:
        start, calendar = ticket.created_at, policy.rules
        ticket.first_response_due_at = sla.add_duration(
            start, timedelta(minutes=target.first_response_minutes), calendar
        )
        ticket.resolution_due_at = sla.add_duration(start, timedelta(minutes=target.resolution_minutes), calendar)
    after = (ticket.sla_policy_id, ticket.first_response_due_at, ticket.resolution_due_at)
    names = ("sla_policy", "first_response_due_at", "resolution_due_at")
    return {name for name, old, new in zip(names, before, after, strict=True) if old != new}


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
