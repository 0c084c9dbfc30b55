"""A real worker process killed (SIGKILL) in the middle of an SMTP conversation: the email still goes out, once."""

import asyncio
import socket
import threading
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.celery import app as celery_app
from tickets import services, tasks
from tickets.models import EmailStatus, Notification, NotificationKind
from tickets.services.notifications import CLAIM_LEASE, notifications_relay
from tickets.tests.factories import category
from tickets.tests.test_worker import Inbox, running_worker, wait_for


class HangingFirstData(Inbox):
    """The first DATA hangs (the worker is killed meanwhile) and is never accepted; later ones are."""

    def __init__(self) -> None:
        super().__init__()
        self.first_data = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if not self.first_data.is_set():
            self.first_data.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Client gone, message discarded"
        return await super().handle_DATA(server, session, envelope)


def purge(queue: str, delete: bool = False) -> None:
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_declare(queue)
        channel.queue_purge(queue)
        if delete:
            channel.queue_delete(queue)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_send_is_replaced_and_the_email_goes_out_once(customer):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from aiosmtpd.controller import Controller

    inbox = HangingFirstData()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    smtp_env = {"EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    default_queue, first_queue = celery_app.conf.task_default_queue, f"test-{uuid.uuid4().hex[:12]}"
    try:
        ticket = services.ticket_create(actor=customer, subject="Printer jam", category=category())
        notification = Notification.objects.get(recipient=customer, kind=NotificationKind.TICKET_CREATED)
        purge(default_queue)  # the on-commit message: this test hands the email to its first worker itself
        with running_worker(first_queue, **smtp_env) as doomed:
            tasks.deliver_notification_email.apply_async((notification.pk,), queue=first_queue)
            assert wait_for(inbox.first_data.is_set, doomed), "the worker never reached DATA"
            doomed.kill()  # SIGKILL: no cleanup, no ack, the claim stays behind
            doomed.wait()
        inbox.release.set()
        notification.refresh_from_db()
        assert notification.email_status == EmailStatus.SENDING
        claimed_at = notification.email_claimed_at

        # The relay's next run inside the lease leaves the claim alone; the first one past it re-sends.
        assert notifications_relay(now=claimed_at + CLAIM_LEASE - timedelta(seconds=1)) == 0
        with running_worker(default_queue, **smtp_env) as replacement:
            assert notifications_relay(now=claimed_at + CLAIM_LEASE + timedelta(seconds=1)) == 1
            assert wait_for(lambda: len(inbox.messages) >= 1, replacement)
            assert wait_for(
                lambda: Notification.objects.get(pk=notification.pk).email_status == EmailStatus.SENT, replacement
            )
    finally:
        inbox.release.set()
        smtp.stop()
        purge(first_queue, delete=True)
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["Message-ID"] == f"<ticket-{ticket.pk}@127.0.0.1>"
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == (EmailStatus.SENT, 2)
    assert notification.email_sent_at > claimed_at and notification.email_sent_at <= timezone.now()
