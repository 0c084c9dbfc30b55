"""Applying SLA policies to tickets and recording breaches."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets import sla, workflow
from tickets.choices import Priority, Status
from tickets.models import EventKind, NotificationKind, SLAPolicy, SLATarget, Ticket, TicketEvent
from tickets.selectors import sla_policies_in_order
from tickets.services.common import record, touch
from tickets.services.notifications import notify_many


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
            event = record(
                ticket,
                EventKind.SLA_BREACHED,
                actor=None,
                now=now,
                field="resolution",
                metric="resolution",
                due_at=due.isoformat(),
            )
            notify_many(
                [(event, NotificationKind.SLA_BREACHED, _watchers(ticket, lead=_tells_lead(ticket, "breached")))]
            )
    if ticket.status in workflow.SLA_STOPPED:
        return changed
    due, at_risk = _resolution_clock(ticket, ticket.sla_policy)
    for name, value in (("resolution_due_at", due), ("resolution_at_risk_at", at_risk)):
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.add(name)
    return changed


# metric -> (condition for its clock to be running and unmet, the event field)
_METRICS = {
    "first_response": Q(first_responded_at__isnull=True) & ~Q(status__in=workflow.DONE_STATUSES),
    "resolution": Q(status__in=workflow.SLA_RUNNING),
}
_RAISED = {Priority.LOW: Priority.MEDIUM, Priority.MEDIUM: Priority.HIGH, Priority.HIGH: Priority.URGENT}


def _claim(condition: Q, order_by: str, batch_size: int) -> list[Ticket]:
    return list(
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(condition)
        .select_related("assignee", "team__lead", "sla_policy")
        .order_by(order_by)[:batch_size]
    )


def _watchers(ticket: Ticket, *, lead: bool = True) -> list:
    return [ticket.assignee, ticket.team.lead if lead and ticket.team_id else None]


def _tells_lead(ticket: Ticket, state: str) -> bool:
    return state == "at_risk" or ticket.sla_policy is None or ticket.sla_policy.breach_notify_lead


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Record every clock now at risk or breached, each exactly once, and tell who must know.

    Set-based and safe to run twice at once: rows are claimed under ``SKIP
    LOCKED`` (PostgreSQL) or the IMMEDIATE write lock (SQLite), and only rows
    not yet marked are claimed. A resolution breach also does what its policy
    asks: notify the team lead, raise the priority one step, escalate.
    """
    now = now or timezone.now()
    counts = {"at_risk": 0, "breached": 0}
    with transaction.atomic():
        for metric, running in _METRICS.items():
            for state, kind in (("at_risk", EventKind.SLA_AT_RISK), ("breached", EventKind.SLA_BREACHED)):
                flag = f"{metric}_{state}"
                instant = f"{metric}_at_risk_at" if state == "at_risk" else f"{metric}_due_at"
                condition = running & Q(**{flag: False, f"{instant}__lt": now})
                if state == "at_risk":
                    # Already past due: the breach is what to tell, not a warning beside it.
                    condition &= Q(**{f"{metric}_breached": False, f"{metric}_due_at__gte": now})
                claimed = _claim(condition, instant, batch_size)
                if not claimed:
                    continue
                Ticket.objects.filter(pk__in=[t.pk for t in claimed]).update(**{flag: True})
                events = TicketEvent.objects.bulk_create(
                    TicketEvent(
                        ticket=ticket,
                        kind=kind,
                        field=metric,
                        created_at=now,
                        metadata={"metric": metric, "due_at": ticket_due.isoformat()},
                    )
                    for ticket in claimed
                    if (ticket_due := getattr(ticket, f"{metric}_due_at")) is not None
                )
                notification = NotificationKind.SLA_AT_RISK if state == "at_risk" else NotificationKind.SLA_BREACHED
                notify_many(
                    (event, notification, _watchers(event.ticket, lead=_tells_lead(event.ticket, state)))
                    for event in events
                )
                if state == "breached" and metric == "resolution":
                    for ticket in claimed:
                        _breach_actions(ticket, now)
                counts[state] += len(events)
    return counts


def _breach_actions(ticket: Ticket, now: datetime) -> None:
    """The policy's automatic steps on a resolution breach, recorded as the system's own changes."""
    from tickets.services.status import apply_status

    policy, changed = ticket.sla_policy, set()
    ticket.resolution_breached = True
    if policy.breach_raise_priority and ticket.priority in _RAISED:
        old, ticket.priority = ticket.priority, _RAISED[ticket.priority]
        record(
            ticket,
            EventKind.PRIORITY_CHANGED,
            actor=None,
            now=now,
            field="priority",
            old=old,
            new=ticket.priority,
            reason="sla_breached",
        )
        changed |= {"priority"} | sla_apply(ticket)
    if policy.breach_escalate and workflow.is_allowed(ticket.status, Status.ESCALATED):
        changed |= apply_status(ticket, Status.ESCALATED, actor=None, now=now, reason="sla_breached")
    if changed:
        touch(ticket, now, changed)
