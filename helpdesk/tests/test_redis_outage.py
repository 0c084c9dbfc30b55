"""Redis away (issue 13.1): writes are accepted, logins work, /health says "degraded", and the
notifications written meanwhile are delivered once, by the relay, when Redis is back.

Cache and broker point at a real Redis of the test's own, configured as settings.py does for a
``REDIS_URL``; the test stops it (connections refused) or freezes it (connections hang).
"""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from helpdesk.celery import app as celery_app
from tickets.models import EmailStatus, Notification, Ticket
from tickets.services.notifications import notifications_relay

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A correctness bound, not a benchmark: a request must not sit out connection retries or timeouts.
FAST = 2.0


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def drain_and_run(server) -> int:
    """Run every task the broker holds on the suite's queue, in this process, as a worker would."""
    queue = celery_app.conf.task_default_queue
    client = server.client()
    ran = 0
    while (raw := client.rpop(queue)) is not None:
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        celery_app.tasks[message["headers"]["task"]].apply(args=args, kwargs=kwargs)
        ran += 1
    return ran


@pytest.fixture
def people(db):
    customer = UserFactory(email="customer@example.com", role=Role.CUSTOMER)
    staff = UserFactory(email="admin@example.com", role=Role.ADMIN)
    return customer, staff


def test_a_ticket_is_accepted_and_its_emails_sent_once_when_redis_returns(redis_configured, people, api, client):
    customer, staff = people
    redis_configured.stop()

    created, seconds = timed(
        api(customer).post, "/api/v1/tickets", {"subject": "Printer on fire", "category": "general"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert seconds < FAST
    ticket = Ticket.objects.get(number=created.json()["number"])
    waiting = Notification.objects.filter(ticket=ticket, email_status=EmailStatus.PENDING)
    assert waiting.count() >= 1 and mail.outbox == []

    # Logins work: the API's (throttled by the cache) and the admin's (session in the database).
    login, seconds = timed(api().post, "/api/v1/auth/login", {"email": staff.email, "password": PASSWORD})
    assert login.status_code == 200 and login.json()["access"] and seconds < FAST
    admin = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert admin.status_code == 302 and admin["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    health, seconds = timed(client.get, "/health")
    assert health.status_code == 200 and seconds < FAST
    body = health.json()
    assert body["status"] == "degraded" and body["failing"] == ["cache", "broker"]
    assert body["checks"]["database"] == "ok"

    redis_configured.start()
    pending = waiting.count()
    later = timezone.now() + timedelta(minutes=1)  # past the relay's grace for fresh rows
    assert notifications_relay(now=later) == pending
    assert drain_and_run(redis_configured) == pending
    assert len(mail.outbox) == pending
    assert not Notification.objects.filter(ticket=ticket, email_status=EmailStatus.PENDING).exists()
    # A second relay finds nothing: each email went out once.
    assert notifications_relay(now=later) == 0 and drain_and_run(redis_configured) == 0
    assert len(mail.outbox) == pending
    assert client.get("/health").json()["status"] == "healthy"


def test_a_frozen_redis_costs_a_request_timeouts_of_a_fraction_of_a_second(redis_configured, people, api, client):
    customer, staff = people
    redis_configured.freeze()  # accepts connections, never answers

    created, seconds = timed(
        api(customer).post, "/api/v1/tickets", {"subject": "Printer on fire", "category": "general"}, format="json"
    )
    assert created.status_code == 201 and seconds < FAST
    assert Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
    login, seconds = timed(api().post, "/api/v1/auth/login", {"email": staff.email, "password": PASSWORD})
    assert login.status_code == 200 and seconds < FAST
    health, seconds = timed(client.get, "/health")
    assert health.json()["status"] == "degraded" and seconds < 2 * FAST


def test_a_retried_create_with_an_idempotency_key_makes_one_ticket_while_redis_is_away(redis_configured, people, api):
    """The keys live in the database, so an outage of the cache cannot turn a retry into a duplicate."""
    customer, _ = people
    redis_configured.stop()
    body = {"subject": "Retried while Redis is away", "category": "general"}
    first = api(customer).post("/api/v1/tickets", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = api(customer).post("/api/v1/tickets", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201 and again.status_code == 201, (first.content, again.content)
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.filter(subject="Retried while Redis is away").count() == 1
