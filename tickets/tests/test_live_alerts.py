"""Live alerts: who gets which alert, and that the stream's reads never show one to someone who may not see it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from tickets import services
from tickets.live.alerts import alerts_after, latest_alert_id
from tickets.models import Notification, NotificationKind, Ticket
from tickets.selectors import staff_who_may_see
from tickets.tests.factories import category

K = NotificationKind
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def kinds(user, after=0):
    return [(alert["kind"], alert["ticket"]) for alert in alerts_after(user, after)[0]]


@pytest.fixture
def ticket(customer, team, manager):
    """Opened by a manager for the customer in the Support team (customers cannot choose a team)."""
    return services.ticket_create(actor=manager, requester=customer, subject="VPN down", category=category(), team=team)


@pytest.mark.django_db
def test_a_new_ticket_in_a_team_alerts_its_members_and_the_requester_only(
    ticket, customer, agent, team_lead, other_agent, manager
):
    assert kinds(manager) == []  # who opened it
    assert kinds(agent) == [(K.TICKET_CREATED, ticket.number)]
    assert kinds(team_lead) == [(K.TICKET_CREATED, ticket.number)]
    assert kinds(customer) == [(K.TICKET_CREATED, ticket.number)]
    assert kinds(other_agent) == []
    alert = alerts_after(agent, 0)[0][0]
    assert alert["url"] == f"/admin/tickets/ticket/{ticket.pk}/change/"
    assert alerts_after(customer, 0)[0][0]["url"] == f"/portal/tickets/{ticket.pk}/"


@pytest.mark.django_db
def test_a_ticket_in_no_team_alerts_the_staff_who_may_see_it_in_the_app_only(customer, agent, manager):
    ticket = services.ticket_create(actor=customer, subject="Printer", category=category())
    assert kinds(agent) == [(K.TICKET_CREATED, ticket.number)]
    assert kinds(manager) == [(K.TICKET_CREATED, ticket.number)]
    staff_rows = Notification.objects.filter(ticket=ticket).exclude(recipient=customer)
    assert {row.email_status for row in staff_rows} == {"skipped"}


@pytest.mark.django_db
def test_assignment_and_a_customer_reply_alert_the_assignee(ticket, customer, agent, team_lead):
    services.ticket_assign(actor=team_lead, ticket=ticket, assignee=agent)
    after = latest_alert_id(agent) - 1
    assert kinds(agent, after) == [(K.TICKET_ASSIGNED, ticket.number)]
    mark = latest_alert_id(agent)
    services.comment_add(actor=customer, ticket=Ticket.objects.get(pk=ticket.pk), body="Still broken.")
    assert kinds(agent, mark) == [(K.PUBLIC_REPLY, ticket.number)]
    assert alerts_after(agent, mark)[0][0]["body"].endswith("replied.")


@pytest.mark.django_db
def test_a_customer_never_gets_another_customers_alerts(ticket, customer, other_customer):
    services.comment_add(actor=customer, ticket=ticket, body="More details.")
    assert kinds(other_customer) == []
    # Even a row written for them by mistake (or before the organization stopped sharing) is not sent.
    Notification.objects.create(recipient=other_customer, ticket=ticket, kind=K.PUBLIC_REPLY, title="x")
    found, resume = alerts_after(other_customer, 0)
    assert found == []
    assert resume == latest_alert_id(other_customer)  # skipped rows are not read again


@pytest.mark.django_db
def test_an_internal_note_alerts_staff_and_never_the_customer(ticket, customer, agent, team_lead):
    services.ticket_assign(actor=team_lead, ticket=ticket, assignee=agent)
    mark = latest_alert_id(customer)
    services.comment_add(actor=team_lead, ticket=Ticket.objects.get(pk=ticket.pk), body="VIP", is_internal=True)
    assert (K.INTERNAL_NOTE, ticket.number) in kinds(agent)
    assert kinds(customer, mark) == []
    Notification.objects.create(recipient=customer, ticket=ticket, kind=K.INTERNAL_NOTE, title="leak")
    assert kinds(customer, mark) == []


@pytest.mark.django_db
def test_with_team_visibility_agents_of_another_team_get_nothing(
    settings, customer, team, other_team, other_agent, manager
):
    settings.AGENT_TICKET_VISIBILITY = "team"
    ticket = services.ticket_create(actor=manager, requester=customer, subject="Mail", category=category(), team=team)
    assert kinds(other_agent) == []
    loose = services.ticket_create(actor=customer, subject="No team", category=category())
    assert other_agent not in staff_who_may_see(loose)
    assert kinds(other_agent) == []
    # An alert for a ticket since moved out of the agent's sight is not sent either.
    Notification.objects.create(recipient=other_agent, ticket=ticket, kind=K.TICKET_ASSIGNED, title="x")
    assert kinds(other_agent) == []


@pytest.mark.django_db
def test_team_visibility_still_alerts_leads_and_managers_of_a_ticket_in_no_team(settings, customer, manager, agent):
    settings.AGENT_TICKET_VISIBILITY = "team"
    lead = UserFactory(email="lead2@example.com", role=Role.TEAM_LEAD)
    ticket = services.ticket_create(actor=customer, subject="No team", category=category())
    assert set(staff_who_may_see(ticket)) == {manager, lead}
    assert kinds(manager) == [(K.TICKET_CREATED, ticket.number)]
    assert kinds(agent) == []


@pytest.mark.django_db
def test_sla_at_risk_and_breach_alert_the_assignee(customer, agent, team, team_lead):
    ticket = services.ticket_create(actor=customer, subject="Outage", category=category(), priority="urgent", now=T0)
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)
    mark = latest_alert_id(agent)
    for hours in (1.7, 2.1):
        with time_machine.travel(T0 + timedelta(hours=hours), tick=False):
            services.sla_sweep()
    assert kinds(agent, mark) == [(K.SLA_AT_RISK, ticket.number), (K.SLA_BREACHED, ticket.number)]
    assert kinds(customer, latest_alert_id(customer) - 1) == [(K.TICKET_CREATED, ticket.number)]


@pytest.mark.django_db
def test_alerts_turned_off_in_the_app_are_not_sent(ticket, agent, customer):
    Notification.objects.filter(recipient=agent).update(in_app=False)
    assert kinds(agent) == []
