"""Polling a real Dovecot: read once, flag or move, survive a crash between processing and flagging."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mailboxes.imap import KEYWORD, MailboxError, mailbox_poll, mailbox_test_connection
from mailboxes.models import AfterProcessing, InboundMessage, Mailbox, Outcome
from mailboxes.services import message_receive
from mailboxes.tasks import poll_all
from mailboxes.tests.mail import message
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_poll_turns_new_mail_into_tickets_and_flags_it(imap_mailbox, imap):
    imap.append(message(subject="First"))
    imap.append(message(sender="bo@example.com", subject="Second"))

    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["First", "Second"]
    assert all("\\Seen" in flags and KEYWORD in flags for _, flags in imap.messages())
    imap_mailbox.refresh_from_db()
    assert (imap_mailbox.last_error, imap_mailbox.poll_lease_until) == ("", None)
    assert imap_mailbox.last_polled_at is not None

    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 0  # nothing new
    assert Ticket.objects.count() == 2


def test_a_crash_between_processing_and_flagging_neither_loses_nor_duplicates(imap_mailbox, imap):
    raw = message(subject="Processed, then the worker died")
    imap.append(raw)
    message_receive(mailbox=imap_mailbox, raw=raw)  # what the dead worker did before flagging
    assert KEYWORD not in imap.messages()[0][1]

    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 1
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert KEYWORD in imap.messages()[0][1]


def test_a_poll_can_move_processed_mail_to_a_folder(imap_mailbox, imap):
    imap_mailbox.after_processing, imap_mailbox.processed_folder = AfterProcessing.MOVE, "Done"
    imap_mailbox.save()
    imap.append(message(subject="Move me"))

    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 1
    assert imap.messages() == []
    assert len(imap.messages("Done")) == 1
    assert Ticket.objects.get().subject == "Move me"
    imap.empty("Done")


def test_a_mailbox_held_by_another_poll_is_skipped(imap_mailbox, imap):
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(poll_lease_until=timezone.now() + timedelta(minutes=5))
    imap.append(message())
    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 0
    assert Ticket.objects.count() == 0
    # A lease whose worker died runs out, and the next poll reads the mail.
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(poll_lease_until=timezone.now() - timedelta(seconds=1))
    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 1


def test_a_wrong_password_is_recorded_without_the_password(imap_mailbox, imap):
    imap_mailbox.imap_password = "wrong-secret-password"
    imap_mailbox.save()
    imap.append(message())

    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 0
    imap_mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in imap_mailbox.last_error or "failed" in imap_mailbox.last_error.lower()
    assert "wrong-secret-password" not in imap_mailbox.last_error
    assert imap_mailbox.poll_lease_until is None
    with pytest.raises(MailboxError):
        mailbox_test_connection(mailbox=imap_mailbox)


def test_a_server_that_does_not_answer_is_recorded(imap_mailbox):
    imap_mailbox.imap_port = 1
    imap_mailbox.save()
    assert mailbox_poll(mailbox_id=imap_mailbox.pk) == 0
    imap_mailbox.refresh_from_db()
    assert "ConnectionRefusedError" in imap_mailbox.last_error


def test_test_connection_says_what_is_there(imap_mailbox, imap):
    imap.append(message())
    assert mailbox_test_connection(mailbox=imap_mailbox) == f"Connected to {imap.host}: 1 message(s) in INBOX."


def test_the_beat_task_polls_every_active_mailbox(imap_mailbox, imap, eager):
    imap.append(message(subject="Through beat"))
    Mailbox.objects.create(name="Gateway only", address="sales@example.test")  # no IMAP host: not polled
    poll_all()
    record = InboundMessage.objects.get()
    assert (record.outcome, record.ticket.subject) == (Outcome.TICKET_CREATED, "Through beat")


def test_the_password_is_stored_encrypted(imap_mailbox, imap):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM mailboxes_mailbox WHERE id = %s", [imap_mailbox.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAAA") and imap.password not in stored
    assert Mailbox.objects.get(pk=imap_mailbox.pk).imap_password == imap.password


def test_the_lease_outlasts_the_polling_tasks_time_limit():
    from mailboxes.imap import LEASE
    from mailboxes.tasks import poll_mailbox

    assert poll_mailbox.soft_time_limit < poll_mailbox.time_limit < LEASE.total_seconds()
