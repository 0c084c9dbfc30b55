"""New mail opens a ticket; the same message twice does nothing more; the sender becomes a customer."""

import pytest

from accounts.models import User
from mailboxes.models import InboundMessage, Outcome
from mailboxes.services import message_receive
from mailboxes.tests.mail import message
from tickets.choices import Channel
from tickets.models import Category, Notification, NotificationKind, Ticket

pytestmark = pytest.mark.django_db


def test_new_mail_opens_a_ticket_for_a_new_customer(mailbox, team):
    raw = message(cc="Bo <bo@example.com>, carla@example.com")
    record = message_receive(mailbox=mailbox, raw=raw)

    assert record.outcome == Outcome.TICKET_CREATED
    ticket = record.ticket
    assert (ticket.channel, ticket.subject, ticket.team) == (Channel.EMAIL, "The printer is on fire", team)
    assert ticket.description.startswith("Hello,\n\nthe printer on floor 2 is on fire.")
    assert "Cc: bo@example.com, carla@example.com" in ticket.description
    assert record.cc == ["bo@example.com", "carla@example.com"]
    requester = ticket.requester
    assert (requester.email, requester.full_name, requester.role) == ("ana@example.com", "Ana Lima", "customer")
    assert not requester.has_usable_password()
    assert Notification.objects.filter(recipient=requester, kind=NotificationKind.TICKET_CREATED).exists()


def test_the_sender_is_matched_to_an_existing_user_without_regard_to_case(mailbox, customer):
    record = message_receive(mailbox=mailbox, raw=message(sender="Someone <CUSTOMER@Example.COM>"))
    assert record.ticket.requester == customer
    assert User.objects.filter(email__iexact="customer@example.com").count() == 1


def test_the_same_message_twice_is_processed_once(mailbox):
    raw = message()
    first = message_receive(mailbox=mailbox, raw=raw)
    again = message_receive(mailbox=mailbox, raw=raw)
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_remembered_by_its_bytes(mailbox):
    raw = message().replace(b"Message-ID:", b"X-Old-ID:")
    first = message_receive(mailbox=mailbox, raw=raw)
    assert first.message_id.startswith("<sha256-")
    assert message_receive(mailbox=mailbox, raw=raw).pk == first.pk
    assert Ticket.objects.count() == 1


def test_a_deactivated_sender_is_refused(mailbox, customer):
    customer.is_active = False
    customer.save()
    record = message_receive(mailbox=mailbox, raw=message(sender="customer@example.com"))
    assert (record.outcome, record.ticket) == (Outcome.REFUSED, None)
    assert Ticket.objects.count() == 0


def test_without_a_team_lead_the_customer_opens_the_ticket_unrouted(mailbox, team):
    team.lead = None
    team.save()
    record = message_receive(mailbox=mailbox, raw=message())
    assert record.outcome == Outcome.TICKET_CREATED
    assert record.ticket.team is None


def test_an_empty_subject_and_body_still_make_a_ticket(mailbox):
    record = message_receive(mailbox=mailbox, raw=message(subject="", body=""))
    assert record.ticket.subject == "(no subject)"
    assert record.ticket.description == "(This email has no text.)"


def test_without_an_active_category_the_message_is_recorded_as_failed(mailbox):
    Category.objects.update(is_active=False)
    record = message_receive(mailbox=mailbox, raw=message())
    assert (record.outcome, record.ticket) == (Outcome.FAILED, None)
    assert record.reason == "there is no active category to file the ticket in"
    assert Ticket.objects.count() == 0
