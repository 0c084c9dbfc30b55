"""``/reports/sla-violations``: which tickets are breached and by how many minutes, worked out by hand.

Every ticket is on the Standard policy's medium targets, 24x7: first response due
8 h after creation, resolution 120 h after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from reports.tests.helpers import H, as_csv_cells, csv_table, make
from tickets.choices import Status

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
URL = "/api/v1/reports/sla-violations"
RANGE = "from=2026-03-01&to=2026-03-14"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tickets(db, frozen, agent, other_agent, team):
    """Seven violations (v1..v7) and three tickets that must not be listed."""
    made = {
        # First response never given, due 2 h ago: 120 min late.
        "v1": make(NOW - 10 * H, assignee=agent),
        # First response given 2 h 30 after its due time: 150 min late, and it stays so.
        "v2": make(NOW - 20 * H, first_responded_at=NOW - 20 * H + timedelta(hours=10, minutes=30), team=team),
        # Answered in time; resolution due 5 h ago and still open: 300 min late.
        "v3": make(NOW - 125 * H, first_responded_at=NOW - 124 * H, assignee=other_agent),
        # Resolved 10 h after its due time: 600 min late.
        "v4": make(
            NOW - 200 * H, Status.RESOLVED, first_responded_at=NOW - 199 * H, resolved_at=NOW - 70 * H, team=team
        ),
        # Neither answered (122 h late) nor resolved (10 h late): both metrics, 7320 min at worst.
        "v5": make(NOW - 130 * H, assignee=agent),
        # Paused with a recorded resolution breach: the clock has no due time, so no minutes.
        "v6": make(NOW - 50 * H, Status.PENDING, first_responded_at=NOW - 49 * H, resolution_breached=True),
        # First response due 30 seconds ago: late, but not a whole minute.
        "v7": make(NOW - 8 * H - timedelta(seconds=30)),
        # Not breached: fresh, and resolved in time.
        "ok1": make(NOW - H, assignee=agent),
        "ok2": make(NOW - 50 * H, Status.RESOLVED, first_responded_at=NOW - 49 * H, resolved_at=NOW - 2 * H),
        # Breached, but created before "from".
        "old": make(datetime(2026, 2, 20, 12, 0, tzinfo=UTC)),
    }
    return made


EXPECTED = [
    # name, metrics, first response minutes late, resolution minutes late, minutes_late
    ("v5", ["first_response", "resolution"], 7320, 600, 7320),
    ("v4", ["resolution"], None, 600, 600),
    ("v3", ["resolution"], None, 300, 300),
    ("v2", ["first_response"], 150, None, 150),
    ("v1", ["first_response"], 120, None, 120),
    ("v6", ["resolution"], None, None, 0),  # ties at 0 are in id order
    ("v7", ["first_response"], 0, None, 0),
]


def listed(body, tickets) -> list[tuple]:
    names = {ticket.pk: name for name, ticket in tickets.items()}
    return [
        (
            names[row["id"]],
            row["metrics"],
            row["first_response_late_minutes"],
            row["resolution_late_minutes"],
            row["minutes_late"],
        )
        for row in body["results"]
    ]


def test_breached_tickets_with_minutes_late_most_late_first(tickets, api, manager):
    response = api(manager).get(f"{URL}?{RANGE}")

    assert response.status_code == 200
    body = response.json()
    assert listed(body, tickets) == EXPECTED
    assert body["count"] == 7
    assert (body["limit"], body["truncated"]) == (100, False)
    assert body["totals"] == {"first_response": 4, "resolution": 4}  # v1 v2 v5 v7; v3 v4 v5 v6


def test_a_row_carries_the_ticket_and_its_times(tickets, api, manager, agent, team):
    rows = {row["id"]: row for row in api(manager).get(f"{URL}?{RANGE}").json()["results"]}

    v1, v4 = rows[tickets["v1"].pk], rows[tickets["v4"].pk]
    assert v1["number"] == tickets["v1"].number
    assert v1["subject"] == tickets["v1"].subject
    assert (v1["status"], v1["priority"], v1["assignee"], v1["team"]) == ("open", "medium", agent.email, None)
    assert v1["created_at"] == "2026-03-14T00:00:00+00:00"
    assert v1["first_response_due_at"] == "2026-03-14T08:00:00+00:00"
    assert v1["first_responded_at"] is None
    assert (v4["status"], v4["team"], v4["assignee"]) == ("resolved", team.name, None)
    assert v4["resolved_at"] == "2026-03-11T12:00:00+00:00"  # 70 h before NOW


def test_limit_keeps_the_most_late_and_says_so(tickets, api, manager):
    body = api(manager).get(f"{URL}?{RANGE}&limit=3").json()

    assert listed(body, tickets) == EXPECTED[:3]
    assert (body["count"], body["limit"], body["truncated"]) == (7, 3, True)


def test_the_csv_has_every_row_whatever_the_limit(tickets, api, manager):
    client = api(manager)
    body = client.get(f"{URL}?{RANGE}").json()

    response = client.get(f"{URL}?{RANGE}&limit=3&format=csv")

    assert response["Content-Disposition"] == 'attachment; filename="sla-violations-20260301-20260314.csv"'
    table = csv_table(response)
    assert table[0][:8] == ["id", "number", "subject", "status", "priority", "team", "assignee", "metrics"]
    assert table[1:] == as_csv_cells(body["results"], table[0])
    assert table[1][7:11] == ["first_response, resolution", "7320", "600", "7320"]


def test_filters_and_range(tickets, api, manager, team):
    client = api(manager)

    by_team = client.get(f"{URL}?{RANGE}&team={team.pk}").json()
    assert [row["id"] for row in by_team["results"]] == [tickets["v4"].pk, tickets["v2"].pk]

    # "old" is a violation too once the range reaches back to it.
    everything = client.get(f"{URL}?from=2026-02-01&to=2026-03-14").json()
    assert everything["count"] == 8
    assert everything["results"][0]["id"] == tickets["old"].pk  # unanswered since 20 Feb: the most late

    none = client.get(f"{URL}?{RANGE}&priority=urgent").json()
    assert (none["count"], none["results"]) == (0, [])


def test_an_answer_given_later_stops_the_first_response_lateness(tickets, api, manager):
    # Tomorrow v1 is still 120 min late if answered now, not 24 h more.
    v1 = tickets["v1"]
    v1.first_responded_at = v1.first_response_stopped_at = NOW  # as the reply service does
    v1.save(update_fields=["first_responded_at", "first_response_stopped_at"])
    with time_machine.travel(NOW + 24 * H, tick=False):
        rows = {row["id"]: row for row in api(manager).get(f"{URL}?{RANGE}").json()["results"]}

    assert rows[v1.pk]["first_response_late_minutes"] == 120
    # Unanswered v7 keeps growing: 24 h and 30 s late.
    assert rows[tickets["v7"].pk]["first_response_late_minutes"] == 24 * 60


def test_two_queries_whatever_the_number_of_violations(tickets, api, manager, django_assert_num_queries):
    for hours in range(10, 20):
        make(NOW - hours * H)
    client = api(manager)
    with django_assert_num_queries(3):  # the JWT's user, the totals, the rows
        body = client.get(f"{URL}?{RANGE}").json()
    assert body["count"] == 17
