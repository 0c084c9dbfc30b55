"""``/reports/tickets``: created, resolved and the backlog per local day, week or month, worked out by hand.

The server's time zone is Paris (UTC+1 in March before the 29th), so several tickets
sit on a different day, week or month there than in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from reports.tests.helpers import as_csv_cells, csv_table, make
from tickets.choices import Priority, Status
from tickets.tests.factories import category

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
URL = "/api/v1/reports/tickets"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def tickets(db, paris, team, other_team):
    """Times in UTC; the comment gives the Paris day (Monday 9 March to Sunday 15 March is one week)."""
    with time_machine.travel(NOW, tick=False):
        yield {
            # created Mon 9th 00:30 (Sun 8th in UTC)
            "a": make(utc(3, 8, 23, 30), priority=Priority.URGENT, team=team),
            # created Mon 9th 23:59
            "b": make(utc(3, 9, 22, 59), priority=Priority.URGENT, category=category("billing")),
            # created Tue 10th 00:00 sharp; resolved Thu 12th
            "c": make(utc(3, 9, 23), Status.RESOLVED, priority=Priority.LOW, team=team, resolved_at=utc(3, 12, 10)),
            # created Sun 8th 23:30; resolved Sun 15th 23:30 (Mon 16th is still a day away)
            "d": make(utc(3, 8, 22, 30), Status.RESOLVED, team=other_team, resolved_at=utc(3, 15, 22, 30)),
            # created Mon 16th 00:30 (Sun 15th in UTC)
            "e": make(utc(3, 15, 23, 30), priority=Priority.HIGH),
            # created Fri 13th; resolved Mon 16th 00:10 (Sun 15th in UTC)
            "f": make(utc(3, 13, 12), Status.RESOLVED, team=team, resolved_at=utc(3, 15, 23, 10)),
            # created Wed 4th
            "g": make(utc(3, 4, 10), category=category("billing")),
        }


def series(body) -> list[tuple]:
    return [(row["period"], row["created"], row["resolved"]) for row in body["results"]]


def test_days_are_local_days_and_every_day_is_listed(tickets, api, manager):
    response = api(manager).get(f"{URL}?from=2026-03-09&to=2026-03-15")

    assert response.status_code == 200
    body = response.json()
    assert body["params"]["from"] == "2026-03-09T00:00:00+01:00"
    assert body["params"]["to"] == "2026-03-16T00:00:00+01:00"  # "to" as a date includes that day
    assert (body["params"]["bucket"], body["params"]["split"]) == ("day", None)
    assert series(body) == [
        ("2026-03-09", 2, 0),  # a, b
        ("2026-03-10", 1, 0),  # c
        ("2026-03-11", 0, 0),
        ("2026-03-12", 0, 1),  # c resolved
        ("2026-03-13", 1, 0),  # f
        ("2026-03-14", 0, 0),
        ("2026-03-15", 0, 1),  # d resolved at 23:30; e and f's resolution fall on the 16th
    ]
    assert body["totals"] == {"created": 4, "resolved": 2, "reopened": 0}
    # Open at each local day's end: a, b, d, g on the 9th; c from the 10th to its resolution on the 12th;
    # f from the 13th; d resolved on the 15th (e comes on the 16th).
    assert [row["backlog"] for row in body["results"]] == [4, 5, 5, 4, 5, 5, 4]


def test_in_utc_the_same_tickets_fall_on_utc_days(tickets, api, manager, settings):
    settings.TIME_ZONE = "UTC"
    body = api(manager).get(f"{URL}?from=2026-03-09&to=2026-03-15").json()

    assert series(body) == [
        ("2026-03-09", 2, 0),  # b, c (a and d were on the 8th)
        ("2026-03-10", 0, 0),
        ("2026-03-11", 0, 0),
        ("2026-03-12", 0, 1),
        ("2026-03-13", 1, 0),
        ("2026-03-14", 0, 0),
        ("2026-03-15", 1, 2),  # e created; d and f resolved
    ]


def test_weeks_start_on_monday(tickets, api, manager):
    # From a Wednesday to a Tuesday: three weeks, each named by its Monday.
    body = api(manager).get(f"{URL}?from=2026-03-04&to=2026-03-17&bucket=week").json()

    assert series(body) == [
        ("2026-03-02", 2, 0),  # g (Wed 4th), d (Sun 8th, local)
        ("2026-03-09", 4, 2),  # a (Mon 9th 00:30 local), b, c, f; c and d resolved
        ("2026-03-16", 1, 1),  # e (Mon 16th 00:30 local); f resolved Mon 16th 00:10 local
    ]


def test_months_are_local_months(db, paris, api, manager):
    with time_machine.travel(NOW, tick=False):
        make(utc(1, 10, 12))  # before "from"
        make(utc(1, 20, 12))
        make(utc(2, 28, 23, 30))  # 1 March 00:30 in Paris
        body = api(manager).get(f"{URL}?from=2026-01-15&to=2026-03-31&bucket=month").json()

    assert series(body) == [("2026-01-01", 1, 0), ("2026-02-01", 0, 0), ("2026-03-01", 1, 0)]


def test_split_by_priority_lists_every_priority_in_every_bucket(tickets, api, manager):
    body = api(manager).get(f"{URL}?from=2026-03-09&to=2026-03-10&split=priority").json()

    rows = [(row["period"], row["priority"], row["created"], row["resolved"]) for row in body["results"]]
    assert rows == [
        ("2026-03-09", "urgent", 2, 0),  # a, b
        ("2026-03-09", "high", 0, 0),
        ("2026-03-09", "medium", 0, 0),
        ("2026-03-09", "low", 0, 0),
        ("2026-03-10", "urgent", 0, 0),
        ("2026-03-10", "high", 0, 0),
        ("2026-03-10", "medium", 0, 0),
        ("2026-03-10", "low", 1, 0),  # c
    ]


def test_split_by_team_lists_the_teams_seen_and_no_team_last(tickets, api, manager):
    body = api(manager).get(f"{URL}?from=2026-03-09&to=2026-03-15&split=team&bucket=week").json()

    rows = [(row["period"], row["team"], row["created"], row["resolved"]) for row in body["results"]]
    assert rows == [
        ("2026-03-09", "Infrastructure", 0, 1),  # d resolved
        ("2026-03-09", "Support", 3, 1),  # a, c, f created; c resolved
        ("2026-03-09", None, 1, 0),  # b
    ]


def test_split_by_category_with_filters(tickets, api, manager, team):
    client = api(manager)
    body = client.get(f"{URL}?from=2026-03-01&to=2026-03-20&bucket=month&split=category").json()
    assert [(row["category"], row["created"], row["resolved"]) for row in body["results"]] == [
        ("billing", 2, 0),  # b, g
        ("general", 5, 3),  # a, c, d, e, f; c, d, f resolved
    ]

    filtered = client.get(f"{URL}?from=2026-03-01&to=2026-03-20&bucket=month&category=BILLING,technical").json()
    assert series(filtered) == [("2026-03-01", 2, 0)]
    assert filtered["params"]["category"] == ["billing", "technical"]

    by_team = client.get(f"{URL}?from=2026-03-01&to=2026-03-20&bucket=month&team={team.pk}&priority=urgent").json()
    assert series(by_team) == [("2026-03-01", 1, 0)]  # a


def test_csv_with_a_split_has_the_split_column(tickets, api, manager):
    client = api(manager)
    query = f"{URL}?from=2026-03-09&to=2026-03-15&split=team&bucket=week"
    body = client.get(query).json()

    table = csv_table(client.get(f"{query}&format=csv"))

    assert table[0] == ["period", "team", "created", "resolved", "reopened"]
    assert table[1:] == as_csv_cells(body["results"], table[0])
    assert table[3] == ["2026-03-09", "", "1", "0", "0"]  # no team: an empty cell
    assert "backlog" not in body["results"][0]  # a split has no backlog: tickets change teams


def test_three_queries_whatever_the_number_of_tickets(tickets, api, manager, settings, django_assert_num_queries):
    settings.REPORTS_CACHE_SECONDS = 0  # the same request twice: computed twice
    client = api(manager)
    with django_assert_num_queries(4):  # the JWT's user, created, resolved, reopened
        client.get(f"{URL}?from=2026-03-01&to=2026-03-20&split=category")
    with django_assert_num_queries(9):  # and for the backlog: closed, and four counts of the present
        client.get(f"{URL}?from=2026-03-01&to=2026-03-20")
    with time_machine.travel(NOW, tick=False):
        for day in range(1, 15):
            make(utc(3, day, 9), Status.RESOLVED, category=category("technical"), resolved_at=utc(3, day, 10))
    with django_assert_num_queries(4):
        body = client.get(f"{URL}?from=2026-03-01&to=2026-03-20&split=category").json()
    assert body["totals"] == {"created": 7 + 14, "resolved": 3 + 14, "reopened": 0}


@pytest.mark.parametrize("database_split", [True, False], ids=["per-period", "truncated"])
def test_split_by_channel_organization_and_tag(db, paris, org, api, manager, monkeypatch, database_split):
    from reports.metrics import volume
    from tickets.models import Tag

    if not database_split:  # the SQLite path, on PostgreSQL too
        monkeypatch.setattr(volume, "_counts_per_period", volume._counts_truncated)
    with time_machine.travel(NOW, tick=False):
        mailed = make(utc(3, 10, 9), Status.RESOLVED, channel="email", organization=org, resolved_at=utc(3, 11, 9))
        portal = make(utc(3, 10, 10), channel="portal")
        mailed.tags.add(Tag.objects.create(name="vpn"), Tag.objects.create(name="urgent-fix"))
        portal.tags.add(Tag.objects.get(name="vpn"))
        client = api(manager)
        query = f"{URL}?from=2026-03-09&to=2026-03-15&bucket=month"
        by_channel = client.get(f"{query}&split=channel").json()["results"]
        by_org = client.get(f"{query}&split=organization").json()["results"]
        by_tag = client.get(f"{query}&split=tag").json()["results"]

    def rows(results, split):
        return [(row[split], row["created"], row["resolved"]) for row in results]

    assert rows(by_channel, "channel") == [("email", 1, 1), ("portal", 1, 0)]
    assert rows(by_org, "organization") == [(org.name, 1, 1), (None, 1, 0)]
    # A ticket counts under each of its tags: the mailed one under both.
    assert rows(by_tag, "tag") == [("urgent-fix", 1, 1), ("vpn", 2, 1)]
