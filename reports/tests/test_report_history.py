"""Reports count what happened when it happened: a past month does not change when its tickets move later.

A desk's history is made through the services (assignments, replies, resolutions, a reopen, a
reassignment, a second resolution), then March's figures are read before and after April's changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from reports.tests.helpers import csv_table
from tickets.choices import Status
from tickets.models import Milestone, MilestoneKind
from tickets.services.comments import comment_add
from tickets.services.status import ticket_reopen, ticket_resolve
from tickets.services.tickets import ticket_assign, ticket_create
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db

MARCH = "from=2026-03-01&to=2026-03-31"
APRIL = "from=2026-04-01&to=2026-04-30"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def figures(client, report: str, query: str) -> dict:
    response = client.get(f"/api/v1/reports/{report}?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def by_agent(client, query: str) -> dict:
    return {row["email"]: row for row in figures(client, "agents", query)["results"]}


@pytest.fixture
def march(settings, customer, agent, other_agent, manager):
    """Two tickets in March: one answered once and resolved by ``agent``, one still open at the month's end."""
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(at(3, 2), tick=False):
        solved = ticket_create(actor=customer, subject="Printer jammed", category=category())
        waiting = ticket_create(actor=customer, subject="VPN drops", category=category())
    ticket_assign(actor=manager, ticket=solved, assignee=agent, now=at(3, 2, 10))
    comment_add(actor=agent, ticket=solved, body="Open the tray and pull.", now=at(3, 2, 11))
    ticket_resolve(actor=agent, ticket=solved, now=at(3, 3))
    return solved, waiting


def test_a_reopen_and_a_reassignment_in_april_leave_march_as_it_was(march, api, manager, agent, other_agent):
    solved, _waiting = march
    with time_machine.travel(at(4, 1, 8), tick=False):
        client = api(manager)
        before = {
            "dashboard": figures(client, "dashboard", MARCH),
            "agents": by_agent(client, MARCH),
            "tickets": figures(client, "tickets", f"{MARCH}&bucket=month"),
        }
    assert before["dashboard"]["resolved"] == 1
    assert before["dashboard"]["one_touch"] == {"count": 1, "percent": 100.0}
    assert before["agents"][agent.email]["resolved"] == 1
    assert before["agents"][agent.email]["assigned"] == 1

    # April: the customer is back, the ticket goes to someone else, who solves it after two replies.
    ticket_reopen(actor=manager, ticket=solved, reason="Jammed again", now=at(4, 2))
    ticket_assign(actor=manager, ticket=solved, assignee=other_agent, now=at(4, 2, 10))
    comment_add(actor=other_agent, ticket=solved, body="Replacing the roller.", now=at(4, 3))
    ticket_resolve(actor=other_agent, ticket=solved, now=at(4, 4))
    solved.refresh_from_db()
    assert solved.status == Status.RESOLVED and solved.assignee == other_agent

    with time_machine.travel(at(4, 10), tick=False):
        client = api(manager)
        after = {
            "dashboard": figures(client, "dashboard", MARCH),
            "agents": by_agent(client, MARCH),
            "tickets": figures(client, "tickets", f"{MARCH}&bucket=month"),
        }
        april = figures(client, "dashboard", APRIL)
        april_agents = by_agent(client, APRIL)
        april_csv = csv_table(client.get(f"/api/v1/reports/agents?{APRIL}&format=csv"))

    # March, read again: the same figures, still credited to the agent who did the work then.
    for name in ("resolved", "one_touch", "resolution", "first_response", "reopened", "replies_per_ticket"):
        assert after["dashboard"][name] == before["dashboard"][name], name
    assert after["agents"] == before["agents"]
    assert other_agent.email not in after["agents"]
    assert after["tickets"]["results"] == before["tickets"]["results"]
    # April: the reopen, the new assignment and a second resolution, after two public replies in all.
    assert (april["resolved"], april["reopened"], april["one_touch"]["count"]) == (1, 1, 0)
    assert april["replies_per_ticket"] == 2.0
    assert april_agents[other_agent.email]["resolved"] == 1
    assert april_agents[other_agent.email]["assigned"] == 1
    assert agent.email not in april_agents or april_agents[agent.email]["resolved"] == 0
    assert april_csv[0][-2:] == ["one_touch_percent", "replies_per_ticket"]


def test_the_backlog_counts_tickets_open_at_each_days_end(march, api, manager):
    solved, _waiting = march
    ticket_reopen(actor=manager, ticket=solved, reason="Jammed again", now=at(3, 5))
    with time_machine.travel(at(3, 6, 12), tick=False):
        body = figures(api(manager), "tickets", "from=2026-03-01&to=2026-03-06")
    # Nothing on the 1st; two open from the 2nd; one after the resolution on the 3rd; two after the reopen.
    assert [(row["period"], row["backlog"]) for row in body["results"]] == [
        ("2026-03-01", 0),
        ("2026-03-02", 2),
        ("2026-03-03", 1),
        ("2026-03-04", 1),
        ("2026-03-05", 2),
        ("2026-03-06", 2),
    ]
    assert [row["reopened"] for row in body["results"]] == [0, 0, 0, 0, 1, 0]


def test_each_milestone_keeps_the_ticket_as_it_was(march, agent):
    solved, _waiting = march
    rows = list(Milestone.objects.filter(ticket=solved).values_list("kind", "assignee_id", "replies", "seconds"))
    assert rows == [
        (MilestoneKind.ASSIGNED, agent.pk, None, None),
        # Answered after 2 hours (24x7 policy or none: wall time), resolved a day after creation, after one reply.
        (MilestoneKind.FIRST_RESPONSE, agent.pk, None, 2 * 3600),
        (MilestoneKind.RESOLVED, agent.pk, 1, rows[2][3]),
    ]
    resolved = Milestone.objects.get(ticket=solved, kind=MilestoneKind.RESOLVED)
    # The requester waited on the desk the whole day: the ticket was never pending.
    assert (resolved.wait_seconds, resolved.paused_seconds) == (24 * 3600, 0)


def test_the_requester_wait_is_summarized_as_every_duration_is(march, api, manager):
    from reports.metrics.durations import mean_and_median

    with time_machine.travel(at(4, 1, 8), tick=False):
        wait = figures(api(manager), "dashboard", MARCH)["requester_wait"]
    resolved = Milestone.objects.filter(kind=MilestoneKind.RESOLVED)
    # In the scan of the resolutions on PostgreSQL, in a query of its own on SQLite: the same figures.
    assert wait == mean_and_median(resolved, "wait_seconds", unit=60)
    assert (wait["count"], wait["median"]) == (1, 24 * 60.0)
