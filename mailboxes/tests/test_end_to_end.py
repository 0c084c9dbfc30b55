"""The whole conversation by mail, through a real Dovecot (IMAP) and a real SMTP server (aiosmtpd).

A customer mails in, gets the confirmation, replies from their client with its real
headers, an agent answers in the console, and the customer's second reply lands on the same
ticket. And an auto-responder on the customer's side cannot start a loop.
"""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from faults.procs import free_port
from mailboxes.imap import mailbox_poll
from mailboxes.models import InboundMessage, Outcome
from mailboxes.tests.mail import message, reply_to
from tickets import services
from tickets.choices import Status
from tickets.models import Comment, EmailStatus, Notification, Ticket
from tickets.services.notifications import notification_send_email

pytestmark = pytest.mark.django_db

ANA = "Ana Lima <ana@example.com>"


class Sink:
    """aiosmtpd's handler: keeps every message with its envelope recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[bytes]:
        return [raw for rcpts, raw in self.received if address in rcpts]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that our outgoing email goes to."""
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield sink
    controller.stop()


def deliver_outbox() -> int:
    """What the workers do with the outbox: send every waiting email (through real SMTP)."""
    pending = Notification.objects.filter(email_status=EmailStatus.PENDING).values_list("pk", flat=True)
    return sum(notification_send_email(notification_id=pk) for pk in list(pending))


def mail_in(imap, mailbox, raw: bytes) -> InboundMessage:
    """The customer's client sends; the message lands in the mailbox; beat's poll reads it."""
    before = set(InboundMessage.objects.values_list("pk", flat=True))
    imap.append(raw)
    assert mailbox_poll(mailbox_id=mailbox.pk) == 1
    return InboundMessage.objects.exclude(pk__in=before).get()


def headers(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_a_customer_and_an_agent_talk_by_mail_on_one_ticket(imap_mailbox, imap, smtp, client, agent):
    # 1. Ana writes to support.
    first = mail_in(imap, imap_mailbox, message(sender=ANA, subject="VPN drops every hour", body="Since Monday."))
    ticket = first.ticket
    assert (first.outcome, ticket.channel) == (Outcome.TICKET_CREATED, "email")

    # 2. She gets the confirmation by SMTP, threaded, saying where to reply.
    deliver_outbox()
    [confirmation] = smtp.to("ana@example.com")
    sent = headers(confirmation)
    assert sent["Message-ID"] == f"<ticket-{ticket.pk}@127.0.0.1>"
    assert sent["Reply-To"].startswith(f"support+r{ticket.pk}-")
    assert f"[{ticket.number}]" in sent["Subject"]
    assert sent["Auto-Submitted"] == "auto-generated"
    assert "Reply to this email" in sent.get_body(preferencelist=("plain",)).get_content()

    # 3. She replies from her mail client: Re:, In-Reply-To, References, the quoted confirmation.
    raw = reply_to(confirmation, sender=ANA, body="It happened again at 10:00.")
    assert headers(raw)["To"] == sent["Reply-To"]
    second = mail_in(imap, imap_mailbox, raw)
    assert (second.outcome, second.ticket) == (Outcome.COMMENT_ADDED, ticket)
    assert Comment.objects.get(ticket=ticket).body == "It happened again at 10:00."

    # 4. An agent takes the ticket, answers in the console and asks for details (pending).
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    client.force_login(agent)
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    initial = page.context["fields_form"].initial
    response = client.post(
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        {
            "version": initial["version"],
            "last_event": initial["last_event"],
            "body": "Which VPN client version do you use?",
            "status": Status.PENDING,
            "_action": "reply",
        },
    )
    assert response.status_code == 302
    deliver_outbox()
    answer = smtp.to("ana@example.com")[-1]
    sent = headers(answer)
    assert sent["In-Reply-To"] == f"<ticket-{ticket.pk}@127.0.0.1>"
    assert "Which VPN client version do you use?" in sent.get_body(preferencelist=("plain",)).get_content()
    assert "Auto-Submitted" not in sent  # a person wrote it

    # 5. Her second reply, to the agent's email, lands on the same ticket and reopens it.
    third = mail_in(imap, imap_mailbox, reply_to(answer, sender=ANA, body="Version 5.2, on Windows."))
    assert (third.outcome, third.ticket) == (Outcome.COMMENT_ADDED, ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    bodies = list(Comment.objects.filter(ticket=ticket).order_by("id").values_list("author__email", "body"))
    assert bodies == [
        ("ana@example.com", "It happened again at 10:00."),
        ("agent@example.com", "Which VPN client version do you use?"),
        ("ana@example.com", "Version 5.2, on Windows."),
    ]
    assert Ticket.objects.count() == 1
    assert all(flags.count("HelpdeskProcessed") == 1 for _, flags in imap.messages())


def autoresponder(received: bytes, *, polite: bool) -> bytes:
    """Ana's out-of-office answer: a polite one says so in its headers (RFC 3834), a naive one does not."""
    original = headers(received)
    extra = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"} if polite else {}
    return message(
        sender=ANA,
        to=str(original.get("Reply-To") or original["From"]),
        subject=f"Re: {original['Subject']}",
        body="I am away until Monday.",
        headers={"In-Reply-To": str(original["Message-ID"]), **extra},
    )


@pytest.mark.parametrize("polite", [True, False])
def test_an_auto_responder_gets_one_message_and_the_exchange_stops(imap_mailbox, imap, smtp, polite):
    mail_in(imap, imap_mailbox, message(sender=ANA, subject="Printer"))
    answered = 0
    for _ in range(4):  # both sides answer whatever they get, for a few rounds
        deliver_outbox()
        for raw in smtp.to("ana@example.com")[answered:]:
            answered += 1
            mail_in(imap, imap_mailbox, autoresponder(raw, polite=polite))
    deliver_outbox()

    assert len(smtp.to("ana@example.com")) == 1  # the confirmation, and nothing after it
    assert Ticket.objects.count() == 1
    outcomes = list(InboundMessage.objects.order_by("id").values_list("outcome", flat=True))
    expected = Outcome.AUTO_REPLY if polite else Outcome.COMMENT_ADDED
    assert outcomes == [Outcome.TICKET_CREATED, expected]
