"""``sla_at_risk_condition``, ``sla_breached_condition`` and ``sla_state_expression`` agree with ``Ticket.sla_state``.

The dashboard counts and the queue's SLA filter use the conditions in SQL; a ticket's own
page uses ``sla_state`` in Python. Both must give the same word for the same ticket.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from reports.tests.helpers import H, make
from tickets import services
from tickets.choices import Status
from tickets.models import BusinessCalendar, SLAPolicy, Ticket, WorkingHours
from tickets.selectors import sla_at_risk_condition, sla_breached_condition, sla_state_expression
from tickets.sla import SlaState
from tickets.tests.factories import category

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


# name -> (the state sla_state gives at NOW, how to make the ticket)
CASES = {
    "fresh": (SlaState.OK, lambda: make(NOW - H)),
    "answered, resolution early": (SlaState.OK, lambda: make(NOW - 10 * H, first_responded_at=NOW - 9 * H)),
    "no policy despite flags": (
        SlaState.OK,
        lambda: make(NOW - 200 * H, sla_policy=None, first_response_breached=True, resolution_breached=True),
    ),
    "zero first-response target": (SlaState.OK, lambda: make(NOW - 9 * H, sla_first_response_minutes=0)),
    "first response at risk": (SlaState.AT_RISK, lambda: make(NOW - 7 * H)),
    "first response at risk exactly now": (SlaState.AT_RISK, lambda: make(NOW - timedelta(minutes=384))),
    "resolution at risk": (SlaState.AT_RISK, lambda: make(NOW - 100 * H, first_responded_at=NOW - 99 * H)),
    "reopened, resolution at risk": (
        SlaState.AT_RISK,
        lambda: make(NOW - 100 * H, Status.REOPENED, first_responded_at=NOW - 99 * H),
    ),
    "first response unmet past due": (SlaState.BREACHED, lambda: make(NOW - 9 * H)),
    "first response met late": (
        SlaState.BREACHED,
        lambda: make(NOW - 20 * H, first_responded_at=NOW - 10 * H),
    ),
    "first response breach recorded": (
        SlaState.BREACHED,
        lambda: make(NOW - H, first_responded_at=NOW - H, first_response_breached=True),
    ),
    "resolution unmet past due": (SlaState.BREACHED, lambda: make(NOW - 121 * H, first_responded_at=NOW - 120 * H)),
    "resolution breach recorded, paused": (
        SlaState.BREACHED,
        lambda: make(NOW - 50 * H, Status.PENDING, first_responded_at=NOW - 49 * H, resolution_breached=True),
    ),
    "resolved late": (
        SlaState.BREACHED,
        lambda: make(NOW - 200 * H, Status.RESOLVED, first_responded_at=NOW - 199 * H, resolved_at=NOW - 2 * H),
    ),
    "closed unresolved after its due time": (
        SlaState.BREACHED,
        lambda: make(NOW - 200 * H, Status.CLOSED, first_responded_at=NOW - 199 * H, closed_at=NOW - 70 * H),
    ),
    "closed unresolved without a reply after the first-response due time": (
        SlaState.BREACHED,
        lambda: make(NOW - 50 * H, Status.CLOSED, closed_at=NOW - 40 * H),
    ),
    "resolved late, reopened, running again": (
        SlaState.BREACHED,
        lambda: make(NOW - 200 * H, Status.REOPENED, first_responded_at=NOW - 199 * H, resolution_due_at=NOW - 80 * H),
    ),
    "unanswered, resolved before the first-response due time, reopened": (
        SlaState.AT_RISK,
        lambda: make(NOW - 100 * H, Status.REOPENED, first_response_stopped_at=NOW - 99 * H),
    ),
    "paused": (SlaState.PAUSED, lambda: make(NOW - 50 * H, Status.PENDING, first_responded_at=NOW - 49 * H)),
    "paused past its first-response at-risk time": (SlaState.PAUSED, lambda: make(NOW - 7 * H, Status.ON_HOLD)),
    "resolved in time": (
        SlaState.MET,
        lambda: make(NOW - 50 * H, Status.RESOLVED, first_responded_at=NOW - 49 * H, resolved_at=NOW - H),
    ),
    "closed unresolved before its due time (item 8)": (
        SlaState.MET,
        lambda: make(NOW - 200 * H, Status.CLOSED, first_responded_at=NOW - 199 * H, closed_at=NOW - 190 * H),
    ),
    "closed without a reply before the first-response due time": (
        SlaState.MET,
        lambda: make(NOW - 20 * H, Status.CLOSED, closed_at=NOW - 19 * H),
    ),
    "closed in time": (
        SlaState.MET,
        lambda: make(
            NOW - 50 * H, Status.CLOSED, first_responded_at=NOW - 49 * H, resolved_at=NOW - 2 * H, closed_at=NOW - H
        ),
    ),
}


def assert_conditions_agree(now: datetime) -> dict[int, SlaState]:
    """Each ticket is in a condition exactly when sla_state says so, and in its negation otherwise."""
    states = {
        ticket.pk: ticket.sla_state(now)
        for ticket in Ticket.objects.select_related("sla_policy__calendar").prefetch_related(
            "sla_policy__calendar__hours", "sla_policy__calendar__holidays"
        )
    }
    for word, condition in (
        (SlaState.BREACHED, sla_breached_condition(now)),
        (SlaState.AT_RISK, sla_at_risk_condition(now)),
    ):
        inside = set(Ticket.objects.filter(condition).values_list("pk", flat=True))
        outside = set(Ticket.objects.exclude(condition).values_list("pk", flat=True))
        expected = {pk for pk, state in states.items() if state == word}
        assert inside == expected, (now, word, states)
        # The queue negates them (``~breached``); no ticket may fall out of both.
        assert outside == set(states) - expected, (now, word)
    # The whole word in SQL (the CSV export's column) says the same for every ticket.
    in_sql = dict(Ticket.objects.annotate(word=sla_state_expression(now)).values_list("pk", "word"))
    assert in_sql == {pk: state.value for pk, state in states.items()}, now
    return states


@pytest.mark.django_db
def test_conditions_agree_with_sla_state_in_every_state():
    made = {name: (state, build()) for name, (state, build) in CASES.items()}

    states = assert_conditions_agree(NOW)

    # The data set really covers each case as named, so the agreement means something.
    assert {name: states[ticket.pk] for name, (_, ticket) in made.items()} == {
        name: state for name, (state, _) in made.items()
    }
    assert set(states.values()) == set(SlaState)


@pytest.mark.django_db
def test_conditions_agree_on_tickets_worked_through_the_services(customer, manager):
    """Real due times, pauses and resumes, replies and resolutions, looked at over a week."""
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def create(priority: str, slug: str = "general") -> Ticket:
        return services.ticket_create(
            actor=customer, subject="Printer jam", category=category(slug), priority=priority, now=t0
        )

    def move(ticket: Ticket, status: str, hours: float) -> Ticket:
        return services.ticket_transition(actor=manager, ticket=ticket, to_status=status, now=t0 + hours * H)

    create("urgent")  # never touched
    answered = create("high")
    services.comment_add(actor=manager, ticket=answered, body="On it.", now=t0 + H)
    move(move(create("medium"), "open", 1), "pending", 3)
    # Incident P1 (1 h / 4 h): on hold for most of a day, then worked again.
    move(move(move(create("urgent", "incident"), "open", 0.5), "on_hold", 1), "in_progress", 20)
    # Resolved without a reply: after the first-response due time (24 h), then before it (4 h).
    move(move(create("low"), "in_progress", 2), "resolved", 30)
    move(move(create("high"), "in_progress", 1), "resolved", 2)
    # Closed unresolved in time (item 8), and a move between running statuses past the due time (item 12).
    move(move(create("urgent"), "open", 1), "closed", 5)
    services.comment_add(actor=manager, ticket=move(create("urgent"), "open", 0.5), body="Hi", now=t0 + H)
    move(Ticket.objects.order_by("-id").first(), "in_progress", 30)
    late = move(create("urgent"), "open", 1)
    services.comment_add(actor=manager, ticket=late, body="Sorry for the wait.", now=t0 + 3 * H)

    seen: set[SlaState] = set()
    for hours in (0, 1, 1.7, 2.5, 3.5, 6, 10, 21, 23.5, 30, 50, 100, 200):
        seen |= set(assert_conditions_agree(t0 + hours * H).values())
    assert seen == set(SlaState)


@pytest.mark.django_db
def test_conditions_agree_on_a_business_calendar_policy(customer, manager):
    """Office hours 09-17 on weekdays: the stored at-risk instants follow working time like sla_state."""
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Europe/Paris")
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=day, starts_at=time(9), ends_at=time(17)) for day in range(5)
    )
    SLAPolicy.objects.filter(name="Standard").update(calendar=calendar, at_risk_percent=50)
    friday_afternoon = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 15:00 in Paris
    for priority in ("urgent", "high", "medium"):
        ticket = services.ticket_create(
            actor=customer, subject="VPN down", category=category("general"), priority=priority, now=friday_afternoon
        )
        assert ticket.sla_policy.calendar_id == calendar.pk
    medium = Ticket.objects.get(priority="medium")
    medium = services.ticket_transition(actor=manager, ticket=medium, to_status="open", now=friday_afternoon + H)
    services.ticket_transition(actor=manager, ticket=medium, to_status="pending", now=friday_afternoon + 2 * H)

    seen: set[SlaState] = set()
    for hours in (0.5, 1, 1.5, 2.5, 3, 60, 66, 68, 70, 75, 90, 140):
        seen |= set(assert_conditions_agree(friday_afternoon + hours * H).values())
    assert {SlaState.OK, SlaState.AT_RISK, SlaState.BREACHED, SlaState.PAUSED} <= seen
