"""The customer portal's ticket pages: new ticket, my tickets, a ticket's public conversation, its actions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment, Notification, NotificationKind, Ticket
from tickets.tasks import deliver_notification_email
from tickets.tests.factories import category

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%%EOF\n"

pytestmark = pytest.mark.django_db


def new_ticket(customer, subject="VPN drops every hour", **kwargs):
    return services.ticket_create(actor=customer, subject=subject, category=category(), **kwargs)


def page(ticket):
    return reverse("portal:ticket", args=[ticket.pk])


class TestNewTicket:
    def test_anonymous_visitors_get_the_welcome_page_and_must_log_in_for_tickets(self, client):
        welcome = client.get(reverse("portal:home"))
        assert welcome.status_code == 200
        html = welcome.content.decode()
        assert reverse("portal:guest-new") in html and reverse("account:login") in html
        response = client.get(reverse("portal:ticket-new"))
        assert response.status_code == 302 and response.url.startswith(reverse("account:login"))

    def test_a_customer_opens_a_ticket_with_files_and_gets_number_and_email(self, client, customer):
        client.force_login(customer)
        response = client.post(
            reverse("portal:ticket-new"),
            {
                "subject": "Printer jams",
                "description": "Every second page.",
                "category": category("technical").pk,
                "priority": "high",
                "files": [
                    SimpleUploadedFile("jam.png", PNG, content_type="image/png"),
                    SimpleUploadedFile("log.pdf", PDF, content_type="application/pdf"),
                ],
            },
            follow=True,
        )
        ticket = Ticket.objects.get()
        assert response.redirect_chain[-1][0] == page(ticket)
        assert f"Your ticket number is {ticket.number}" in response.content.decode()
        assert (ticket.requester, ticket.channel, ticket.priority) == (customer, "portal", "high")
        assert sorted(ticket.attachments.values_list("filename", flat=True)) == ["jam.png", "log.pdf"]
        confirmation = Notification.objects.get(recipient=customer, kind=NotificationKind.TICKET_CREATED)
        deliver_notification_email.apply(args=[confirmation.pk])
        assert len(mail.outbox) == 1 and ticket.number in mail.outbox[0].subject
        assert f"/portal/tickets/{ticket.pk}/" in mail.outbox[0].body

    def test_a_refused_file_names_the_file_and_creates_nothing(self, client, customer):
        client.force_login(customer)
        response = client.post(
            reverse("portal:ticket-new"),
            {
                "subject": "Tool",
                "description": "See attached.",
                "category": category().pk,
                "priority": "low",
                "files": [SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")],
            },
        )
        assert response.status_code == 400
        assert "tool.exe" in response.context["form"].errors["files"][0]
        assert not Ticket.objects.exists() and not Attachment.objects.exists()

    def test_missing_fields_are_reported_and_nothing_is_created(self, client, customer):
        client.force_login(customer)
        response = client.post(reverse("portal:ticket-new"), {"subject": "", "priority": "low"})
        assert response.status_code == 400
        assert set(response.context["form"].errors) >= {"subject", "description", "category"}
        assert not Ticket.objects.exists()

    def test_posts_need_the_csrf_token(self, customer):
        client = Client(enforce_csrf_checks=True)
        client.force_login(customer)
        response = client.post(reverse("portal:ticket-new"), {"subject": "x", "description": "y"})
        assert response.status_code == 403
        assert not Ticket.objects.exists()


class TestMyTickets:
    def test_open_and_closed_filters_and_search(self, client, customer, agent):
        vpn = new_ticket(customer)
        printer = new_ticket(customer, "Printer jams")
        services.ticket_close(actor=agent, ticket=printer)
        client.force_login(customer)
        listed = lambda **query: [t.subject for t, _ in client.get(reverse("portal:tickets"), query).context["rows"]]  # noqa: E731
        assert listed() == [vpn.subject]
        assert listed(state="closed") == ["Printer jams"]
        assert sorted(listed(state="all")) == ["Printer jams", vpn.subject]
        assert listed(state="all", q="printer") == ["Printer jams"]

    def test_organization_tickets_when_it_shares_and_never_other_organizations(
        self, client, customer, org, other_customer
    ):
        colleague = UserFactory(email="colleague@example.com", role=Role.CUSTOMER, organization=org)
        theirs = new_ticket(other_customer, "Other company's ticket")
        shared = new_ticket(colleague, "Colleague's ticket")
        client.force_login(customer)
        org.shares_tickets = False
        org.save()
        assert [t for t, _ in client.get(reverse("portal:tickets")).context["rows"]] == []
        org.shares_tickets = True
        org.save()
        assert [t for t, _ in client.get(reverse("portal:tickets")).context["rows"]] == [shared]
        assert client.get(page(theirs)).status_code == 404


class TestTicketPage:
    def test_public_conversation_only(self, client, customer, agent):
        ticket = new_ticket(customer)
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.comment_add(actor=agent, ticket=ticket, body="We are on it.")
        services.comment_add(actor=agent, ticket=ticket, body="Customer's VPN profile is corrupt", is_internal=True)
        client.force_login(customer)
        html = client.get(page(ticket)).content.decode()
        assert "We are on it." in html
        assert "VPN profile is corrupt" not in html
        assert agent.email not in html  # assignment events are not the customer's business
        assert "Ticket received" in html

    def test_files_of_internal_notes_and_other_tickets_are_not_found(self, client, customer, other_customer, agent):
        mine, theirs = new_ticket(customer), new_ticket(other_customer)
        note = services.comment_add(actor=agent, ticket=mine, body="internal", is_internal=True)
        secret = services.attachment_add(
            actor=agent, ticket=mine, comment=note, upload=SimpleUploadedFile("x.png", PNG, content_type="image/png")
        )
        other = services.attachment_add(
            actor=other_customer, ticket=theirs, upload=SimpleUploadedFile("y.png", PNG, content_type="image/png")
        )
        public = services.attachment_add(
            actor=customer, ticket=mine, upload=SimpleUploadedFile("z.png", PNG, content_type="image/png")
        )
        client.force_login(customer)
        url = lambda ticket, file: reverse("portal:attachment", args=[ticket.pk, file.pk])  # noqa: E731
        assert client.get(url(mine, secret)).status_code == 404
        assert client.get(url(mine, other)).status_code == 404
        assert client.get(url(theirs, other)).status_code == 404
        download = client.get(url(mine, public))
        assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
        assert download["X-Content-Type-Options"] == "nosniff"

    def test_a_reply_on_a_pending_ticket_moves_it_back_to_open(self, client, customer, agent):
        ticket = new_ticket(customer)
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING)
        client.force_login(customer)
        response = client.post(
            page(ticket),
            {"_action": "reply", "body": "Here it is.", "files": SimpleUploadedFile("s.png", PNG, "image/png")},
        )
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
        reply = ticket.comments.get()
        assert (reply.body, reply.author, reply.is_internal) == ("Here it is.", customer, False)
        assert [a.filename for a in reply.attachments.all()] == ["s.png"]

    def test_mark_resolved_then_reopen_within_the_window(self, client, customer, agent):
        ticket = new_ticket(customer)
        client.force_login(customer)
        # A new ticket cannot be resolved (the workflow table), so the button is not offered yet.
        assert client.get(page(ticket)).context["can_resolve"] is False
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        assert client.get(page(ticket)).context["can_resolve"] is True
        client.post(page(ticket), {"_action": "resolve"})
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
        client.post(page(ticket), {"_action": "reopen", "reason": "Still broken"})
        ticket.refresh_from_db()
        assert ticket.status == Status.REOPENED

    def test_reopening_after_the_window_is_refused_with_the_reason(self, client, customer, agent, settings):
        ticket = new_ticket(customer)
        services.ticket_close(actor=agent, ticket=ticket, now=timezone.now() - timedelta(days=30))
        client.force_login(customer)
        response = client.get(page(ticket))
        assert response.context["can_reopen"] is False
        response = client.post(page(ticket), {"_action": "reopen"}, follow=True)
        assert "within 7 days of closing" in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED

    def test_rating_after_resolution(self, client, customer, agent):
        ticket = new_ticket(customer)
        client.force_login(customer)
        assert client.get(page(ticket)).context["can_rate"] is False
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.ticket_resolve(actor=agent, ticket=ticket)
        response = client.post(page(ticket), {"_action": "rate", "score": "4", "comment": "Quick, thanks"})
        assert response.status_code == 302
        assert (ticket.satisfaction_rating.score, ticket.satisfaction_rating.comment) == (4, "Quick, thanks")
        bad = client.post(page(ticket), {"_action": "rate", "score": "9"})
        assert bad.status_code == 400
        ticket.refresh_from_db()
        assert ticket.satisfaction_rating.score == 4

    def test_the_page_runs_a_constant_number_of_queries(self, client, customer, agent, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        ticket = new_ticket(customer)
        services.comment_add(actor=agent, ticket=ticket, body="first")
        client.force_login(customer)
        with CaptureQueriesContext(connection) as few:
            client.get(page(ticket))
        for index in range(15):
            services.comment_add(actor=agent, ticket=ticket, body=f"reply {index}")
        with django_assert_max_num_queries(len(few)):
            assert client.get(page(ticket)).status_code == 200


def test_not_found_pages_are_the_portals_own(client, customer, other_customer):
    theirs = new_ticket(other_customer)
    client.force_login(customer)
    response = client.get(page(theirs))
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html and theirs.subject not in html
