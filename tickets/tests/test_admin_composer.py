"""The ticket page's composer: one send button whose mode (public reply or internal note) decides."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import Comment
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops every hour", category=category(), team=team
    )


def send(client, ticket, **data):
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    page = client.get(url)
    seen = {name: page.context["reply_form"].initial[name] for name in ("version", "last_event")}
    return client.post(url, {**seen, "_action": "send", "status": "", "priority": "", **data})


@pytest.mark.parametrize(("mode", "internal"), [("note", True), ("reply", False), ("", False), ("bogus", False)])
def test_the_mode_decides_what_is_sent(client, agent, ticket, mode, internal):
    client.force_login(agent)
    response = send(client, ticket, mode=mode, body="Looked at it.")
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.body, comment.is_internal) == ("Looked at it.", internal)


def test_the_page_offers_the_toggle_with_public_reply_checked(client, agent, ticket):
    client.force_login(agent)
    html = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert '<input type="radio" name="mode" value="reply" checked>' in html
    assert '<input type="radio" name="mode" value="note">' in html
    assert 'name="_action" value="send"' in html
    assert "helpdesk/admin/shortcuts.js" in html


def test_a_refused_note_comes_back_still_a_note(client, agent, ticket):
    client.force_login(agent)
    response = send(client, ticket, mode="note", body="")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="radio" name="mode" value="note" checked>' in html
    assert not Comment.objects.filter(ticket=ticket).exists()
