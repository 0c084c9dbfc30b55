"""A real task through the real broker (Redis, or the file-system queue) to a real worker process."""

import email
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from helpdesk.celery import app as celery_app
from tickets import services, tasks
from tickets.models import EmailStatus, EventKind, Notification, Ticket
from tickets.tests.factories import category

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_worker() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def running_worker(queue: str, **env: str):
    """A real Celery worker process on ``queue``, on the test database, stopped afterwards."""
    environment = {**os.environ, "DATABASE_URL": database_url_for_worker(), **env}
    command = [
        sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool=solo", "--queues", queue,
        "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=info",
    ]  # fmt: skip
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )  # noqa: S603
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(condition, worker, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and worker.poll() is None:
        if condition():
            return True
        time.sleep(0.3)
    if worker.poll() is not None:
        pytest.fail(f"The worker exited early:\n{worker.stdout.read()}")
    return condition()


@pytest.fixture
def worker_queue():
    """A worker on a queue of its own, so no other worker (or stale message) interferes."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with running_worker(queue) as worker:
        yield queue, worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_breach_sweep_sent_through_the_broker_is_run_by_a_worker(worker_queue):
    queue, worker = worker_queue
    past = timezone.now() - timedelta(days=3)
    ticket = services.ticket_create(
        actor=UserFactory(), subject="Nobody answered", category=category(), priority="urgent", now=past
    )
    assert not ticket.first_response_breached

    tasks.sla_sweep.apply_async(queue=queue)

    def breached():
        ticket.refresh_from_db()
        return ticket.first_response_breached and ticket.resolution_breached

    wait_for(breached, worker)
    assert (ticket.first_response_breached, ticket.resolution_breached) == (True, True)
    assert sorted(ticket.events.filter(kind=EventKind.SLA_BREACHED).values_list("field", flat=True)) == [
        "first_response",
        "resolution",
    ]
    assert Ticket.objects.count() == 1


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ticket_created_through_the_api_reaches_a_real_smtp_server(api, customer):
    """API -> outbox row -> broker -> real worker -> SMTP on 127.0.0.1: the requester's confirmation arrives."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        smtp_env = {"EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
        # The delivery task goes to the default queue, which the suite makes its own (conftest.py);
        # what earlier tests left there is dropped, so the worker starts on this test's message.
        queue = celery_app.conf.task_default_queue
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_declare(queue)
            connection.default_channel.queue_purge(queue)
        with running_worker(queue, **smtp_env) as worker:
            response = api(customer).post(
                "/api/v1/tickets", {"subject": "Laptop fan is loud", "category": "general"}, format="json"
            )
            assert response.status_code == 201
            number = response.json()["number"]
            assert wait_for(lambda: len(inbox.messages) >= 1, worker)
            time.sleep(1)  # anything sent twice would arrive now
    finally:
        smtp.stop()
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == customer.email
    assert number in message["Subject"]
    assert message["Message-ID"] == f"<ticket-{response.json()['id']}@127.0.0.1>"
    assert Notification.objects.get().email_status == EmailStatus.SENT
