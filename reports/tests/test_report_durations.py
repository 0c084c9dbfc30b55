"""Medians and means of stored durations, computed in SQL the same way on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest

from reports.metrics.durations import mean_and_median, medians
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
    assert medians(Ticket.objects.all(), "first_response_minutes", "priority") == {"low": 20, "high": 6}
    # All seven: 1 5 7 10 20 30 100 -> median 10, mean 173 / 7 = 24.7.
    assert mean_and_median(Ticket.objects.all(), "first_response_minutes") == {
        "count": 7,
        "mean": round(173 / 7, 1),
        "median": 10,
    }
