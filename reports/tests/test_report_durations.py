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
    # All seven: 1 5 7 10 20 30 100 -> median 10, mean 173 / 7 = 24.7; the 90th percentile at
    # position 1 + 0.9 * 6 = 6.4, 30 + 0.4 * (100 - 30) = 58.
    assert mean_and_median(Ticket.objects.all(), "first_response_minutes") == {
        "count": 7,
        "mean": round(173 / 7, 1),
        "median": 10,
        "p90": 58,
    }


def test_extra_aggregates_share_the_query_and_an_empty_set_gives_zeros():
    t = datetime(2026, 3, 1, tzinfo=UTC)
    for v, p in [(10, "low"), (30, "low"), (None, "low"), (4, "high")]:
        make(t, priority=p, resolution_minutes=v)
    figures = mean_and_median(Ticket.objects.all(), "resolution_minutes", low=Count("pk", filter=Q(priority="low")))
    # 4 10 30 -> median 10, p90 10 + 0.8 * 20, mean 44 / 3; the extra count sees every ticket, measured or not.
    assert figures == {"count": 3, "mean": round(44 / 3, 1), "median": 10, "p90": 26, "low": 3}
    assert mean_and_median(Ticket.objects.none(), "resolution_minutes") == {
        "count": 0,
        "mean": None,
        "median": None,
        "p90": None,
    }


def test_per_agent_figures_are_each_agents_own_whatever_the_scope_and_filters(agent, other_agent, team_lead, team):
    """Per agent (on PostgreSQL one agent's index range at a time): the figures a GROUP BY gives, worked by hand."""
    march, april = datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)
    for minutes, who, when, priority in [
        (10, agent, march, "low"),
        (40, agent, march, "low"),
        (25, agent, march, "high"),
        (70, agent, april, "low"),  # out of the range below
        (3, other_agent, march, "low"),
        (8, other_agent, march, "low"),
        (None, team_lead, march, "low"),  # a ticket, nothing measured: a row of zeros, as GROUP BY has it
        (99, None, march, "low"),  # nobody's: no row
    ]:
        make(when, priority=priority, assignee=who, team=team if who == agent else None, resolution_minutes=minutes)
    in_march = Ticket.objects.filter(created_at__lt=datetime(2026, 4, 1, tzinfo=UTC))
    extra = {"lows": Count("pk", filter=Q(priority="low")), "all": Count("pk")}

    figures = summarize(in_march.filter(assignee__isnull=False), "resolution_minutes", ("assignee_id",), **extra)

    assert figures == {
        # 10 25 40: p90 25 + 0.8 * 15
        (agent.pk,): {"count": 3, "mean": 25.0, "median": 25, "p90": 37, "lows": 2, "all": 3},
        # (3 + 8) / 2; p90 3 + 0.9 * 5
        (other_agent.pk,): {"count": 2, "mean": 5.5, "median": 5.5, "p90": 7.5, "lows": 2, "all": 2},
        (team_lead.pk,): {"count": 0, "mean": None, "median": None, "p90": None, "lows": 1, "all": 1},
    }
    # A scope and a filter narrow each agent's tickets; an agent left with none has no row.
    narrowed = summarize(
        in_march.filter(team=team, priority="low"), "resolution_minutes", ("assignee_id",), all=Count("pk")
    )
    assert narrowed == {(agent.pk,): {"count": 2, "mean": 25.0, "median": 25.0, "p90": 37, "all": 2}}  # 10 40
