"""Macros in the console: managers write them; agents apply them from the ticket page and the queue."""

import re

import pytest
from django.urls import reverse

from tickets import services
from tickets.choices import Status
from tickets.models import Comment, EventKind, Macro, Ticket, TicketEvent
from tickets.tests.factories import MacroFactory, category

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:tickets_ticket_changelist")
ALL = QUEUE + "?view=all"  # resolved tickets too
ADD = reverse("admin:tickets_macro_add")


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops", category=category(), team=team
    )


@pytest.fixture
def take_it():
    return MacroFactory(
        name="Take it",
        description="First look.",
        assign_to_me=True,
        add_tags="triaged",
        reply="Hello {requester_name}, {agent_name} looks at {ticket_number} now.",
        status=Status.IN_PROGRESS,
    )


def page_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def seen(client, ticket):
    response = client.get(page_url(ticket))
    assert response.status_code == 200
    initial = response.context["macro_form"].initial
    return {"version": initial["version"], "last_event": initial["last_event"]}


def applied(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.MACRO_APPLIED).count()


class TestWriting:
    def test_a_manager_builds_a_macro_in_the_console(self, client, manager, agent, team):
        client.force_login(manager)
        data = {
            "name": "Escalate to network",
            "description": "Outages only.",
            "position": 3,
            "is_active": "on",
            "teams": [team.pk],
            "reply": "We passed {ticket_number} to the network team.",
            "status": "escalated",
            "priority": "urgent",
            "add_tags": "network, outage",
            "remove_tags": "",
            "assignee": agent.pk,
            "team": team.pk,
        }
        response = client.post(ADD, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        macro = Macro.objects.get(name="Escalate to network")
        assert (macro.created_by, macro.assignee, macro.team, macro.status, macro.priority) == (
            manager,
            agent,
            team,
            "escalated",
            "urgent",
        )
        assert list(macro.teams.all()) == [team]
        listed = client.get(reverse("admin:tickets_macro_changelist")).content.decode()
        assert "Escalate to network" in listed and "Add tags: network, outage" in listed

    def test_the_console_refuses_what_the_model_refuses(self, client, manager, agent):
        client.force_login(manager)
        base = {"position": 0, "is_active": "on"}
        response = client.post(ADD, {**base, "name": "Both", "assign_to_me": "on", "assignee": agent.pk})
        assert "Choose a person or “the agent applying it”, not both." in response.content.decode()
        response = client.post(ADD, {**base, "name": "Nothing"})
        assert "A macro needs at least one action" in response.content.decode()
        assert not Macro.objects.exists()

    def test_agents_see_the_macros_shared_with_them_but_write_none(self, client, agent, other_team):
        shared = MacroFactory(name="For all", status="open")
        MacroFactory(name="Infra only", status="open", teams=[other_team])
        client.force_login(agent)
        listed = client.get(reverse("admin:tickets_macro_changelist")).content.decode()
        assert "For all" in listed and "Infra only" not in listed
        assert client.get(ADD).status_code == 403
        change = reverse("admin:tickets_macro_change", args=[shared.pk])
        assert client.post(change, {"name": "Renamed", "position": 0, "status": "open"}).status_code == 403
        assert client.post(reverse("admin:tickets_macro_delete", args=[shared.pk]), {"post": "yes"}).status_code == 403
        assert Macro.objects.get(pk=shared.pk).name == "For all"

    def test_customers_do_not_reach_them(self, client, customer):
        client.force_login(customer)
        response = client.get(reverse("admin:tickets_macro_changelist"))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


class TestTicketPage:
    def test_the_page_previews_each_macro_for_this_ticket(self, client, agent, customer, ticket, take_it):
        client.force_login(agent)
        response = client.get(page_url(ticket))
        [preview] = response.context["macro_previews"]
        assert (
            preview["reply"]
            == f"Hello {customer.get_full_name()}, {agent.get_full_name()} looks at {ticket.number} now."
        )
        assert preview["actions"] == [
            "Assign to the agent applying it",
            "Add tags: triaged",
            "Send a public reply",
            "Status: In progress",
        ]
        html = response.content.decode()
        assert 'id="macro-form"' in html and 'name="macro"' in html and "First look." in html
        assert f"{agent.get_full_name()} looks at {ticket.number} now." in html

    def test_applying_from_the_page_does_it_all_and_the_history_says_so(self, client, agent, ticket, take_it):
        client.force_login(agent)
        response = client.post(page_url(ticket), {**seen(client, ticket), "macro": take_it.pk, "_action": "macro"})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == (Status.IN_PROGRESS, agent)
        assert list(ticket.tags.values_list("name", flat=True)) == ["triaged"]
        assert Comment.objects.get(ticket=ticket).body.endswith(f"looks at {ticket.number} now.")
        page = client.get(page_url(ticket)).content.decode()
        assert "Macro Take it applied." in page  # the success message
        assert "Macro “Take it” applied" in page  # the timeline

    def test_a_form_sent_twice_applies_the_macro_once(self, client, agent, ticket, take_it):
        client.force_login(agent)
        form = {**seen(client, ticket), "macro": take_it.pk, "_action": "macro"}
        assert client.post(page_url(ticket), form).status_code == 302
        again = client.post(page_url(ticket), form)
        assert again.status_code == 409
        assert "Someone else changed this ticket after you opened it" in again.content.decode()
        assert applied(ticket) == 1 and Comment.objects.filter(ticket=ticket).count() == 1

    def test_a_refused_action_shows_why_and_changes_nothing(self, client, agent, other_agent, ticket):
        macro = MacroFactory(name="To Sam", reply="Sam takes it.", assignee=other_agent)
        client.force_login(agent)
        version = Ticket.objects.get(pk=ticket.pk).version
        response = client.post(page_url(ticket), {**seen(client, ticket), "macro": macro.pk, "_action": "macro"})
        assert response.status_code == 200
        assert response.context["macro_form"].non_field_errors() == [
            "Macro 'To Sam' was not applied, nothing changed: You may not assign this ticket to that person."
        ]
        assert Ticket.objects.get(pk=ticket.pk).version == version and not Comment.objects.exists()

    def test_a_macro_not_shared_with_the_agent_cannot_be_sent(self, client, agent, ticket, other_team):
        hidden = MacroFactory(name="Infra only", status="open", teams=[other_team])
        client.force_login(agent)
        response = client.post(page_url(ticket), {**seen(client, ticket), "macro": hidden.pk, "_action": "macro"})
        assert response.status_code == 200 and "macro" in response.context["macro_form"].errors
        assert applied(ticket) == 0


class TestBulk:
    @pytest.fixture
    def tickets(self, customer, team):
        made = [
            services.ticket_create(actor=team.lead, requester=customer, subject=f"T{i}", category=category(), team=team)
            for i in range(3)
        ]
        services.ticket_transition(actor=team.lead, ticket=made[2], to_status="open")
        services.ticket_resolve(actor=team.lead, ticket=made[2])  # in progress is no move from resolved
        return made

    def choose(self, client, tickets):
        response = client.post(ALL, {"action": "apply_macro", "_selected_action": [t.pk for t in tickets], "index": 0})
        assert response.status_code == 200
        return response

    def test_apply_to_many_lists_each_tickets_outcome(self, client, agent, tickets, take_it, other_team):
        MacroFactory(name="Infra only", status="open", teams=[other_team])
        client.force_login(agent)
        asked = self.choose(client, tickets)
        assert [str(m) for m in asked.context["form"].fields["macro"].queryset] == ["Take it"]
        html = asked.content.decode()
        hidden = dict(re.findall(r'name="version_(\d+)" value="(\d+)"', html))
        assert hidden == {str(t.pk): str(Ticket.objects.get(pk=t.pk).version) for t in tickets}
        form = {
            "action": "apply_macro",
            "_selected_action": [t.pk for t in tickets],
            "index": 0,
            "apply": "1",
            "macro": take_it.pk,
            **{f"version_{pk}": version for pk, version in hidden.items()},
        }
        done = client.post(ALL, form)
        assert done.status_code == 200
        outcomes = done.context["outcomes"]
        assert [(o.ticket.pk, o.applied) for o in outcomes] == [(t.pk, i < 2) for i, t in enumerate(tickets)]
        page = done.content.decode()
        assert "Macro Take it applied to 2 of 3 tickets." in page
        assert "Not applied: Macro &#x27;Take it&#x27; was not applied, nothing changed: A ticket cannot move" in page
        for ticket in tickets[:2]:
            ticket.refresh_from_db()
            assert (ticket.status, ticket.assignee, applied(ticket)) == (Status.IN_PROGRESS, agent, 1)
        last = Ticket.objects.get(pk=tickets[2].pk)
        assert (last.status, last.assignee, applied(last)) == (Status.RESOLVED, None, 0)

        # The same page sent again: nothing is applied a second time.
        again = client.post(ALL, form)
        assert [o.applied for o in again.context["outcomes"]] == [False, False, False]
        assert [applied(t) for t in tickets] == [1, 1, 0]
        assert Comment.objects.count() == 2

    def test_without_a_macro_nothing_happens(self, client, agent, tickets):
        client.force_login(agent)
        payload = {"action": "apply_macro", "_selected_action": [t.pk for t in tickets], "index": 0, "apply": "1"}
        response = client.post(QUEUE, payload)
        assert response.status_code == 200 and "macro" in response.context["form"].errors
        assert not TicketEvent.objects.filter(kind=EventKind.MACRO_APPLIED).exists()
