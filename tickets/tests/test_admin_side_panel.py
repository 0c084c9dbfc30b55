"""The ticket page's side panel: the customer's context, quick actions on new tickets, the greyed team field."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.admin.console import steps_to
from tickets.choices import Status
from tickets.models import SatisfactionRating, TicketEvent
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


def new_ticket(customer, team, subject="VPN drops every hour"):
    return services.ticket_create(actor=team.lead, requester=customer, subject=subject, category=category(), team=team)


def page(client, user, ticket):
    client.force_login(user)
    response = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert response.status_code == 200
    return response


def seen(response):
    initial = response.context["fields_form"].initial
    return {"version": initial["version"], "last_event": initial["last_event"]}


class TestCustomerContext:
    def test_organization_open_tickets_and_satisfaction(self, client, agent, customer, team):
        ticket = new_ticket(customer, team)
        new_ticket(customer, team, "Printer jams")
        for score in (5, 4, 2):
            done = new_ticket(customer, team, f"rated {score}")
            services.ticket_transition(actor=agent, ticket=done, to_status=Status.OPEN)
            services.ticket_resolve(actor=agent, ticket=done)
            SatisfactionRating.objects.create(ticket=done, score=score, rated_by=customer)
        response = page(client, agent, ticket)
        context = response.context["customer"]
        assert context["organization"] == customer.organization
        assert context["open_elsewhere"] == 1  # the printer; not this ticket, not the resolved ones
        assert context["tickets_total"] == 5
        assert (context["ratings"], context["average"], context["good_percent"]) == (3, 3.7, 67)
        html = response.content.decode()
        assert "67 % good · 3.7 / 5 from 3 ratings" in html
        assert str(customer.organization) in html

    def test_a_customer_without_ratings(self, client, agent, customer, team):
        response = page(client, agent, new_ticket(customer, team))
        assert response.context["customer"]["ratings"] == 0
        assert "no ratings yet" in response.content.decode()

    def test_only_what_the_agent_may_see_is_counted(self, client, agent, other_agent, customer, team, settings):
        settings.AGENT_TICKET_VISIBILITY = "assigned"
        mine = new_ticket(customer, team)
        services.ticket_assign(actor=team.lead, ticket=mine, assignee=agent)
        new_ticket(customer, team, "not visible to the agent")
        context = page(client, agent, mine).context["customer"]
        assert (context["tickets_total"], context["open_elsewhere"]) == (1, 0)


class TestQuickActionsOnNewTickets:
    @pytest.mark.parametrize(("action", "status"), [("resolve", Status.RESOLVED), ("escalate", Status.ESCALATED)])
    def test_a_new_ticket_is_opened_then_moved(self, client, agent, customer, team, action, status):
        ticket = new_ticket(customer, team)
        response = page(client, agent, ticket)
        assert action in dict(response.context["quick_actions"])
        url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
        assert client.post(url, {**seen(response), "_action": action}).status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == status
        moves = TicketEvent.objects.filter(ticket=ticket, field="status").order_by("pk")
        assert [(e.old_value, e.new_value) for e in moves] == [("new", "open"), ("open", status.value)]

    def test_the_steps_follow_the_workflow_table(self):
        assert steps_to(Status.OPEN, Status.RESOLVED) == [Status.RESOLVED]
        assert steps_to(Status.NEW, Status.RESOLVED) == [Status.OPEN, Status.RESOLVED]
        assert steps_to(Status.NEW, Status.ESCALATED) == [Status.OPEN, Status.ESCALATED]
        assert steps_to(Status.RESOLVED, Status.ESCALATED) is None
        assert steps_to(Status.CLOSED, Status.RESOLVED) is None


class TestTeamField:
    def test_the_greyed_team_field_says_why(self, client, agent, customer, team):
        response = page(client, agent, new_ticket(customer, team))
        field = response.context["fields_form"]["team"]
        assert field.field.disabled
        assert "Agents do not move tickets between teams" in response.content.decode()

    def test_a_team_lead_gets_no_such_note(self, client, team_lead, customer, team):
        response = page(client, team_lead, new_ticket(customer, team))
        assert not response.context["fields_form"]["team"].field.disabled
        assert "Agents do not move tickets between teams" not in response.content.decode()
