"""Email delivery under crashes: the claim is a short lease, the relay re-sends a dead claim, a claim is fenced."""

from datetime import UTC, datetime, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from tickets import services
from tickets.models import EmailStatus, Notification, NotificationKind
from tickets.services.notifications import CLAIM_LEASE, notification_send_email, notifications_relay
from tickets.tasks import deliver_notification_email
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def confirmation(customer):
    """The requester's confirmation of a ticket opened an hour before T0, still waiting in the outbox."""
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        services.ticket_create(actor=customer, subject="Printer jam", category=category())
    return Notification.objects.get(recipient=customer, kind=NotificationKind.TICKET_CREATED)


def dead_claim(notification, at):
    """What a worker killed between claiming and marking leaves behind."""
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=at, email_attempts=1
    )


def test_the_lease_outlasts_the_longest_send_and_the_worst_case_is_two_minutes():
    """The pool kills a send at its time limit, well inside the lease; lease + one relay period <= 2 min."""
    soft, hard = deliver_notification_email.soft_time_limit, deliver_notification_email.time_limit
    assert settings.EMAIL_TIMEOUT < soft < hard < CLAIM_LEASE.total_seconds()
    relay_period = settings.CELERY_BEAT_SCHEDULE["notifications-relay"]["schedule"]
    assert CLAIM_LEASE.total_seconds() + relay_period <= 120


@pytest.mark.django_db
def test_a_claim_whose_worker_died_is_sent_by_the_relay_after_the_lease(confirmation, eager):
    dead_claim(confirmation, T0)

    with time_machine.travel(T0 + timedelta(seconds=59), tick=False):
        notifications_relay()  # the worker may still be sending: its lease holds
    confirmation.refresh_from_db()
    assert (confirmation.email_status, mail.outbox) == (EmailStatus.SENDING, [])

    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):  # the relay's next minute
        assert notifications_relay() == 1
    confirmation.refresh_from_db()
    assert (confirmation.email_status, confirmation.email_attempts) == (EmailStatus.SENT, 2)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<ticket-{confirmation.ticket_id}@127.0.0.1>"


@pytest.mark.django_db
def test_a_redelivered_task_leaves_a_live_claim_alone(confirmation):
    """acks_late + reject_on_worker_lost redelivers the message at once: the copy sends nothing; the relay will."""
    dead_claim(confirmation, timezone.now())
    deliver_notification_email.apply(args=[confirmation.pk])
    confirmation.refresh_from_db()
    assert (confirmation.email_status, mail.outbox) == (EmailStatus.SENDING, [])


class OtherRunMeanwhile(LocmemBackend):
    """A send that outlasts its lease (the time limit prevents it; simulated here): while it hangs, the
    relay frees the row and another run claims and sends it. The first then ends as ``OUTCOME`` says."""

    OUTCOME = "fails"
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls > 1:
            return super().send_messages(messages)
        with time_machine.travel(timezone.now() + CLAIM_LEASE + timedelta(seconds=1), tick=False):
            notifications_relay()
        if self.OUTCOME == "fails":
            raise SMTPException("451 timed out after the lease")
        return super().send_messages(messages)


@pytest.fixture
def interleaved(settings, eager):
    settings.EMAIL_BACKEND = f"{__name__}.OtherRunMeanwhile"
    OtherRunMeanwhile.calls = 0
    yield OtherRunMeanwhile


@pytest.mark.django_db
def test_a_late_failure_does_not_put_back_a_row_another_run_sent(confirmation, interleaved):
    interleaved.OUTCOME = "fails"
    with pytest.raises(SMTPException):
        notification_send_email(notification_id=confirmation.pk)
    confirmation.refresh_from_db()
    # Put back to pending, the row would go out a third time.
    assert (confirmation.email_status, confirmation.email_attempts) == (EmailStatus.SENT, 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_late_success_does_not_mark_a_claim_it_no_longer_holds(confirmation, interleaved, caplog):
    interleaved.OUTCOME = "succeeds"
    assert notification_send_email(notification_id=confirmation.pk) is True
    second_claim = Notification.objects.get(pk=confirmation.pk)
    assert (second_claim.email_status, second_claim.email_attempts) == (EmailStatus.SENT, 2)
    assert len(mail.outbox) == 2  # the duplicate a lease shorter than the send would cause
    assert "after its claim lease ran out" in caplog.text
