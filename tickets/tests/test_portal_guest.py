"""Guests in the portal: a ticket without an account, followed through a secret link sent by email."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.choices import Status
from tickets.models import GuestLink, Notification, NotificationKind, Ticket
from tickets.tasks import deliver_notification_email
from tickets.tests.factories import category

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = pytest.mark.django_db


def submit(client, email="walk.in@example.org", **extra):
    data = {
        "email": email,
        "name": "Wanda Walkin",
        "subject": "Wi-Fi in meeting room 2",
        "description": "It drops every ten minutes.",
        "category": category("technical").pk,
        "priority": "medium",
        **extra,
    }
    return client.post(reverse("portal:guest-new"), data, follow=True)


def emailed_link(ticket) -> str:
    """Send the confirmation the way the worker does, and take the link out of it."""
    confirmation = Notification.objects.get(
        ticket=ticket, recipient=ticket.requester, kind=NotificationKind.TICKET_CREATED
    )
    deliver_notification_email.apply(args=[confirmation.pk])
    body = mail.outbox[-1].body
    return re.search(r"https?://[^\s]+(/portal/guest/[^/\s]+/)", body).group(1)


def test_a_guest_submits_and_gets_the_link_by_email_only(client):
    response = submit(client, files=SimpleUploadedFile("wifi.png", PNG, content_type="image/png"))
    ticket = Ticket.objects.get()
    html = response.content.decode()
    assert ticket.number in html
    # Whoever typed the address may not own it: the secret link goes to the mailbox only.
    assert not re.search(r"/portal/guest/(?!new/|link/)[^/\"]+/", html)
    assert ticket.requester.email == "walk.in@example.org" and not ticket.requester.has_usable_password()
    assert ticket.channel == "portal"
    assert [a.filename for a in ticket.attachments.all()] == ["wifi.png"]
    link = emailed_link(ticket)
    assert link.startswith("/portal/guest/")
    assert f"/portal/tickets/{ticket.pk}/" not in mail.outbox[-1].body


def test_the_link_shows_the_ticket_and_takes_replies_and_files(client, agent):
    submit(client)
    ticket = Ticket.objects.get()
    link = emailed_link(ticket)
    from tickets import services

    services.comment_add(actor=agent, ticket=ticket, body="Which floor?")
    services.comment_add(actor=agent, ticket=ticket, body="Guest on floor 2, AP-7 flaky", is_internal=True)
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Which floor?" in html and "AP-7 flaky" not in html
    response = client.post(
        link, {"_action": "reply", "body": "Second floor.", "files": SimpleUploadedFile("f.png", PNG, "image/png")}
    )
    assert response.status_code == 302
    reply = ticket.comments.filter(is_internal=False).last()
    assert (reply.body, reply.author) == ("Second floor.", ticket.requester)
    file = reply.attachments.get()
    download = client.get(f"{link}files/{file.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG


def test_a_link_reaches_nothing_of_another_ticket(client):
    submit(client)
    first = Ticket.objects.get()
    link = emailed_link(first)
    submit(client, email="someone.else@example.org", files=SimpleUploadedFile("x.png", PNG, "image/png"))
    other_file = Ticket.objects.exclude(pk=first.pk).get().attachments.get()
    assert client.get(f"{link}files/{other_file.pk}/").status_code == 404


def test_tampered_and_revoked_links_do_not_work(client):
    submit(client)
    ticket = Ticket.objects.get()
    link = emailed_link(ticket)
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert client.get(tampered).status_code == 404
    response = client.post(link, {"_action": "revoke"})
    assert response.status_code == 302
    assert GuestLink.objects.get().revoked_at is not None
    gone = client.get(link)
    assert gone.status_code == 404 and "This link does not work" in gone.content.decode()


def test_asking_for_the_link_again_answers_the_same_whoever_asks(client):
    submit(client)
    ticket = Ticket.objects.get()
    sent_before = len(mail.outbox)
    right = client.post(
        reverse("portal:guest-renew"), {"email": "walk.in@example.org", "number": ticket.number}, follow=True
    )
    wrong = client.post(
        reverse("portal:guest-renew"), {"email": "mallory@example.org", "number": ticket.number}, follow=True
    )
    message = "If that address asked for that ticket, a new link is on its way."
    assert message in right.content.decode() and message in wrong.content.decode()
    assert GuestLink.objects.filter(ticket=ticket).count() == 2
    assert len(mail.outbox) >= sent_before  # the new link travels through the outbox


def test_staff_addresses_are_refused(client, agent):
    response = submit(client, email=agent.email)
    assert "Staff open tickets from the console." in response.content.decode()
    assert not Ticket.objects.exists()


def test_guests_can_rate_after_resolution(client, agent):
    from tickets import services

    submit(client)
    ticket = Ticket.objects.get()
    link = emailed_link(ticket)
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    services.ticket_resolve(actor=agent, ticket=ticket)
    client.post(link, {"_action": "rate", "score": "5"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.satisfaction_rating.score == 5
