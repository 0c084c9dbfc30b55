"""End to end: tickets driven through the API, the portal and the email channel fire each event once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mailboxes.models import Mailbox
from mailboxes.services import message_receive
from mailboxes.tests.mail import message, reply_to
from tickets.models import Notification, NotificationKind, Ticket
from tickets.services.notifications import build_email
from tickets.tests.factories import category
from webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


def delivered(receiver):
    """(event, ticket id, change kinds) of what the receiver got, every signature checked."""
    assert all(r.signature_ok for r in receiver.received)
    assert len({r.delivery for r in receiver.received}) == len(receiver.received)  # no delivery twice
    return [(r.event, r.json["ticket"]["id"], [c["kind"] for c in r.json["changes"]]) for r in receiver.received]


def test_through_the_api(api, commit, endpoint, receiver, agent, customer, manager):
    client = api(agent)
    with commit():
        created = client.post(
            "/api/v1/tickets",
            {"subject": "Database down", "category": "technical", "priority": "high", "requester_id": customer.pk},
            format="json",
        )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    url = f"/api/v1/tickets/{pk}"
    with commit():
        assert (
            client.post(f"{url}/comments", {"body": "Looking", "is_internal": False}, format="json").status_code == 201
        )
    with commit():
        assert (
            client.post(f"{url}/comments", {"body": "Staff only", "is_internal": True}, format="json").status_code
            == 201
        )
    with commit():
        assigned = api(manager).put(f"{url}/assign", {"assignee_id": agent.pk}, format="json")
        assert assigned.status_code == 200, assigned.json()
    with commit():
        assert (
            client.patch(url, {"subject": "Database down again", "priority": "urgent"}, format="json").status_code
            == 200
        )
    with commit():
        assert client.post(f"{url}/resolve", {"resolution_notes": "Restarted"}, format="json").status_code == 200
    assert delivered(receiver) == [
        ("ticket.created", pk, ["created"]),
        ("ticket.commented", pk, ["comment_added"]),  # the internal note is not sent: the endpoint did not ask
        ("ticket.updated", pk, ["assigned"]),
        ("ticket.status_changed", pk, ["status_changed"]),
        ("ticket.updated", pk, ["updated", "priority_changed"]),
        ("ticket.status_changed", pk, ["resolved"]),
    ]
    resolved = receiver.received[-1].json
    assert resolved["ticket"] == {**client.get(url).json(), "sla_state": resolved["ticket"]["sla_state"]}
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 6


def test_a_failed_api_write_fires_nothing(api, commit, endpoint, receiver, customer):
    with commit():
        refused = api(customer).post("/api/v1/tickets", {"subject": "", "category": "technical"}, format="json")
    assert refused.status_code == 400
    assert receiver.received == [] and not Delivery.objects.exists()


def test_through_the_portal(client, commit, endpoint, receiver, customer):
    client.force_login(customer)
    with commit():
        client.post(
            reverse("portal:ticket-new"),
            {
                "subject": "Printer jams",
                "description": "Every page",
                "category": category("technical").pk,
                "priority": "low",
            },
        )
    ticket = Ticket.objects.get()
    with commit():
        client.post(reverse("portal:ticket", args=[ticket.pk]), {"_action": "reply", "body": "Still jamming"})
    assert delivered(receiver) == [
        ("ticket.created", ticket.pk, ["created"]),
        ("ticket.commented", ticket.pk, ["comment_added"]),
    ]
    assert receiver.received[0].json["ticket"]["channel"] == "portal"
    assert receiver.received[1].json["comment"]["body"] == "Still jamming"


@pytest.fixture
def mailbox(team):
    return Mailbox.objects.create(
        name="Support", address="support@example.test", is_default=True, imap_host="", team=team, category=category()
    )


def test_through_the_email_channel(commit, endpoint, receiver, mailbox):
    raw = message()
    with commit():
        ticket = message_receive(mailbox=mailbox, raw=raw).ticket
    with commit():
        message_receive(mailbox=mailbox, raw=raw)  # the same message again (a second poll): nothing more
    notification = Notification.objects.filter(
        ticket=ticket, recipient=ticket.requester, kind=NotificationKind.TICKET_CREATED
    ).latest("id")
    confirmation = build_email(notification).message().as_bytes()
    with commit():
        message_receive(mailbox=mailbox, raw=reply_to(confirmation, sender="ana@example.com", body="It is out now."))
    events = delivered(receiver)
    assert [event for event, _pk, _kinds in events] == ["ticket.created", "ticket.commented"]
    created = receiver.received[0].json
    assert created["ticket"]["channel"] == "email" and created["ticket"]["requester"]["email"] == "ana@example.com"
    # The team's auto-assignment (if any) rides in the created delivery rather than firing on its own.
    assert created["changes"][0]["kind"] == "created"
    assert receiver.received[1].json["comment"]["body"] == "It is out now."
