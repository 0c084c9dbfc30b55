"""Auto-replies, bulk mail and bounces are recorded and never answered; one sender cannot flood."""

import pytest

from mailboxes.models import InboundMessage, Outcome
from mailboxes.services import message_receive
from mailboxes.tests.mail import message
from tickets.models import Notification, Ticket

pytestmark = pytest.mark.django_db

DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: helpdesk@localhost
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; Customer@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

Message-ID: <ticket-1@127.0.0.1>
Subject: [TICK-20260101-0001] Ticket opened: x

--B--
"""


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Id": "<news.example.com>", "List-Unsubscribe": "<mailto:leave@example.com>"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_opens_no_ticket_and_sends_nothing(mailbox, headers):
    record = message_receive(mailbox=mailbox, raw=message(headers=headers))
    assert (record.outcome, record.ticket) == (Outcome.AUTO_REPLY, None)
    assert Ticket.objects.count() == 0
    assert Notification.objects.count() == 0


def test_auto_submitted_no_is_a_person_writing(mailbox):
    assert message_receive(mailbox=mailbox, raw=message(headers={"Auto-Submitted": "no"})).outcome == "ticket_created"


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.com", "support@example.test"])
def test_mail_from_daemons_and_from_ourselves_is_ignored(mailbox, sender):
    record = message_receive(mailbox=mailbox, raw=message(sender=sender, subject="Hello"))
    assert record.outcome in (Outcome.AUTO_REPLY, Outcome.BOUNCE)
    assert Ticket.objects.count() == 0


def test_an_out_of_office_subject_without_headers_is_ignored(mailbox):
    record = message_receive(mailbox=mailbox, raw=message(subject="Out of Office: back on Monday"))
    assert record.outcome == Outcome.AUTO_REPLY


def test_a_delivery_report_records_the_bounce_on_the_user(mailbox, customer):
    record = message_receive(mailbox=mailbox, raw=DSN)
    assert record.outcome == Outcome.BOUNCE
    customer.refresh_from_db()
    assert customer.email_bounced_at is not None
    assert customer.email_bounce_reason == "5.1.1 smtp; 550 5.1.1 User unknown"
    assert Ticket.objects.count() == 0


def test_a_sender_over_the_rate_limit_is_refused(mailbox, settings):
    settings.MAIL_SENDER_LIMIT = 3
    outcomes = [message_receive(mailbox=mailbox, raw=message(subject=f"Spam {n}")).outcome for n in range(5)]
    assert outcomes == ["ticket_created"] * 3 + ["rate_limited"] * 2
    assert Ticket.objects.count() == 3
    # Another sender is not held back by the first one's flood.
    assert message_receive(mailbox=mailbox, raw=message(sender="bo@example.com")).outcome == "ticket_created"
    assert InboundMessage.objects.filter(outcome=Outcome.RATE_LIMITED).count() == 2
