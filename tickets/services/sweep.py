"""The SLA sweep: every clock at risk or past due recorded once, and what a policy does on a breach.

Apart from ``tickets.services.sla`` (which applies policies and records a breach when a clock
stops late) because a breach may escalate the ticket through ``tickets.services.status``, which
itself calls into ``tickets.services.sla`` on every status change.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets import workflow
from tickets.changes import note_tickets_changed
from tickets.choices import Priority, Status
from tickets.models import EventKind, NotificationKind, Ticket, TicketEvent
from tickets.models.conditions import FIRST_RESPONSE_UNMET, RESOLUTION_UNMET
from tickets.services.common import events_recorded, record, touch
from tickets.services.notifications import notify_many
from tickets.services.sla import breach_watchers, clock_metadata, sla_apply, sla_policies_remembered, tells_lead
from tickets.services.status import apply_status

# metric -> the condition for its clock to be unmet and running (tickets/models/ticket.py)
_METRICS = {"first_response": FIRST_RESPONSE_UNMET, "resolution": RESOLUTION_UNMET}
_RAISED = {Priority.LOW: Priority.MEDIUM, Priority.MEDIUM: Priority.HIGH, Priority.HIGH: Priority.URGENT}


def _claim(condition: Q, order_by: str, batch_size: int) -> list[Ticket]:
    return list(
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(condition)
        .select_related("assignee", "team__lead", "sla_policy")
        .order_by(order_by)[:batch_size]
    )


def sla_sweep(
    *, now: datetime | None = None, batch_size: int = 1000, budget_seconds: float | None = None
) -> dict[str, int]:
    """Record every clock now at risk or breached, each exactly once, and tell who must know.

    Set-based and safe to run twice at once: rows are claimed under ``SKIP
    LOCKED`` (PostgreSQL) or the IMMEDIATE write lock (SQLite), and only rows
    not yet marked are claimed. A resolution breach also does what its policy
    asks: notify the team lead, raise the priority one step, escalate. With ``SLA_ENABLED``
    off it records nothing.

    Work goes in rounds of at most ``batch_size`` clocks of each kind, one transaction each, until
    a round finds nothing or ``budget_seconds`` (``SLA_SWEEP_BUDGET_SECONDS``) are spent: a backlog
    is worked off within the run's time, whatever its size, and what is left waits for the next run.
    The claims read the partial indexes of the clocks not yet recorded (tickets/models/ticket.py), so a
    round costs the same on a desk of a million tickets; its emails go to the queue in a few batches
    (``enqueue_pending``). 100,000 breaches, two sweeps at once: 45-62 s (``python -m bench sweep``).
    """
    now = now or timezone.now()
    counts = {"at_risk": 0, "breached": 0}
    if not settings.SLA_ENABLED:
        return counts
    budget = settings.SLA_SWEEP_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    size = batch_size
    while True:
        began = time.monotonic()
        with sla_policies_remembered():
            found = _sweep_round(now, size, counts)
        left = deadline - time.monotonic()
        if not found or left <= 0:
            return counts
        # The next round sized to the time left, at this round's pace: a run ends near its budget even
        # when each breach costs much (the policies' actions), not a whole round of a thousand later.
        per_clock = (time.monotonic() - began) / found
        size = max(1, min(batch_size, int(left / per_clock))) if per_clock > 0 else batch_size


def _sweep_round(now: datetime, batch_size: int, counts: dict[str, int]) -> int:
    """One transaction: up to ``batch_size`` clocks of each kind recorded; how many were."""
    found = 0
    with transaction.atomic():
        for metric, running in _METRICS.items():
            for state, kind in (("at_risk", EventKind.SLA_AT_RISK), ("breached", EventKind.SLA_BREACHED)):
                flag = f"{metric}_{state}"
                instant = f"{metric}_at_risk_at" if state == "at_risk" else f"{metric}_due_at"
                if state == "at_risk":
                    # At risk from the at-risk instant on (counted time >= the share), as sla_state says;
                    # already past due, the breach is what to tell, not a warning beside it.
                    condition = Q(**{f"{instant}__lte": now, f"{metric}_breached": False, f"{metric}_due_at__gte": now})
                else:
                    condition = Q(**{f"{instant}__lt": now})  # breached once now is past the due time
                condition &= running & Q(**{flag: False})
                claimed = _claim(condition, instant, batch_size)
                if not claimed:
                    continue
                Ticket.objects.filter(pk__in=[t.pk for t in claimed]).update(**{flag: True})
                note_tickets_changed()  # an update and a bulk insert send no signal
                events = TicketEvent.objects.bulk_create(
                    TicketEvent(
                        ticket=ticket,
                        kind=kind,
                        field=metric,
                        created_at=now,
                        metadata=clock_metadata(metric, ticket_due),
                    )
                    for ticket in claimed
                    if (ticket_due := getattr(ticket, f"{metric}_due_at")) is not None
                )
                events_recorded.send(sender=TicketEvent, events=events)
                notification = NotificationKind.SLA_AT_RISK if state == "at_risk" else NotificationKind.SLA_BREACHED
                notify_many(
                    (event, notification, breach_watchers(event.ticket, lead=tells_lead(event.ticket, state)))
                    for event in events
                )
                if state == "breached" and metric == "resolution":
                    for ticket in claimed:
                        _breach_actions(ticket, now)
                counts[state] += len(events)
                found += len(claimed)
    return found


def _breach_actions(ticket: Ticket, now: datetime) -> None:
    """The policy's automatic steps on a resolution breach, recorded as the system's own changes."""
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
