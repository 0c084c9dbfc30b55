"""Medians and means of stored durations, computed in SQL the same way on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from django.db.models import Count, Q

from reports.metrics.durations import mean_and_median, summarize
from reports.tests.helpers import make
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_medians_by_group_and_overall_with_the_mean():
    t = datetime(2026, 3, 1, tzinfo=UTC)
    for v, p in [
        (10, "low"),
        (30, "low"),
        (20, "low"),
        (5, "high"),
        (7, "high"),
        (1, "high"),
        (100, "high"),
        (None, "high"),
    ]:
        make(t, priority=p, first_response_minutes=v)
    # low: 10, 20, 30 -> 20; high: 1, 5, 7, 100 -> (5 + 7) / 2 = 6; the unset one is left out.
    by_priority = summarize(Ticket.objects.all(), "first_response_minutes", ("priority",))
    assert {key: row["median"] for key, row in by_priority.items()} == {("low",): 20, ("high",): 6}
    # Counts and means are of the set values only: high has 4 of its 5 tickets measured, mean 113 / 4.
    assert by_priority[("high",)]["count"] == 4
    assert by_priority[("high",)]["mean"] == round(113 / 4, 1)
    # All seven: 1 5 7 10 20 30 100 -> median 10, mean 173 / 7 = 24.7.
    assert mean_and_median(Ticket.objects.all(), "first_response_minutes") == {
        "count": 7,
        "mean": round(173 / 7, 1),
        "median": 10,
    }


def test_extra_aggregates_share_the_query_and_an_empty_set_gives_zeros():
    t = datetime(2026, 3, 1, tzinfo=UTC)
    for v, p in [(10, "low"), (30, "low"), (None, "low"), (4, "high")]:
        make(t, priority=p, resolution_minutes=v)
    figures = mean_and_median(Ticket.objects.all(), "resolution_minutes", low=Count("pk", filter=Q(priority="low")))
    # 4 10 30 -> median 10, mean 44 / 3; the extra count sees every ticket, measured or not.
    assert figures == {"count": 3, "mean": round(44 / 3, 1), "median": 10, "low": 3}
    assert mean_and_median(Ticket.objects.none(), "resolution_minutes") == {"count": 0, "mean": None, "median": None}
