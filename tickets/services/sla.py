"""Applying SLA policies to tickets and recording breaches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from tickets import sla, workflow
from tickets.choices import Status
from tickets.models import EventKind, MilestoneKind, NotificationKind, SLAPolicy, SLATarget, Ticket
from tickets.selectors import sla_policies_in_order
from tickets.services.common import record
from tickets.services.milestones import milestone_record, milestone_stopped
from tickets.services.notifications import notify_many

# Within ``sla_policies_remembered``: the policy found for each (category, organization, team).
_remembered: ContextVar[dict[tuple, SLAPolicy | None] | None] = ContextVar("sla_policies_remembered", default=None)


@contextmanager
def sla_policies_remembered() -> Iterator[None]:
    """Within: ``sla_policy_for`` asks the database once per kind of ticket, not once per ticket.

    For one transaction's many tickets (a sweep's round raising priorities), in which the
    policies do not change.
    """
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def sla_policy_for(ticket: Ticket) -> SLAPolicy | None:
    """The first active policy whose conditions (category, organization, team) all match.

    None while ``SLA_ENABLED`` is off: a ticket made or changed then has no targets and no due times.
    """
    if not settings.SLA_ENABLED:
        return None
    remembered, key = _remembered.get(), (ticket.category_id, ticket.organization_id, ticket.team_id)
    if remembered is not None and key in remembered:
        return remembered[key]
    policy = (
        sla_policies_in_order()
        .filter(Q(category__isnull=True) | Q(category_id=ticket.category_id))
        .filter(Q(organization__isnull=True) | Q(organization_id=ticket.organization_id))
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .first()
    )
    if remembered is not None:
        remembered[key] = policy
    return policy


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


def _policy_calendar(ticket: Ticket) -> sla.Calendar | None:
    """The calendar the ticket's policy counts in; None for 24x7 or no policy.

    A policy not loaded yet is read once with its calendar, hours and holidays.
    """
    if ticket.sla_policy_id is None:
        return None
    if not Ticket.sla_policy.is_cached(ticket):
        ticket.sla_policy = (
            SLAPolicy.objects.select_related("calendar")
            .prefetch_related("calendar__hours", "calendar__holidays")
            .get(pk=ticket.sla_policy_id)
        )
    return ticket.sla_policy.rules


def _minutes(duration: timedelta) -> int:
    """A duration in whole minutes, rounded to the nearest (rounding down would bias every mean low)."""
    return (duration + timedelta(seconds=30)) // timedelta(minutes=1)


_SLA_FIELDS = (
    "sla_policy",
    "sla_first_response_minutes",
    "sla_resolution_minutes",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at_risk_at",
    "resolution_at_risk_at",
)


def _has_resolution_target(ticket: Ticket) -> bool:
    # With SLA_ENABLED off a policy kept from before judges nothing: no due time moves, nothing is met.
    return settings.SLA_ENABLED and ticket.sla_policy_id is not None and ticket.sla_resolution_minutes is not None


def _resolution_clock(ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    """(due, at-risk instant) of the resolution clock from its history; both None while paused."""
    timeline, calendar = status_timeline(ticket), _policy_calendar(ticket)
    policy = ticket.sla_policy
    target = timedelta(minutes=ticket.sla_resolution_minutes or 0)
    due = sla.resumed_due(timeline, target, calendar)
    at_risk = sla.resumed_due(timeline, target * policy.at_risk_percent / 100, calendar)
    return due, at_risk


def sla_apply(ticket: Ticket) -> set[str]:
    """Set the ticket's policy, targets and due times; return the fields changed.

    Due times count from the ticket's creation, in the policy's time, so a
    priority change moves them as if the new priority had been chosen from the
    start, for the clocks still running. The resolution clock keeps the pauses of
    the ticket's history; it has no due time while paused. A stopped clock keeps
    its target and due time.
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
        ticket.sla_resolution_minutes = target.resolution_minutes
        # A stopped clock keeps the target it was judged against: a later change of priority or
        # category must not turn a met first response into a breach nobody recorded.
        if ticket.first_response_stopped_at is None:
            ticket.sla_first_response_minutes = target.first_response_minutes
            first_response = timedelta(minutes=target.first_response_minutes)
            ticket.first_response_due_at = sla.add_duration(ticket.created_at, first_response, calendar)
            ticket.first_response_at_risk_at = sla.add_duration(
                ticket.created_at, first_response * policy.at_risk_percent / 100, calendar
            )
        if ticket.status not in workflow.SLA_STOPPED or ticket.resolution_due_at is None:
            ticket.resolution_due_at, ticket.resolution_at_risk_at = _resolution_clock(ticket)
    after = {name: getattr(ticket, name if name != "sla_policy" else "sla_policy_id") for name in _SLA_FIELDS}
    changed = {name for name in _SLA_FIELDS if before[name] != after[name]}
    if "sla_policy" in changed:
        changed |= _durations_recounted(ticket)
    return changed


