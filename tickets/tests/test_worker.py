"""A real task through the real broker (Redis, or the file-system queue) to a real worker process."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from tickets import services, tasks
from tickets.models import EventKind, Ticket
from tickets.tests.factories import category

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_worker() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    """Start a worker on a queue of its own, so no other worker (or stale message) interferes."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DATABASE_URL": database_url_for_worker()}
    command = [
        sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool=solo", "--queues", queue,
        "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=info",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    try:
        yield queue, worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


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

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and worker.poll() is None:
        ticket.refresh_from_db()
        if ticket.first_response_breached and ticket.resolution_breached:
            break
        time.sleep(0.5)
    if worker.poll() is not None:
        pytest.fail(f"The worker exited early:\n{worker.stdout.read()}")
    assert (ticket.first_response_breached, ticket.resolution_breached) == (True, True)
    assert sorted(ticket.events.filter(kind=EventKind.SLA_BREACHED).values_list("field", flat=True)) == [
        "first_response",
        "resolution",
    ]
    assert Ticket.objects.count() == 1
