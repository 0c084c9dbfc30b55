"""The queue's default view (active tickets), its tabs and their counts, its columns and title."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets import services
from tickets.admin.queue import BoundedPaginator
from tickets.choices import Status
from tickets.tests.factories import category

QUEUE = reverse("admin:tickets_ticket_changelist")

pytestmark = pytest.mark.django_db


def open_ticket(requester, subject, *, team, assignee=None):
    return services.ticket_create(
        actor=team.lead, requester=requester, subject=subject, category=category(), team=team, assignee=assignee
    )


def listed(response) -> list[str]:
    return sorted(ticket.subject for ticket in response.context["cl"].result_list)


def tab_counts(response, row: str) -> dict[str, str]:
    return {tab.label: tab.count for tab in response.context["tabs"][row]}


@pytest.fixture
def desk(agent, team_lead, customer, team):
    new = open_ticket(customer, "new one", team=team)
    working = open_ticket(customer, "being worked", team=team, assignee=agent)
    waiting = open_ticket(customer, "waiting", team=team, assignee=agent)
    services.ticket_transition(actor=agent, ticket=waiting, to_status=Status.PENDING)
    resolved = open_ticket(customer, "resolved", team=team, assignee=agent)
    services.ticket_resolve(actor=agent, ticket=resolved)
    closed = open_ticket(customer, "closed", team=team)
    services.ticket_close(actor=agent, ticket=closed)
    return {"new": new, "working": working, "waiting": waiting, "resolved": resolved, "closed": closed}


class TestDefaultView:
    def test_the_queue_shows_active_tickets_unless_asked_for_all(self, client, agent, desk):
        client.force_login(agent)
        assert listed(client.get(QUEUE)) == ["being worked", "new one", "waiting"]
        everything = listed(client.get(QUEUE, {"view": "all"}))
        assert everything == ["being worked", "closed", "new one", "resolved", "waiting"]

    def test_a_status_filter_or_a_search_needs_no_view(self, client, agent, desk):
        client.force_login(agent)
        assert listed(client.get(QUEUE, {"status__exact": "resolved"})) == ["resolved"]
        assert listed(client.get(QUEUE, {"q": desk["closed"].number})) == ["closed"]
        assert listed(client.get(QUEUE, {"sla": "met"})) == ["closed", "resolved"]

    def test_other_filters_keep_the_active_default(self, client, agent, desk):
        client.force_login(agent)
        assert listed(client.get(QUEUE, {"assignee": "me"})) == ["being worked", "waiting"]

    def test_the_active_tab_is_marked_current_and_all_is_one_click_away(self, client, agent, desk):
        client.force_login(agent)
        html = client.get(QUEUE).content.decode()
        assert re.search(r'<a href="\?" aria-current="page">Active tickets', html)
        assert '<a href="?view=all">All tickets' in html


class TestCounts:
    def test_status_tabs_count_the_active_tickets_per_status(self, client, agent, desk):
        client.force_login(agent)
        response = client.get(QUEUE)
        statuses = tab_counts(response, "statuses")
        assert statuses["New"] == "1"
        assert statuses["Open"] == "1"
        assert statuses["Pending"] == "1"
        assert statuses["Escalated"] == "0"
        # Done tickets pile up for ever: not counted.
        assert statuses["Resolved"] == "" and statuses["Closed"] == ""
        assert tab_counts(response, "views")["Active tickets"] == "3"

    def test_counts_are_one_query_whatever_the_number_of_tabs(self, client, agent, desk):
        client.force_login(agent)
        with CaptureQueriesContext(connection) as queries:
            client.get(QUEUE)
        counting = [q["sql"] for q in queries if q["sql"].count("COUNT(*)") >= 7]
        assert len(counting) == 1
        # Each status counted up to the queue's limit, never the whole table.
        assert counting[0].count(f"LIMIT {BoundedPaginator.LIMIT + 1}") == 7

    def test_counts_stop_at_the_limit(self, client, agent, customer, team, monkeypatch):
        monkeypatch.setattr(BoundedPaginator, "LIMIT", 2)
        for index in range(3):
            open_ticket(customer, f"t{index}", team=team)
        client.force_login(agent)
        response = client.get(QUEUE)
        assert tab_counts(response, "statuses")["New"] == "2+"
        assert tab_counts(response, "views")["Active tickets"] == "2+"

    def test_counts_cover_only_what_the_user_may_see(self, client, agent, desk, settings):
        settings.AGENT_TICKET_VISIBILITY = "assigned"
        client.force_login(agent)
        response = client.get(QUEUE)
        statuses = tab_counts(response, "statuses")
        assert (statuses["New"], statuses["Open"], statuses["Pending"]) == ("0", "1", "1")


class TestColumnsAndTitle:
    def test_titled_tickets_with_six_columns_and_relative_times(self, client, agent, desk):
        client.force_login(agent)
        html = client.get(QUEUE).content.decode()
        assert "Select ticket to change" not in html
        assert "<h1>Tickets</h1>" in html and "<title>Tickets |" in html
        headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
        assert headers == ["ticket", "status_badge", "priority_badge", "owner", "sla_due", "updated"]
        ticket = desk["working"]
        assert f'class="hd-number" href="{reverse("admin:tickets_ticket_change", args=[ticket.pk])}"' in html
        assert re.search(r'<time class="hd-ago" datetime="[^"]+" title="[^"]+">just now</time>', html)


class TestAssigneeFilter:
    def test_lists_me_nobody_and_the_people_of_my_teams(self, client, agent, team_lead, other_agent, desk):
        client.force_login(agent)
        response = client.get(QUEUE)
        spec = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "assignee")
        labels = [str(label) for _value, label in spec.lookup_choices]
        assert labels[:2] == ["Me", "Unassigned"]
        assert str(team_lead) in labels
        assert str(other_agent) not in labels  # in another team: found by search instead

    def test_search_by_assignee_name_keeps_the_active_default(self, client, agent, other_agent, desk):
        client.force_login(agent)
        first_name = agent.full_name.split()[0]
        found = listed(client.get(QUEUE, {"q": f"assignee:{first_name}"}))
        assert found == ["being worked", "waiting"]  # not the resolved one
        assert listed(client.get(QUEUE, {"q": "assignee:nobody-has-this-name"})) == []
