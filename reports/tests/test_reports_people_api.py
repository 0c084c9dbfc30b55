"""The dashboard, agents and sla reports through the API: scope, CSV equal to JSON, query counts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from reports.metrics import agents, sla, summary
from reports.tests.helpers import as_csv_cells, csv_table, make
from tickets.choices import Status

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
RANGE = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def desk(db, settings, agent, other_agent, team_lead, team, other_team):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        day = timedelta(days=1)
        # The agent's: resolved in time, answered in time (8 h target).
        make(
            NOW - 5 * day,
            Status.RESOLVED,
            assignee=agent,
            team=team,
            first_responded_at=NOW - 5 * day,
            first_response_minutes=0,
            resolved_at=NOW - 4 * day,
            resolution_minutes=1440,
            resolution_met=True,
        )
        # The other agent's, in the other team: answered late.
        make(
            NOW - 3 * day,
            Status.OPEN,
            assignee=other_agent,
            team=other_team,
            first_responded_at=NOW - 2 * day,
            first_response_minutes=1440,
        )
        yield


def get(api, user, report, extra=""):
    response = api(user).get(f"/api/v1/reports/{report}?{RANGE}{extra}")
    assert response.status_code == 200, response.content
    return response


def test_an_agent_sees_only_their_own_row_a_manager_everyones(desk, api, agent, other_agent, manager):
    own = get(api, agent, "agents").json()
    assert [row["email"] for row in own["results"]] == [agent.email] and own["scope"] == "assigned"
    everyone = get(api, manager, "agents").json()
    assert {row["email"] for row in everyone["results"]} == {agent.email, other_agent.email}


def test_a_team_lead_gets_the_figures_of_their_teams_only(desk, api, team_lead):
    figures = get(api, team_lead, "dashboard").json()
    assert figures["scope"] == "teams"
    assert figures["created"] == 1 and figures["resolved"] == 1  # the Support ticket; not Infrastructure's
    assert figures["sla_compliance"]["overall"] == 100.0


def test_sla_over_everything_for_a_manager(desk, api, manager):
    totals = get(api, manager, "sla").json()["totals"]
    # First response: the agent's met, the other agent's late; resolution: the agent's met.
    assert (totals["first_response_judged"], totals["first_response_met"]) == (2, 1)
    assert (totals["resolution_judged"], totals["resolution_met"]) == (1, 1)


@pytest.mark.parametrize(
    ("report", "columns"), [("dashboard", summary.COLUMNS), ("agents", agents.COLUMNS), ("sla", sla.COLUMNS)]
)
def test_csv_holds_the_same_rows_as_json(desk, api, manager, report, columns):
    rows = get(api, manager, report).json()["results"]
    table = csv_table(get(api, manager, report, "&format=csv"))
    assert table[0] == list(columns)
    assert table[1:] == as_csv_cells(rows, columns)
    assert len(table) > 1


@pytest.mark.parametrize("report", ["dashboard", "agents", "sla"])
def test_query_counts_do_not_grow_with_the_tickets(desk, api, manager, report, django_assert_max_num_queries):
    client = api(manager)
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/reports/{report}?{RANGE}").status_code == 200
    with time_machine.travel(NOW, tick=False):
        for index in range(20):
            make(
                NOW - timedelta(hours=index + 1),
                Status.RESOLVED,
                resolved_at=NOW,
                resolution_minutes=index,
                resolution_met=True,
                first_responded_at=NOW,
                first_response_minutes=index,
            )
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/reports/{report}?{RANGE}").status_code == 200