def _durations_recounted(ticket: Ticket) -> set[str]:
    """Re-measure the stored durations in the time of the ticket's (new) policy."""
    calendar = _policy_calendar(ticket)
    changed: set[str] = set()
    if ticket.first_responded_at is not None:
        ticket.first_response_minutes = _minutes(
            sla.working_time_between(ticket.created_at, ticket.first_responded_at, calendar)
        )
        changed.add("first_response_minutes")
    if ticket.resolution_minutes is not None:
        # The clock has stopped: nothing runs after the last status change.
        timeline = status_timeline(ticket)
        ticket.resolution_minutes = _minutes(sla.running_time(timeline, timeline[-1][0], calendar))
        ticket.resolution_met = not ticket.resolution_breached if _has_resolution_target(ticket) else None
        changed |= {"resolution_minutes", "resolution_met"}
    return changed


def sla_first_responded(ticket: Ticket, *, now: datetime, by: User) -> set[str]:
    """Record the first public staff reply, after how long, and stop the first-response clock.

    The time is counted from creation in the policy's time (working time on a
    calendar, wall time on 24x7 or without a policy); the clock never pauses.
    A clock already stopped (the ticket was resolved or closed before any reply)
    stays stopped where it was. The caller saves the fields returned.
    """
    ticket.first_responded_at = now
    elapsed = sla.working_time_between(ticket.created_at, now, _policy_calendar(ticket))
    ticket.first_response_minutes = _minutes(elapsed)
    changed = {"first_responded_at", "first_response_minutes"}
    if ticket.first_response_stopped_at is None:
        changed |= _first_response_stopped(ticket, now, by=by, elapsed=elapsed)
    return changed


def _first_response_stopped(
    ticket: Ticket, now: datetime, *, by: User | None = None, elapsed: timedelta | None = None
) -> set[str]:
    """Stop the first-response clock, by ``by``'s reply after ``elapsed``, or by solving the ticket (neither)."""
    ticket.first_response_stopped_at = now
    changed = {"first_response_stopped_at"} | _breach_recorded(ticket, "first_response", now)
    # As FIRST_RESPONSE_CLOCK (tickets/models/conditions.py): a policy and a positive target.
    has_clock = (
        ticket.sla_policy_id is not None
        and bool(ticket.sla_first_response_minutes)
        and ticket.first_response_due_at is not None
    )
    met = (not ticket.first_response_breached and now <= ticket.first_response_due_at) if has_clock else None
    by_id = by.pk if by is not None else None
    milestone_record(ticket, MilestoneKind.FIRST_RESPONSE, at=now, assignee_id=by_id, duration=elapsed, met=met)
    return changed


