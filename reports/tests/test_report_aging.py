"""``/reports/aging``: open tickets by age and priority, on a small data set worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from reports.tests.helpers import H, as_csv_cells, csv_table, make
from tickets.choices import Priority, Status

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
D = timedelta(days=1)
URL = "/api/v1/reports/aging"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tickets(db, frozen):
    """Ten tickets; the comment says where each counts now and at NOW - 4 days."""
    P = Priority
    return {
        # now: 0-1d urgent. Not yet created 4 days ago.
        "t1": make(NOW - 2 * H, priority=P.URGENT),
        # now: 0-1d urgent (a minute short of a day).
        "t2": make(NOW - 24 * H + timedelta(minutes=1), Status.NEW, priority=P.URGENT),
        # now: exactly 24 h old, so 1-3d (lower bounds are included).
        "t3": make(NOW - D, Status.IN_PROGRESS, priority=P.HIGH),
        # now: 1-3d high (paused tickets are open too).
        "t4": make(NOW - 2 * D, Status.PENDING, priority=P.HIGH),
        # now: 3-7d medium. At NOW - 4 d: exactly 1 day old, 1-3d.
        "t5": make(NOW - 5 * D, Status.ON_HOLD, priority=P.MEDIUM),
        # now: exactly 7 days, 7-30d low. At NOW - 4 d: exactly 3 days, 3-7d.
        "t6": make(NOW - 7 * D, Status.ESCALATED, priority=P.LOW),
        # now: 30d+ low; also 30d+ (36 days) at NOW - 4 d.
        "t7": make(NOW - 40 * D, Status.REOPENED, priority=P.LOW),
        # resolved an hour ago: not open now; open at NOW - 4 d, 6 days old: 3-7d medium.
        "t8": make(NOW - 10 * D, Status.RESOLVED, priority=P.MEDIUM, resolved_at=NOW - H),
        # closed without a resolution 3 days ago: open at NOW - 4 d, 16 days old: 7-30d high.
        "t9": make(NOW - 20 * D, Status.CLOSED, priority=P.HIGH, closed_at=NOW - 3 * D),
        # resolved 6 days ago and closed since: open at neither instant.
        "t10": make(NOW - 30 * D, Status.CLOSED, priority=P.URGENT, resolved_at=NOW - 6 * D, closed_at=NOW - 5 * D),
    }


def counts(body) -> dict[tuple[str, str], int]:
    """The non-zero cells of the answer."""
    return {(row["bucket"], row["priority"]): row["count"] for row in body["results"] if row["count"]}


def test_open_tickets_now_by_age_and_priority(tickets, api, manager):
    response = api(manager).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["report"] == "aging"
    assert body["scope"] == "all"
    assert body["at"] == "2026-03-14T10:00:00+00:00"  # the default "to" is tonight: ages are taken now
    assert counts(body) == {
        ("0-1d", "urgent"): 2,  # t1, t2
        ("1-3d", "high"): 2,  # t3, t4
        ("3-7d", "medium"): 1,  # t5
        ("7-30d", "low"): 1,  # t6
        ("30d+", "low"): 1,  # t7
    }
    # Every cell is there, zeros included: buckets youngest first, priorities urgent first.
    assert [(row["bucket"], row["priority"]) for row in body["results"][:5]] == [
        ("0-1d", "urgent"),
        ("0-1d", "high"),
        ("0-1d", "medium"),
        ("0-1d", "low"),
        ("1-3d", "urgent"),
    ]
    assert len(body["results"]) == 20
    assert body["totals"] == {
        "by_bucket": {"0-1d": 2, "1-3d": 2, "3-7d": 1, "7-30d": 1, "30d+": 1},
        "by_priority": {"urgent": 2, "high": 2, "medium": 1, "low": 2},
        "open": 7,
    }


def test_a_past_to_is_a_snapshot_at_that_instant(tickets, api, manager):
    at = (NOW - 4 * D).isoformat().replace("+00:00", "Z")
    body = api(manager).get(f"{URL}?to={at}").json()

    assert body["at"] == "2026-03-10T10:00:00+00:00"
    assert counts(body) == {
        ("1-3d", "medium"): 1,  # t5
        ("3-7d", "low"): 1,  # t6
        ("3-7d", "medium"): 1,  # t8, resolved only later
        ("7-30d", "high"): 1,  # t9, closed only later
        ("30d+", "low"): 1,  # t7
    }
    assert body["totals"]["open"] == 5


def test_filters_narrow_the_tickets_and_the_priorities_listed(tickets, api, manager, team):
    response = api(manager).get(f"{URL}?priority=P4,medium")

    body = response.json()
    assert {row["priority"] for row in body["results"]} == {"medium", "low"}
    assert counts(body) == {("3-7d", "medium"): 1, ("7-30d", "low"): 1, ("30d+", "low"): 1}
    assert body["params"]["priority"] == ["medium", "low"]

    tickets["t1"].team = team
    tickets["t1"].save(update_fields=["team"])
    by_team = api(manager).get(f"{URL}?team={team.pk}").json()
    assert counts(by_team) == {("0-1d", "urgent"): 1}


def test_csv_has_the_json_rows(tickets, api, manager):
    client = api(manager)
    body = client.get(URL).json()

    response = client.get(f"{URL}?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aging-20260213-20260314.csv"'
    table = csv_table(response)
    assert table[0] == ["bucket", "priority", "count"]
    assert table[1:] == as_csv_cells(body["results"], table[0])
    assert table[1] == ["0-1d", "urgent", "2"]


def test_one_query_whatever_the_number_of_tickets(tickets, api, manager, django_assert_num_queries):
    for age in range(1, 13):
        make(NOW - age * D, priority=Priority.HIGH)
    client = api(manager)
    # One for the JWT's user, one for the figures.
    with django_assert_num_queries(2):
        body = client.get(URL).json()
    assert body["totals"]["open"] == 7 + 12
