"""Required custom fields never block a ticket opened by email: mail cannot fill them."""

import pytest

from mailboxes.models import Outcome
from mailboxes.services import message_receive
from mailboxes.tests.mail import message
from tickets.models import CustomFieldValue
from tickets.tests.factories import custom_field

pytestmark = pytest.mark.django_db


def test_new_mail_opens_a_ticket_without_values_despite_required_fields(mailbox):
    custom_field("invoice_number", "text", required=True, customer_visible=True)  # every category
    custom_field("approver", "text", required=True)
    record = message_receive(mailbox=mailbox, raw=message())
    assert record.outcome == Outcome.TICKET_CREATED
    assert record.ticket.channel == "email"
    assert not CustomFieldValue.objects.filter(ticket=record.ticket).exists()