def _breach_recorded(ticket: Ticket, metric: str, now: datetime) -> set[str]:
    """Record the breach of a clock that stops or pauses past its due time, as the sweep would.

    Otherwise a reply, a pause or a stop made before the next sweep would hide
    the breach: a stopped or paused clock is no longer the sweep's to record.
    The same flag, ``sla_breached`` event (with the due time) and notifications.
    """
    flag, due = f"{metric}_breached", getattr(ticket, f"{metric}_due_at")
    if not settings.SLA_ENABLED or getattr(ticket, flag) or due is None or ticket.sla_policy_id is None or now <= due:
        return set()
    setattr(ticket, flag, True)
    event = record(ticket, EventKind.SLA_BREACHED, actor=None, now=now, field=metric, **clock_metadata(metric, due))
    notify_many([(event, NotificationKind.SLA_BREACHED, breach_watchers(ticket, lead=tells_lead(ticket, "breached")))])
    return {flag}


def clock_metadata(metric: str, due: datetime) -> dict[str, str]:
    return {"metric": metric, "due_at": due.isoformat()}


def sla_status_changed(ticket: Ticket, previous: str, *, now: datetime) -> set[str]:
    """Pause, resume or stop the clocks after a status change (already recorded as an event).

    A clock that stops or pauses after its due time records the breach now,
    so a breach cannot be hidden by moving the ticket before the sweep runs.
    Resolving or closing a ticket without a staff reply also stops its
    first-response clock (as Zendesk: solving fulfils the first-reply target).

    When the resolution clock stops (resolved, or closed without having been
    resolved) the time it counted is stored, pauses excluded, with whether its
    target was met; with no policy the clock still counts, in wall time.
    Reopening clears both: the next stop counts the whole history again, so
    the time adds up. A ticket merged into another is not measured: its
    history moved to the target.
    """
    changed: set[str] = set()
    has_target = _has_resolution_target(ticket)
    if has_target and previous in workflow.SLA_RUNNING and ticket.status not in workflow.SLA_RUNNING:
        changed |= _breach_recorded(ticket, "resolution", now)
    if ticket.status in workflow.SLA_STOPPED and ticket.first_response_stopped_at is None:
        changed |= _first_response_stopped(ticket, now)
    stopped_before = previous in workflow.SLA_STOPPED
    if ticket.merged_into_id is not None:
        # Merged away: its status history now lies on the target, which carries on the work. It leaves
        # the open work all the same: a stop without figures, so the backlog counts it out.
        ticket.resolution_minutes = ticket.resolution_met = None
        if ticket.status in workflow.SLA_STOPPED and not stopped_before:
            milestone_record(ticket, MilestoneKind.CLOSED, at=now)
        return changed | {"resolution_minutes", "resolution_met"}
    if ticket.status in workflow.SLA_STOPPED:
        return changed if stopped_before else changed | _resolution_measured(ticket, now)
    if stopped_before:
        ticket.resolution_minutes = ticket.resolution_met = None
        changed |= {"resolution_minutes", "resolution_met"}
    if not has_target:
        return changed
    due, at_risk = _resolution_clock(ticket)
    for name, value in (("resolution_due_at", due), ("resolution_at_risk_at", at_risk)):
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.add(name)
    return changed


def _resolution_measured(ticket: Ticket, now: datetime) -> set[str]:
    """Store the stopped resolution clock's counted time and whether it met its target.

    Met unless a breach is recorded: ``sla_status_changed`` has just recorded
    one if the clock stopped past its due time, so this is the ticket's
    ``sla_state`` at the stop, whether or not the sweep ever ran.
    """
    timeline = status_timeline(ticket)
    counted = sla.running_time(timeline, now, _policy_calendar(ticket))
    ticket.resolution_minutes = _minutes(counted)
    ticket.resolution_met = not ticket.resolution_breached if _has_resolution_target(ticket) else None
    milestone_stopped(ticket, at=now, counted=counted, met=ticket.resolution_met, timeline=timeline)
    return {"resolution_minutes", "resolution_met"}


def breach_watchers(ticket: Ticket, *, lead: bool = True) -> list:
    """Who hears of a clock at risk or breached: the assignee, and the team lead when ``lead``."""
    return [ticket.assignee, ticket.team.lead if lead and ticket.team_id else None]


def tells_lead(ticket: Ticket, state: str) -> bool:
    return state == "at_risk" or ticket.sla_policy is None or ticket.sla_policy.breach_notify_lead
