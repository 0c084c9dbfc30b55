"""``sla`` compliance on a small fixed desk; every figure below is worked out by hand in the comments."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Q

from accounts.tests.factories import TeamFactory
from reports.metrics.sla import sla
from reports.params import ReportParams
from reports.subject import Subject
from reports.tests.helpers import make
from tickets.choices import Status

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
RANGE = ReportParams(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 5, 1, tzinfo=UTC))


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def desk(settings):
    settings.TIME_ZONE = "UTC"
    first, second = TeamFactory(name="First line"), TeamFactory(name="Second line")
    created = timedelta(hours=8)  # make() puts the first-response due 8 h after creation
    # A: answered an hour early, resolved in time.                    FR met,  RES met
    make(
        at(3, 5, 10) - created,
        Status.RESOLVED,
        priority="high",
        team=first,
        first_responded_at=at(3, 5, 9),
        resolved_at=at(3, 6),
        resolution_met=True,
    )
    # B: answered an hour late, resolved late.                        FR late, RES late
    make(
        at(3, 10) - created,
        Status.RESOLVED,
        priority="high",
        team=first,
        first_responded_at=at(3, 10, 10),
        resolved_at=at(3, 12),
        resolution_met=False,
    )
    # C: never answered, due on 20 March (past now): judged, not met; its resolution, due on 25 March and
    # still running, is overdue: judged, not met, though no sweep has recorded the breach.
    make(at(3, 20) - created, Status.OPEN, priority="low", team=second)
    # D: first response due in February (outside); closed unresolved on 28 March in time.   RES met
    make(
        at(2, 20) - created,
        Status.CLOSED,
        priority="low",
        first_responded_at=at(2, 20, 8),
        closed_at=at(3, 28),
        resolution_met=True,
    )
    # F: due 20 April, after now, unanswered: not judged at all.
    make(at(4, 20) - created, Status.NEW, priority="urgent", team=second)
    # G: answered in time; the resolution breach was recorded, due 25 March, still in progress.   FR met, RES late
    make(
        at(3, 24) - created,
        Status.IN_PROGRESS,
        priority="high",
        team=first,
        first_responded_at=at(3, 24, 8),
        resolution_due_at=at(3, 25),
        resolution_breached=True,
    )
    return first, second


def test_compliance_by_priority_policy_and_team(desk, django_assert_max_num_queries):
    first, second = desk
    # First replies and resolutions stopped, both clocks overdue and running; policy and team names.
    with django_assert_max_num_queries(6):
        answer = sla(Subject(Q()), RANGE, NOW)
    got = {(r["dimension"], r["label"]): r for r in answer["results"]}
    figures = {
        key: (
            r["first_response_judged"],
            r["first_response_met"],
            r["first_response_percent"],
            r["resolution_judged"],
            r["resolution_met"],
            r["resolution_percent"],
        )
        for key, r in got.items()
    }
    assert figures == {
        # high: A, B, G. FR judged 3, met A and G: 66.7. RES judged A, B, G, met A: 33.3.
        ("priority", "High"): (3, 2, 66.7, 3, 1, 33.3),
        # low: C (FR late, RES overdue), D (RES met). Urgent (F) judged nothing: no row.
        ("priority", "Low"): (1, 0, 0.0, 2, 1, 50.0),
        ("policy", "Standard"): (4, 2, 50.0, 5, 2, 40.0),
        ("team", "First line"): (3, 2, 66.7, 3, 1, 33.3),
        ("team", "Second line"): (1, 0, 0.0, 1, 0, 0.0),
        ("team", "—"): (0, 0, None, 1, 1, 100.0),  # D has no team
    }
    # Priorities urgent first, teams by name with "no team" last.
    assert [r["label"] for r in answer["results"] if r["dimension"] == "team"] == ["First line", "Second line", "—"]
    totals = answer["totals"]
    assert (totals["first_response_judged"], totals["first_response_met"], totals["first_response_percent"]) == (
        4,
        2,
        50.0,
    )
    assert (totals["resolution_judged"], totals["resolution_met"], totals["resolution_percent"]) == (5, 2, 40.0)


def test_a_range_with_nothing_to_judge_says_so(desk):
    empty = ReportParams(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2025, 2, 1, tzinfo=UTC))
    answer = sla(Subject(Q()), empty, NOW)
    assert answer["results"] == []
    assert answer["totals"]["first_response_percent"] is None and answer["totals"]["resolution_percent"] is None
