"""What every report shares: who may see which figures, errors, formats, and the cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TeamFactory
from reports.tests.helpers import H, csv_table, make
from tickets.choices import Status

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
REPORTS = ["aging", "sla-violations", "tickets", "dashboard", "agents", "sla"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tickets(db, frozen, agent, other_agent, team_lead, team, other_team):
    """Open tickets, all breached (unanswered past 8 h), spread over people and teams."""
    return {
        "agent's, Support": make(NOW - 10 * H, assignee=agent, team=team),
        "agent's, no team": make(NOW - 11 * H, assignee=agent),
        "other agent's, Support": make(NOW - 12 * H, assignee=other_agent, team=team),
        "other agent's, Infrastructure": make(NOW - 13 * H, assignee=other_agent, team=other_team),
        "lead's, Infrastructure": make(NOW - 14 * H, assignee=team_lead, team=other_team),
        "unassigned, no team": make(NOW - 15 * H),
    }


def open_total(response) -> int:
    assert response.status_code == 200, response.content
    return response.json()["totals"]["open"]


def violation_ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("report", REPORTS)
def test_customers_get_403_and_strangers_401(db, api, customer, report):
    forbidden = api(customer).get(f"/api/v1/reports/{report}")
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "FORBIDDEN"
    assert forbidden.json()["status"] == "error"

    assert api().get(f"/api/v1/reports/{report}").status_code == 401
    # Also when asking for CSV: the error is in the one JSON shape.
    as_csv = api(customer).get(f"/api/v1/reports/{report}?format=csv")
    assert (as_csv.status_code, as_csv["Content-Type"]) == (403, "application/json")
    assert as_csv.json()["code"] == "FORBIDDEN"


def test_an_agent_sees_figures_of_their_own_tickets_only(tickets, api, agent, settings):
    settings.AGENT_TICKET_VISIBILITY = "all"  # seeing every ticket does not make them one's figures
    client = api(agent)

    aging = client.get("/api/v1/reports/aging")
    assert aging.json()["scope"] == "assigned"
    assert open_total(aging) == 2
    violations = client.get("/api/v1/reports/sla-violations")
    assert violation_ids(violations) == {tickets["agent's, Support"].pk, tickets["agent's, no team"].pk}


def test_a_team_lead_sees_their_teams_and_own_assignments(tickets, api, team_lead):
    client = api(team_lead)

    aging = client.get("/api/v1/reports/aging")
    assert aging.json()["scope"] == "teams"
    # Support's two tickets, and their own in Infrastructure; not the other Infrastructure one.
    assert open_total(aging) == 3
    assert violation_ids(client.get("/api/v1/reports/sla-violations")) == {
        tickets["agent's, Support"].pk,
        tickets["other agent's, Support"].pk,
        tickets["lead's, Infrastructure"].pk,
    }
    # Asking for another team's figures gives only what is in scope there.
    other = TeamFactory(name="Elsewhere")
    assert open_total(client.get(f"/api/v1/reports/aging?team={other.pk}")) == 0


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_see_everything(tickets, api, role, request):
    response = api(request.getfixturevalue(role)).get("/api/v1/reports/aging")

    assert response.json()["scope"] == "all"
    assert open_total(response) == 6


@pytest.mark.parametrize("report", REPORTS)
def test_a_bad_from_is_a_400_in_the_error_shape(db, api, manager, report):
    for query in ("from=last-tuesday", "from=last-tuesday&format=csv"):
        response = api(manager).get(f"/api/v1/reports/{report}?{query}")

        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert (body["status"], body["code"]) == ("error", "VALIDATION_ERROR")
        assert body["errors"]["from"] == ["Use an ISO date (2026-03-01) or date and time (2026-03-01T09:30:00Z)."]
        assert body["message"].startswith("from: ")


def test_every_bad_parameter_is_reported_at_once(db, api, manager):
    response = api(manager).get("/api/v1/reports/tickets?to=soon&priority=P9&bucket=year&team=x")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"to", "priority", "bucket", "team"}


@pytest.mark.parametrize("report", REPORTS)
def test_filters_on_what_does_not_exist_are_refused_like_a_bad_priority(db, api, manager, report):
    for query, field in (
        ("category=no-such-category", "category"),
        ("team=99999", "team"),
        ("priority=P9", "priority"),
    ):
        response = api(manager).get(f"/api/v1/reports/{report}?{query}")
        assert response.status_code == 400, (report, query)
        body = response.json()
        assert (body["code"], list(body["errors"])) == ("VALIDATION_ERROR", [field])
        assert body["message"].startswith(f"{field}: ")


def test_a_range_over_366_days_is_refused(db, api, manager):
    response = api(manager).get("/api/v1/reports/tickets?from=2024-01-01&to=2025-12-31")

    assert response.status_code == 400
    assert response.json()["errors"] == {"to": ["A report covers at most 366 days; narrow from/to."]}


@pytest.mark.parametrize("report", REPORTS)
def test_format_json_csv_and_accept_header(tickets, api, manager, report):
    client = api(manager)
    url = f"/api/v1/reports/{report}"

    as_json = client.get(f"{url}?format=json")
    assert (as_json.status_code, as_json["Content-Type"]) == (200, "application/json")
    assert as_json.json()["report"] == report

    as_csv = client.get(f"{url}?format=csv")
    assert as_csv.status_code == 200
    assert as_csv.streaming is True
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"].startswith(f'attachment; filename="{report}-')
    assert len(csv_table(as_csv)) == 1 + len(as_json.json()["results"])

    by_header = client.get(url, HTTP_ACCEPT="text/csv")
    assert by_header.streaming is True

    assert client.get(f"{url}?format=xml").status_code == 404  # no such format, as elsewhere in the API
    assert client.get(f"{url}/").status_code == 200  # with or without the slash


def test_a_second_identical_call_is_served_from_the_cache(tickets, api, manager, django_assert_num_queries):
    client = api(manager)
    first = client.get("/api/v1/reports/sla-violations").json()

    with CaptureQueriesContext(connection) as queries:
        second = client.get("/api/v1/reports/sla-violations").json()

    assert second == first
    assert len(queries) == 1  # the JWT's user only
    assert not [query for query in queries if "tickets_ticket" in query["sql"]]


def test_the_cache_keeps_scopes_and_parameters_apart(tickets, api, manager, agent, other_agent, team_lead):
    assert open_total(api(manager).get("/api/v1/reports/aging")) == 6
    # Same parameters, other scopes: computed for them, not the manager's figures.
    assert open_total(api(agent).get("/api/v1/reports/aging")) == 2
    assert open_total(api(other_agent).get("/api/v1/reports/aging")) == 2
    assert open_total(api(team_lead).get("/api/v1/reports/aging")) == 3
    # And the agents' figures are each their own.
    agent_ids = violation_ids(api(agent).get("/api/v1/reports/sla-violations"))
    other_ids = violation_ids(api(other_agent).get("/api/v1/reports/sla-violations"))
    assert agent_ids.isdisjoint(other_ids)
    # Other parameters are another entry (a team with no tickets: zero, not the cached six).
    empty = TeamFactory(name="Empty")
    assert open_total(api(manager).get(f"/api/v1/reports/aging?team={empty.pk}")) == 0


def test_a_team_lead_moved_to_another_team_gets_fresh_figures(tickets, api, team_lead, team, other_team):
    assert open_total(api(team_lead).get("/api/v1/reports/aging")) == 3
    team.lead = None
    team.save(update_fields=["lead"])
    team.members.remove(team_lead)
    other_team.members.add(team_lead)

    # A new request loads the lead's teams afresh, so the key (and the figures) change at once.
    assert open_total(api(team_lead).get("/api/v1/reports/aging")) == 2


def test_cached_figures_are_reused_only_for_the_cache_time(tickets, api, manager, settings):
    client = api(manager)
    assert open_total(client.get("/api/v1/reports/aging")) == 6
    make(NOW - H)

    assert open_total(client.get("/api/v1/reports/aging")) == 6  # cached
    with time_machine.travel(NOW.timestamp() + settings.REPORTS_CACHE_SECONDS + 1, tick=False):
        assert open_total(client.get("/api/v1/reports/aging")) == 7

    settings.REPORTS_CACHE_SECONDS = 0
    make(NOW - 2 * H)
    assert open_total(client.get("/api/v1/reports/aging")) == 8


def test_a_resolved_ticket_leaves_the_aging_but_stays_a_violation(tickets, api, manager):
    # Resolved within its resolution target, but its first response had been late.
    ticket = tickets["unassigned, no team"]
    ticket.status, ticket.resolved_at = Status.RESOLVED, NOW
    ticket.save(update_fields=["status", "resolved_at"])

    client = api(manager)
    assert open_total(client.get("/api/v1/reports/aging")) == 5
    assert ticket.pk in violation_ids(client.get("/api/v1/reports/sla-violations"))  # first response still late
