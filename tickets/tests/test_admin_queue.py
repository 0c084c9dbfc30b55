"""The ticket queue: columns, quick views, SLA filter, search, urgent-first order, bounded counting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tickets import services
from tickets.admin.queue import BoundedPaginator
from tickets.choices import Status
from tickets.models import Ticket
from tickets.tests.factories import category

QUEUE = reverse("admin:tickets_ticket_changelist")

pytestmark = pytest.mark.django_db


def open_ticket(requester, subject, *, team=None, assignee=None, priority="medium", actor=None):
    return services.ticket_create(
        actor=actor or (team.lead if team else requester),
        requester=requester,
        subject=subject,
        category=category(),
        team=team,
        assignee=assignee,
        priority=priority,
    )


def listed(response) -> list[str]:
    return [ticket.subject for ticket in response.context["cl"].result_list]


class TestQueue:
    def test_columns_show_badges_and_an_sla_countdown(self, client, agent, customer, team):
        open_ticket(customer, "VPN drops", team=team, priority="urgent")
        client.force_login(agent)
        html = client.get(QUEUE).content.decode()
        assert 'class="hd-badge hd-status-new"' in html
        assert 'class="hd-badge hd-priority-urgent"' in html
        assert 'class="hd-sla hd-sla-ok"' in html and "data-due=" in html
        assert "helpdesk/admin/tickets.js" in html

    def test_most_urgent_sla_first_and_done_tickets_last(self, client, agent, customer, team):
        low = open_ticket(customer, "low", team=team, priority="low")
        urgent = open_ticket(customer, "urgent", team=team, priority="urgent")
        done = open_ticket(customer, "done", team=team, priority="urgent")
        services.ticket_close(actor=agent, ticket=done)
        high = open_ticket(customer, "high", team=team, priority="high")
        client.force_login(agent)
        # Done tickets are in the "all" view only (the default shows the active ones).
        assert listed(client.get(QUEUE, {"view": "all"})) == [urgent.subject, high.subject, low.subject, done.subject]

    def test_quick_views(self, client, agent, other_agent, customer, team, other_team):
        mine = open_ticket(customer, "mine", team=team, assignee=agent)
        open_ticket(customer, "theirs", team=other_team, assignee=other_agent, actor=other_agent)
        unassigned = open_ticket(customer, "unassigned in my team", team=team)
        open_ticket(customer, "unassigned elsewhere", team=other_team, actor=other_agent)
        waiting = open_ticket(customer, "waiting", team=team, assignee=agent)
        services.ticket_transition(actor=agent, ticket=waiting, to_status=Status.PENDING)
        client.force_login(agent)
        assert sorted(listed(client.get(QUEUE, {"view": "mine"}))) == [mine.subject, waiting.subject]
        assert listed(client.get(QUEUE, {"view": "unassigned"})) == [unassigned.subject]
        assert listed(client.get(QUEUE, {"view": "waiting"})) == [waiting.subject]

    def test_sla_filter_and_at_risk_view(self, client, agent, customer, team):
        late = open_ticket(customer, "late", team=team, priority="urgent")
        Ticket.objects.filter(pk=late.pk).update(first_response_due_at=timezone.now() - timedelta(minutes=5))
        open_ticket(customer, "fine", team=team, priority="low")
        client.force_login(agent)
        assert listed(client.get(QUEUE, {"sla": "breached"})) == ["late"]
        assert listed(client.get(QUEUE, {"sla": "ok"})) == ["fine"]
        assert listed(client.get(QUEUE, {"view": "at_risk"})) == ["late"]

    def test_search_by_number_email_and_words(self, client, agent, customer, other_customer, team):
        printer = open_ticket(customer, "Printer on floor 3 jams", team=team)
        open_ticket(other_customer, "Invoice charged twice", team=team)
        client.force_login(agent)
        assert listed(client.get(QUEUE, {"q": printer.number.lower()})) == [printer.subject]
        assert listed(client.get(QUEUE, {"q": "outsider@example.com"})) == ["Invoice charged twice"]
        assert listed(client.get(QUEUE, {"q": "printer"})) == [printer.subject]

    def test_a_constant_number_of_queries_whatever_the_page_holds(
        self, client, agent, customer, team, django_assert_max_num_queries
    ):
        client.force_login(agent)
        open_ticket(customer, "one", team=team, assignee=agent)
        with CaptureQueriesContext(connection) as one:
            client.get(QUEUE)
        for index in range(30):
            ticket = open_ticket(customer, f"t{index}", team=team, assignee=agent if index % 2 else None)
            services.ticket_update(actor=agent, ticket=ticket, changes={"tags": [f"tag{index}"]})
        with django_assert_max_num_queries(len(one)):
            response = client.get(QUEUE)
        assert len(response.context["cl"].result_list) == 31

    def test_the_count_stops_at_the_limit(self, client, agent, customer, team, monkeypatch):
        monkeypatch.setattr(BoundedPaginator, "LIMIT", 3)
        for index in range(5):
            open_ticket(customer, f"t{index}", team=team)
        client.force_login(agent)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE)
        html = response.content.decode()
        assert "3+ tickets" in html
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "tickets_ticket" in q["sql"]]
        assert counts and all("LIMIT 4" in sql for sql in counts)

    def test_agents_see_only_what_their_visibility_setting_allows(self, client, agent, customer, team, settings):
        settings.AGENT_TICKET_VISIBILITY = "assigned"
        mine = open_ticket(customer, "mine", team=team, assignee=agent)
        other = open_ticket(customer, "not mine", team=team)
        client.force_login(agent)
        assert listed(client.get(QUEUE)) == [mine.subject]
        response = client.get(reverse("admin:tickets_ticket_change", args=[other.pk]))
        assert response.status_code == 302 and response.url == reverse("admin:index")
