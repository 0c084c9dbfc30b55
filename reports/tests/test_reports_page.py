"""The reports page of the agent console: charts from our own static files, the agent table, CSV links."""

import json
import re

import pytest
from django.urls import reverse

from tickets import services
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


def test_a_manager_sees_the_charts_and_the_agent_table(client, manager, agent, customer, team):
    ticket = services.ticket_create(actor=customer, subject="Printer", category=category())
    services.ticket_assign(actor=manager, ticket=ticket, assignee=agent)
    services.ticket_resolve(actor=agent, ticket=ticket)
    client.force_login(manager)
    response = client.get(reverse("admin:reports"), {"bucket": "week"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "helpdesk/admin/charts.js" in html and "cdn" not in html.lower()
    charts = json.loads(re.search(r'<script id="report-charts" type="application/json">(.*?)</script>', html, re.S)[1])
    assert set(charts) == {"volume", "sla", "aging"}
    assert sum(charts["volume"]["series"][0]["values"]) == 1  # created this week
    assert sum(charts["volume"]["series"][1]["values"]) == 1  # and resolved
    agents = response.context["answers"]["agents"]["results"]
    assert [(row["email"], row["resolved"]) for row in agents] == [(agent.email, 1)]
    assert "/api/v1/reports/agents?format=csv" in html


def test_bad_filters_fall_back_and_say_so(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:reports"), {"from": "yesterday-ish"})
    assert response.status_code == 200
    assert "Some filters were not valid" in response.content.decode()


def test_agents_see_their_own_figures_and_customers_cannot_come_in(client, agent, customer):
    client.force_login(agent)
    assert client.get(reverse("admin:reports")).context["answers"]["sla"]["scope"] == "assigned"
    client.force_login(customer)
    assert client.get(reverse("admin:reports")).status_code == 302
