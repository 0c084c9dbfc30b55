"""Replies find their ticket by our Message-IDs, the ticket number, or a signed reply address; never by subject."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mailboxes.models import Outcome
from mailboxes.services import message_receive
from mailboxes.tests.mail import message, reply_to
from mailboxes.threads import reply_address
from tickets import services
from tickets.choices import Status
from tickets.models import Comment, Notification, NotificationKind, Ticket
from tickets.services.notifications import build_email
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


def our_email(ticket, recipient, kind=NotificationKind.TICKET_CREATED) -> bytes:
    """The raw email we sent ``recipient`` about the ticket, as their client received it."""
    notification = Notification.objects.filter(ticket=ticket, recipient=recipient, kind=kind).latest("id")
    return build_email(notification).message().as_bytes()


@pytest.fixture
def opened(mailbox):
    """A ticket Ana opened by mail, and the confirmation she received."""
    record = message_receive(mailbox=mailbox, raw=message())
    ticket = record.ticket
    return ticket, our_email(ticket, ticket.requester)


def test_our_confirmation_says_where_to_reply_and_threads(opened, mailbox):
    ticket, confirmation = opened
    text = confirmation.decode()
    assert f"Reply-To: {reply_address(mailbox.address, ticket)}" in text
    assert "Reply-To: support+r" in text
    assert f"Message-ID: <ticket-{ticket.pk}@127.0.0.1>" in text
    assert "Auto-Submitted: auto-generated" in text
    assert "Reply to this email to answer" in text


def test_a_reply_with_in_reply_to_is_a_public_comment_by_the_requester(opened, mailbox):
    ticket, confirmation = opened
    raw = reply_to(confirmation, sender="Ana Lima <ana@example.com>", body="It is out now, thanks.")
    record = message_receive(mailbox=mailbox, raw=raw)

    assert (record.outcome, record.ticket) == (Outcome.COMMENT_ADDED, ticket)
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.author, comment.is_internal, comment.body) == (ticket.requester, False, "It is out now, thanks.")
    assert "threaded by references" in record.reason


def test_a_customer_reply_moves_a_pending_ticket_back_to_open(opened, mailbox, agent):
    ticket, confirmation = opened
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.PENDING, assignee=agent)
    message_receive(mailbox=mailbox, raw=reply_to(confirmation, sender="ana@example.com", body="Here you go."))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_reply_found_by_the_ticket_number_in_the_subject(opened, mailbox):
    ticket, _ = opened
    raw = message(subject=f"Re: [{ticket.number}] something else", body="More details.")
    record = message_receive(mailbox=mailbox, raw=raw)
    assert (record.outcome, record.ticket) == (Outcome.COMMENT_ADDED, ticket)
    assert "ticket number" in record.reason


def test_a_reply_found_by_the_signed_reply_address(opened, mailbox):
    ticket, _ = opened
    raw = message(to=reply_address(mailbox.address, ticket), subject="no number here", body="Via the address.")
    record = message_receive(mailbox=mailbox, raw=raw)
    assert (record.outcome, record.ticket) == (Outcome.COMMENT_ADDED, ticket)
    assert "reply address" in record.reason


def test_the_same_subject_alone_never_threads(opened, mailbox):
    ticket, _ = opened
    record = message_receive(mailbox=mailbox, raw=message(subject=f"Re: {ticket.subject}", body="Same subject."))
    assert record.outcome == Outcome.TICKET_CREATED
    assert record.ticket != ticket


def test_a_stranger_replying_to_the_thread_gets_a_ticket_of_their_own(opened, mailbox):
    ticket, confirmation = opened
    raw = reply_to(confirmation, sender="mallory@evil.example", body="Let me in.")
    record = message_receive(mailbox=mailbox, raw=raw)
    assert record.outcome == Outcome.TICKET_CREATED
    assert record.ticket != ticket
    assert record.ticket.requester.email == "mallory@evil.example"
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert f"may not reply on {ticket.number}" in record.reason


def test_an_unknown_sender_to_a_forged_reply_address_is_refused(opened, mailbox):
    ticket, _ = opened
    forged = f"support+r{ticket.pk}-0000000000000000@example.test"
    record = message_receive(mailbox=mailbox, raw=message(sender="mallory@evil.example", to=forged))
    assert (record.outcome, record.ticket) == (Outcome.REFUSED, None)
    assert Ticket.objects.count() == 1


def test_a_reply_address_of_another_ticket_does_not_verify(opened, mailbox):
    ticket, _ = opened
    signature = reply_address(mailbox.address, ticket).split("-")[-1]
    other = f"support+r{ticket.pk + 1}-{signature}"
    record = message_receive(mailbox=mailbox, raw=message(sender="mallory@evil.example", to=other))
    assert record.outcome == Outcome.REFUSED


def test_an_agents_reply_by_mail_is_a_public_reply_from_that_agent(opened, mailbox, agent):
    ticket, _ = opened
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    services.comment_add(actor=ticket.requester, ticket=ticket, body="Any news?")
    to_agent = our_email(ticket, agent, NotificationKind.PUBLIC_REPLY)
    raw = reply_to(to_agent, sender="Agent <AGENT@example.com>", body="A technician is on the way.")
    record = message_receive(mailbox=mailbox, raw=raw)

    assert (record.outcome, record.author) == (Outcome.COMMENT_ADDED, agent)
    reply = Comment.objects.filter(ticket=ticket).latest("id")
    assert (reply.author, reply.is_internal, reply.body) == (agent, False, "A technician is on the way.")
    notified = Notification.objects.filter(
        ticket=ticket, kind=NotificationKind.PUBLIC_REPLY, recipient=ticket.requester
    )
    assert notified.exists()


def test_a_reply_to_a_merged_ticket_lands_on_the_ticket_it_went_into(opened, mailbox):
    ticket, confirmation = opened
    target = message_receive(mailbox=mailbox, raw=message(subject="Another one")).ticket
    Ticket.objects.filter(pk=ticket.pk).update(merged_into=target)
    record = message_receive(mailbox=mailbox, raw=reply_to(confirmation, sender="ana@example.com", body="Hi"))
    assert record.ticket == target


def test_a_reply_to_a_ticket_closed_past_the_reopen_window_opens_a_follow_up(opened, mailbox, settings):
    ticket, confirmation = opened
    closed_at = timezone.now() - timedelta(days=settings.REOPEN_WINDOW_DAYS + 1)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, closed_at=closed_at)
    record = message_receive(mailbox=mailbox, raw=reply_to(confirmation, sender="ana@example.com", body="Again!"))

    assert record.outcome == Outcome.TICKET_CREATED
    assert record.ticket != ticket
    assert record.ticket.follow_up_of == ticket
    assert ticket.number in record.ticket.description
    assert list(record.ticket.comments.values_list("body", flat=True)) == ["Again!"]
    assert f"follow-up to {ticket.number}" in record.reason
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_a_reply_to_a_ticket_closed_within_the_window_is_a_comment(opened, mailbox):
    ticket, confirmation = opened
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    record = message_receive(mailbox=mailbox, raw=reply_to(confirmation, sender="ana@example.com", body="Again!"))
    assert (record.outcome, record.ticket) == (Outcome.COMMENT_ADDED, ticket)


def test_without_a_mailbox_our_emails_name_no_reply_address(customer):
    ticket = services.ticket_create(actor=customer, subject="No mailbox here", category=category())
    text = our_email(ticket, customer).decode()
    assert "\nReply-To:" not in text
    assert "Reply to this email" not in text and "Reply above this line" not in text


def test_emails_about_internal_notes_invite_no_reply(opened, agent, team_lead):
    ticket, _ = opened
    services.ticket_assign(actor=team_lead, ticket=ticket, assignee=agent)
    services.comment_add(actor=team_lead, ticket=ticket, body="Between us.", is_internal=True)
    text = our_email(ticket, agent, NotificationKind.INTERNAL_NOTE).decode()
    assert "\nReply-To:" not in text and "Reply to this email" not in text


def test_another_plus_tag_is_no_reply_address(mailbox):
    record = message_receive(mailbox=mailbox, raw=message(sender="new@example.org", to="support+billing@example.test"))
    assert record.outcome == Outcome.TICKET_CREATED
