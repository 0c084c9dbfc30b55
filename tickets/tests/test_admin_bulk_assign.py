"""The bulk assign form: "no change" by default, and only the people and teams the user may choose."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import TeamFactory, UserFactory
from tickets import services
from tickets.models import Ticket
from tickets.tests.factories import category

QUEUE = reverse("admin:tickets_ticket_changelist")

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(customer, team):
    return [
        services.ticket_create(actor=team.lead, requester=customer, subject=f"T{i}", category=category(), team=team)
        for i in range(2)
    ]


def ask(client, user, tickets):
    client.force_login(user)
    response = client.post(QUEUE, {"action": "assign", "_selected_action": [t.pk for t in tickets], "index": 0})
    assert response.status_code == 200
    return response.context["form"]


def apply(client, tickets, **data):
    payload = {"action": "assign", "_selected_action": [t.pk for t in tickets], "index": 0, "apply": "1", **data}
    return client.post(QUEUE, payload, follow=True)


def choice_labels(form, name) -> list[str]:
    return [str(label) for _value, label in form.fields[name].choices]


def test_the_default_is_no_change(client, manager, tickets):
    form = ask(client, manager, tickets)
    assert choice_labels(form, "assignee")[:2] == ["— no change —", "Nobody (unassign)"]
    assert form.fields["assignee"].initial in (None, "")
    assert '<option value="" selected>— no change —</option>' in str(form["assignee"])
    assert str(form.fields["team"].empty_label) == "— no change —"


def test_applying_no_change_changes_nothing_and_says_so(client, manager, agent, tickets):
    services.ticket_assign(actor=manager, ticket=tickets[0], assignee=agent)
    ask(client, manager, tickets)
    response = apply(client, tickets, assignee="", team="")
    assert "Choose an assignee or a team." in response.content.decode()
    assert Ticket.objects.get(pk=tickets[0].pk).assignee == agent


def test_a_team_lead_is_offered_only_the_people_and_teams_of_their_teams(
    client, team_lead, agent, other_agent, team, other_team, tickets
):
    form = ask(client, team_lead, tickets)
    offered = choice_labels(form, "assignee")
    assert str(agent) in offered and str(team_lead) in offered
    assert str(other_agent) not in offered
    assert list(form.fields["team"].queryset) == [team]


def test_an_agent_is_offered_only_themselves_and_no_team(client, agent, other_agent, tickets):
    form = ask(client, agent, tickets)
    assert choice_labels(form, "assignee") == ["— no change —", str(agent)]
    assert "team" not in form.fields


def test_managers_are_offered_every_active_staff_member_but_no_customer(client, manager, agent, customer, tickets):
    gone = UserFactory(email="gone@example.com", role=Role.AGENT, is_active=False)
    offered = choice_labels(ask(client, manager, tickets), "assignee")
    assert str(agent) in offered and str(manager) in offered
    assert str(customer) not in offered and str(gone) not in offered


def test_unassign_and_team_only_moves(client, team_lead, agent, tickets):
    lead_team_two = TeamFactory(name="Second line", lead=team_lead, members=[agent])
    services.ticket_assign(actor=team_lead, ticket=tickets[0], assignee=agent)
    ask(client, team_lead, tickets)
    apply(client, tickets[:1], assignee="none")
    assert Ticket.objects.get(pk=tickets[0].pk).assignee is None
    apply(client, tickets, assignee="", team=lead_team_two.pk)
    assert {t.team_id for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])} == {lead_team_two.pk}
