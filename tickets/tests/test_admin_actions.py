"""Bulk actions on the queue: each ticket through its service, each refusal reported with its reason."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tickets import services
from tickets.choices import Status
from tickets.models import Comment, Ticket
from tickets.tests.factories import category

QUEUE = reverse("admin:tickets_ticket_changelist")

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(customer, team):
    return [
        services.ticket_create(
            actor=team.lead, requester=customer, subject=f"Ticket {index}", category=category(), team=team
        )
        for index in range(3)
    ]


def run(client, action, tickets, **extra):
    data = {"action": action, "_selected_action": [t.pk for t in tickets], "index": 0, **extra}
    return client.post(QUEUE, data, follow=True)


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context["messages"]
    ]


def test_assign_to_me(client, agent, tickets):
    client.force_login(agent)
    response = run(client, "assign_to_me", tickets[:2])
    assert [t.assignee for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk")] == [
        agent,
        agent,
        None,
    ]
    assert "Assigned 2 tickets to you." in said(response)


def test_assign_asks_whom_then_assigns_within_the_leads_rights(client, team_lead, agent, other_agent, tickets):
    client.force_login(team_lead)
    ask = client.post(QUEUE, {"action": "assign", "_selected_action": [tickets[0].pk], "index": 0})
    assert ask.status_code == 200 and "Assign tickets" in ask.content.decode()
    response = run(client, "assign", tickets[:1], apply="1", assignee=agent.pk)
    tickets[0].refresh_from_db()
    assert tickets[0].assignee == agent
    # Someone outside the lead's teams is not offered, and refused by the form before any ticket changes.
    response = run(client, "assign", tickets[1:], apply="1", assignee=other_agent.pk)
    assert "Select a valid choice." in response.content.decode()
    assert not Ticket.objects.filter(assignee=other_agent).exists()
    assert Ticket.objects.filter(assignee=other_agent).count() == 0


def test_change_status_reports_each_refusal_with_its_reason(client, agent, tickets):
    client.force_login(agent)
    services.ticket_transition(actor=agent, ticket=tickets[0], to_status=Status.OPEN)
    response = run(client, "change_status", tickets, apply="1", status=Status.RESOLVED, note="Fixed upstream")
    statuses = list(Ticket.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [Status.RESOLVED, Status.NEW, Status.NEW]
    messages = said(response)
    assert "Moved 1 tickets." in messages
    assert any(m.startswith(f"{tickets[1].number}: A ticket cannot move from new to resolved.") for m in messages)
    assert any(m.startswith(f"{tickets[2].number}: ") and "Allowed: open, in_progress, closed" in m for m in messages)


def test_change_priority_and_close(client, team_lead, tickets):
    client.force_login(team_lead)
    run(client, "change_priority", tickets[:2], apply="1", priority="urgent")
    assert list(Ticket.objects.order_by("pk").values_list("priority", flat=True)) == ["urgent", "urgent", "medium"]
    run(client, "close", tickets[2:])
    tickets[2].refresh_from_db()
    assert tickets[2].status == Status.CLOSED


def test_merge_moves_the_conversation_to_the_ticket_kept(client, team_lead, customer, tickets):
    for ticket in tickets:
        services.comment_add(actor=customer, ticket=ticket, body=f"About {ticket.subject}")
    client.force_login(team_lead)
    ask = client.post(QUEUE, {"action": "merge", "_selected_action": [t.pk for t in tickets], "index": 0})
    assert "Keep this ticket" in ask.content.decode()
    response = run(client, "merge", tickets, apply="1", target=tickets[1].pk)
    assert "Merged 2 tickets into the one kept." in said(response)
    kept = tickets[1]
    assert set(Comment.objects.filter(is_internal=False).values_list("ticket_id", flat=True)) == {kept.pk}
    for gone in (tickets[0], tickets[2]):
        gone.refresh_from_db()
        assert (gone.status, gone.merged_into_id) == (Status.CLOSED, kept.pk)


def test_merge_needs_two_tickets(client, team_lead, tickets):
    client.force_login(team_lead)
    response = run(client, "merge", tickets[:1], apply="1", target=tickets[0].pk)
    assert "Select at least two tickets to merge." in response.content.decode()
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0


def test_a_bulk_action_is_bounded(client, agent, tickets, monkeypatch):
    from tickets.admin import actions

    monkeypatch.setattr(actions, "MAX_TICKETS", 2)
    client.force_login(agent)
    response = run(client, "assign_to_me", tickets)
    assert "3 tickets selected; a bulk action takes at most 2. Narrow the filter." in said(response)
    assert not Ticket.objects.filter(assignee=agent).exists()


def test_only_admins_delete_and_deleting_goes_through_the_service(client, agent, admin_user, tickets):
    client.force_login(agent)
    assert client.get(reverse("admin:tickets_ticket_delete", args=[tickets[0].pk])).status_code == 403
    client.force_login(admin_user)
    client.post(reverse("admin:tickets_ticket_delete", args=[tickets[0].pk]), {"post": "yes"})
    assert not Ticket.objects.filter(pk=tickets[0].pk).exists()
