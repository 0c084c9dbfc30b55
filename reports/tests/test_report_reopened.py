"""``dashboard``'s ``reopened``: tickets reopened in the range, from the reopen milestones, each ticket once."""

from datetime import UTC, datetime

import pytest
from django.db.models import Q

from reports.metrics.summary import dashboard
from reports.params import ReportParams
from reports.subject import Subject
from reports.tests.helpers import make, with_milestones
from tickets.choices import Status
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.services.status import ticket_transition

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
MARCH = ReportParams(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC))


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def reopen(ticket: Ticket, when: datetime) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=EventKind.REOPENED, created_at=when)
    with_milestones(ticket)


def test_reopened_counts_each_ticket_reopened_in_the_range_once(settings):
    settings.TIME_ZONE = "UTC"
    twice = make(at(2, 1), Status.REOPENED, priority="high")
    reopen(twice, at(3, 3))
    reopen(twice, at(3, 20))  # the same ticket again: still one
    once = make(
        at(3, 2), Status.RESOLVED, priority="low", resolved_at=at(4, 2)
    )  # reopened, then resolved again: it still counts
    reopen(once, at(3, 31))
    earlier = make(at(2, 1), Status.REOPENED)
    reopen(earlier, at(2, 28))  # before the range
    later = make(at(2, 1), Status.REOPENED)
    reopen(later, at(4, 1))  # "to" is excluded
    resolved = make(at(3, 5), Status.RESOLVED, resolved_at=at(3, 6))
    TicketEvent.objects.create(ticket=resolved, kind=EventKind.RESOLVED, created_at=at(3, 6))  # not a reopen
    with_milestones(resolved)

    assert dashboard(Subject(Q()), MARCH, NOW)["reopened"] == 2  # twice, once
    # The report's filters and scope narrow it like every figure: only the high-priority one.
    assert dashboard(Subject(Q(priority="high")), MARCH, NOW)["reopened"] == 1
    rows = {row["metric"]: row["value"] for row in dashboard(Subject(Q()), MARCH, NOW)["results"]}
    assert rows["reopened"] == 2


def test_a_reopen_through_the_workflow_is_counted(settings, admin_user):
    settings.TIME_ZONE = "UTC"
    ticket = make(at(3, 1), Status.RESOLVED, resolved_at=at(3, 2))
    ticket_transition(actor=admin_user, ticket=ticket, to_status=Status.REOPENED, now=at(3, 4))
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REOPENED).exists()
    range_now = ReportParams(start=datetime(2020, 1, 1, tzinfo=UTC), end=datetime(2100, 1, 1, tzinfo=UTC))
    assert dashboard(Subject(Q()), range_now, NOW)["reopened"] == 1
