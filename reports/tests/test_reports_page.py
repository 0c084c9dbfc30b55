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
    assert set(charts) == {"volume", "backlog", "sla", "aging"}
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


def test_the_reports_page_subscribes_lists_and_stops_an_email(client, team_lead, manager, team):
    from reports.models import ReportSubscription

    client.force_login(team_lead)
    url = reverse("admin:report-subscriptions")
    answer = client.post(
        url, {"action": "subscribe", "frequency": "weekly", "weekday": "friday", "hour": "16", "team": team.pk}
    )
    assert answer.status_code == 302
    subscription = ReportSubscription.objects.get(user=team_lead)
    assert (subscription.frequency, subscription.weekday, subscription.hour) == ("weekly", 4, 16)
    assert subscription.filters == {"team": [team.pk]}
    html = client.get(reverse("admin:reports")).content.decode()
    assert "weekly, friday at 16:00" in html and "Subscribed: the figures will come by email." in html
    # Bad input is a message, not an error page; another's subscription cannot be stopped.
    client.post(url, {"action": "subscribe", "hour": "99"})
    assert "Not subscribed. hour:" in client.get(reverse("admin:reports")).content.decode()
    client.force_login(manager)
    client.post(url, {"action": "stop", "id": subscription.pk})
    client.post(url, {"action": "stop", "id": "9" * 40})
    assert ReportSubscription.objects.filter(pk=subscription.pk).exists()
    client.force_login(team_lead)
    assert client.post(url, {"action": "stop", "id": subscription.pk}).status_code == 302
    assert not ReportSubscription.objects.exists()
    assert client.get(url).status_code == 405


def test_customers_cannot_subscribe_in_the_console(client, customer):
    from reports.models import ReportSubscription

    client.force_login(customer)
    client.post(reverse("admin:report-subscriptions"), {"action": "subscribe"})
    assert not ReportSubscription.objects.exists()
