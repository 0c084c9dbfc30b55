"""CSAT beside the mean score: the share of good ratings (4 or 5 of 5), in the dashboard and per agent."""

from datetime import UTC, datetime

import pytest
from django.db.models import Q

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from reports.metrics.agents import agents
from reports.metrics.summary import dashboard
from reports.params import ReportParams
from reports.subject import Subject
from reports.tests.helpers import make
from tickets.choices import Status
from tickets.models import SatisfactionRating, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
MARCH = ReportParams(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC))


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def rated(score: int, when: datetime, **fields) -> Ticket:
    ticket = make(at(2, 1), Status.RESOLVED, resolved_at=at(2, 2), **fields)
    rating = SatisfactionRating.objects.create(ticket=ticket, score=score)
    SatisfactionRating.objects.filter(pk=rating.pk).update(created_at=when)
    return ticket


def test_good_percent_counts_fours_and_fives_of_the_ratings_in_the_range(settings):
    settings.TIME_ZONE = "UTC"
    ann = UserFactory(role=Role.AGENT, email="ann@example.com")
    bob = UserFactory(role=Role.AGENT, email="bob@example.com")
    for score, who in [(5, ann), (4, ann), (3, ann), (1, ann), (2, bob), (3, bob)]:
        rated(score, at(3, 10), assignee=who)
    rated(5, at(2, 20), assignee=bob)  # before the range
    rated(5, at(4, 1), assignee=bob)  # "to" is excluded

    figures = dashboard(Subject(Q()), MARCH, NOW)
    # Six ratings in March: 5 4 3 1 2 3 -> mean 18 / 6, good 2 of 6.
    assert figures["satisfaction"] == {"mean": 3.0, "count": 6, "good_percent": 33.3}
    rows = {row["metric"]: row["value"] for row in figures["results"]}
    assert rows["satisfaction.good_percent"] == 33.3

    by_agent = {row["email"]: row for row in agents(Subject(Q()), MARCH, NOW)["results"]}
    # Ann 5 4 3 1: good 2 of 4; Bob 2 3: none good (0 %, not "no figure").
    assert (by_agent["ann@example.com"]["good_percent"], by_agent["ann@example.com"]["ratings"]) == (50.0, 4)
    assert (by_agent["bob@example.com"]["good_percent"], by_agent["bob@example.com"]["ratings"]) == (0.0, 2)


def test_no_rating_in_the_range_has_no_percentage():
    rated(5, at(2, 20))
    assert dashboard(Subject(Q()), MARCH, NOW)["satisfaction"] == {
        "mean": None,
        "count": 0,
        "good_percent": None,
    }
