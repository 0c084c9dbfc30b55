"""``dashboard`` on a small fixed desk; every figure is worked out by hand in the comments."""

from datetime import UTC, datetime

import pytest
from django.db.models import Q

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from reports.metrics.summary import dashboard
from reports.params import ReportParams
from reports.subject import Subject
from reports.tests.helpers import make
from tickets.choices import Status
from tickets.models import SatisfactionRating, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
RANGE = ReportParams(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 5, 1, tzinfo=UTC))


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def rate(ticket: Ticket, score: int, when: datetime) -> None:
    rating = SatisfactionRating.objects.create(ticket=ticket, score=score)
    SatisfactionRating.objects.filter(pk=rating.pk).update(created_at=when)


@pytest.fixture
def desk(settings):
    settings.TIME_ZONE = "UTC"
    agent = UserFactory(role=Role.AGENT)
    # make() puts the first-response due 8 h after creation.
    a = make(
        at(3, 5, 2),
        Status.RESOLVED,
        priority="high",
        assignee=agent,
        first_responded_at=at(3, 5, 9),
        first_response_minutes=60,
        resolved_at=at(3, 6),
        resolution_minutes=600,
        resolution_met=True,
    )
    b = make(
        at(3, 10, 1),
        Status.RESOLVED,
        priority="high",
        assignee=agent,
        first_responded_at=at(3, 10, 10),
        first_response_minutes=300,
        resolved_at=at(3, 12),
        resolution_minutes=3000,
        resolution_met=False,
    )
    make(at(3, 20, 1), Status.OPEN, priority="low")  # C: unassigned, never answered, due 20 March 09:00
    make(
        at(2, 20),
        Status.CLOSED,
        priority="low",
        first_responded_at=at(2, 20, 7),
        first_response_minutes=420,
        closed_at=at(3, 28),
        resolution_minutes=900,
        resolution_met=True,
    )  # D
    make(
        at(3, 24, 1),
        Status.IN_PROGRESS,
        priority="high",
        assignee=agent,
        first_responded_at=at(3, 24, 8),
        first_response_minutes=420,
        resolution_due_at=at(3, 25),
        resolution_breached=True,
    )  # G
    rate(a, 5, at(3, 7))
    rate(b, 2, at(3, 13))


def test_the_figures(desk, django_assert_max_num_queries):
    # 10 on PostgreSQL (created, now, first replies, stops, the two overdue clocks, first-reply judgements,
    # ratings, reopens, requester wait); SQLite takes each of the three medians in a query of its own.
    with django_assert_max_num_queries(13):
        figures = dashboard(Subject(Q()), RANGE, NOW)
    assert (figures["created"], figures["resolved"]) == (4, 2)  # A B C G created in range (D in Feb); A B resolved
    assert (figures["unassigned"], figures["overdue"]) == (1, 2)  # C; C (answer late) and G (breach recorded)
    assert figures["by_status"] == {
        "new": 0, "open": 1, "in_progress": 1, "pending": 0, "on_hold": 0, "escalated": 0,
        "resolved": 2, "closed": 0, "reopened": 0,
    }  # fmt: skip
    assert figures["by_priority"] == {"urgent": 0, "high": 3, "medium": 0, "low": 1}
    # Answered in range: A 60, B 300, G 420 (D answered in February) -> mean 260, median 300,
    # 90th percentile at position 1 + 0.9 * 2 = 2.8: 300 + 0.8 * (420 - 300).
    assert figures["first_response"] == {"count": 3, "mean": 260.0, "median": 300, "p90": 396}
    # Stopped in range: A 600, B 3000, D 900 (closed 28 March) -> mean 1500, median 900, p90 900 + 0.8 * 2100.
    assert figures["resolution"] == {"count": 3, "mean": 1500.0, "median": 900, "p90": 2580}
    # First response judged A B C G, met A G; resolution judged A B D G, met A D.
    # Resolution: A and D met; B late; G's breach recorded; C overdue since 25 March, unrecorded: 2 of 5.
    assert figures["sla_compliance"] == {"first_response": 50.0, "resolution": 40.0, "overall": 44.4}
    assert figures["satisfaction"] == {"mean": 3.5, "count": 2, "good_percent": 50.0}  # A 5 good, B 2 not
    assert figures["reopened"] == 0
    rows = {row["metric"]: row["value"] for row in figures["results"]}
    assert rows["by_priority.high"] == 3 and rows["first_response.median"] == 300 and rows["created"] == 4
