"""90th percentiles beside the medians: ``percentile_cont`` worked by hand, the same on SQLite and PostgreSQL.

``percentile_cont(p)`` over n sorted values takes position ``1 + p (n - 1)`` and interpolates
between the values at the ranks around it.
"""

from datetime import UTC, datetime

import pytest

from reports.metrics.durations import mean_and_median, summarize
from reports.tests.helpers import make
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

T = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([42], 42, 42),  # one value: both are it
        ([10, 20], 15, 19),  # position 1.9: 10 + 0.9 * 10
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 6, 10),  # position 10, whole: the 10th value
        ([100, 1, 50, 3, 7], 7, 80),  # sorted 1 3 7 50 100; position 4.6: 50 + 0.6 * 50
        ([5, 5, 5, 9], 5, 7.8),  # ties: position 3.7, 5 + 0.7 * 4
        (list(range(0, 200, 2)), 99, 178.2),  # 100 values 0..198: position 90.1, 178 + 0.1 * 2
    ],
)
def test_median_and_90th_percentile_of_a_known_set(values, median, p90):
    for value in values:
        make(T, first_response_minutes=value)
    make(T, first_response_minutes=None)  # not measured: left out of both
    figures = mean_and_median(Ticket.objects.all(), "first_response_minutes")
    assert (figures["count"], figures["median"], figures["p90"]) == (len(values), median, p90)


def test_90th_percentile_per_group_is_each_groups_own():
    for value, priority in [(1, "low"), (2, "low"), (3, "low"), (4, "low"), (10, "high"), (30, "high")]:
        make(T, priority=priority, resolution_minutes=value)
    make(T, priority="urgent", resolution_minutes=None)  # a group with nothing measured
    by_priority = summarize(Ticket.objects.all(), "resolution_minutes", ("priority",))
    # low 1 2 3 4: position 3.7, 3 + 0.7; high 10 30: position 1.9, 10 + 0.9 * 20.
    assert {key: (row["median"], row["p90"]) for key, row in by_priority.items()} == {
        ("low",): (2.5, 3.7),
        ("high",): (20, 28),
        ("urgent",): (None, None),
    }


def test_per_agent_90th_percentile(agent, other_agent):
    for value, who in [(60, agent), (120, agent), (540, agent), (600, agent), (5, other_agent)]:
        make(T, assignee=who, first_response_minutes=value)
    figures = summarize(Ticket.objects.filter(assignee__isnull=False), "first_response_minutes", ("assignee_id",))
    # agent 60 120 540 600: position 3.7, 540 + 0.7 * 60; other: the one value.
    assert {key: (row["median"], row["p90"]) for key, row in figures.items()} == {
        (agent.pk,): (330, 582),
        (other_agent.pk,): (5, 5),
    }
