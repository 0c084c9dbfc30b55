"""``agents`` on a small fixed desk; every figure is worked out by hand in the comments."""

from datetime import UTC, datetime

import pytest
from django.db.models import Q

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from reports.metrics.agents import agents
from reports.params import ReportParams
from reports.subject import Subject
from reports.tests.helpers import make, with_milestones
from tickets.choices import Status
from tickets.models import EventKind, SatisfactionRating, TicketEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
RANGE = ReportParams(start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 5, 1, tzinfo=UTC))


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_each_agents_figures(settings, django_assert_max_num_queries):
    settings.TIME_ZONE = "UTC"
    ann = UserFactory(email="ann@example.com", full_name="Ann", role=Role.AGENT)
    bob = UserFactory(email="bob@example.com", full_name="Bob", role=Role.AGENT)
    UserFactory(email="idle@example.com", role=Role.AGENT)  # no tickets: no row
    # Ann: three tickets. (make() puts the first-response due 8 h after creation.)
    a1 = make(
        at(3, 2),
        Status.RESOLVED,
        assignee=ann,
        first_responded_at=at(3, 2, 1),
        first_response_minutes=60,
        resolved_at=at(3, 3),
        resolution_minutes=1440,
        resolution_met=True,
    )
    a2 = make(
        at(3, 4),
        Status.RESOLVED,
        assignee=ann,
        first_responded_at=at(3, 4, 9),
        first_response_minutes=540,
        resolved_at=at(3, 9),
        resolution_minutes=7200,
        resolution_met=False,
    )
    a3 = make(at(3, 6), Status.REOPENED, assignee=ann, first_responded_at=at(3, 6, 2), first_response_minutes=120)
    TicketEvent.objects.create(ticket=a3, kind=EventKind.REOPENED, created_at=at(3, 8))
    with_milestones(a3)
    SatisfactionRating.objects.create(ticket=a1, score=5)
    SatisfactionRating.objects.create(ticket=a2, score=3)
    SatisfactionRating.objects.filter(ticket__in=[a1, a2]).update(created_at=at(3, 10))
    # Bob: one ticket created in February and resolved in March, answered in February.
    make(
        at(2, 26),
        Status.RESOLVED,
        assignee=bob,
        first_responded_at=at(2, 26, 1),
        first_response_minutes=60,
        resolved_at=at(3, 1, 6),
        resolution_minutes=300,
        resolution_met=True,
    )
    make(at(3, 5), Status.NEW)  # nobody's

    # Assignments, first replies, stops, the two overdue clocks, first-reply judgements, replies,
    # reopens, ratings, names: 10 (SQLite: 12, two median windows).
    with django_assert_max_num_queries(12):
        rows = agents(Subject(Q()), RANGE, NOW)["results"]
    assert rows == [
        {
            "agent_id": ann.pk,
            "agent": "Ann",
            "email": "ann@example.com",
            "assigned": 3,  # a1 a2 a3 created in March
            "resolved": 2,  # a1 a2
            "median_first_response": 120,  # 60, 120, 540
            "median_resolution": 4320,  # (1440 + 7200) / 2
            # judged: first response a1 (met) a2 (late: 09:00 > 08:00) a3 (met); resolution a1 (met) a2 (not),
            # a3 (running since its reopen, due on 11 March: overdue)
            "sla_percent": 50.0,  # 3 of 6
            "reopen_rate": 50.0,  # a3's reopen, per resolution (a1 a2)
            "satisfaction": 4.0,
            "ratings": 2,
            "p90_first_response": 456,  # 120 + 0.8 * (540 - 120): position 1 + 0.9 * 2 = 2.8
            "p90_resolution": 6624,  # 1440 + 0.9 * (7200 - 1440)
            "good_percent": 50.0,  # 5 of 5 good, 3 not
            "one_touch_percent": 0.0,  # no public reply written on a1 or a2
            "replies_per_ticket": 0.0,
        },
        {
            "agent_id": bob.pk,
            "agent": "Bob",
            "email": "bob@example.com",
            "assigned": 0,  # created in February
            "resolved": 1,
            "median_first_response": None,  # answered in February
            "median_resolution": 300,
            "sla_percent": 100.0,  # only the resolution is judged in March: met
            "reopen_rate": 0.0,
            "satisfaction": None,
            "ratings": 0,
            "p90_first_response": None,
            "p90_resolution": 300,
            "good_percent": None,
            "one_touch_percent": 0.0,
            "replies_per_ticket": 0.0,
        },
    ]
