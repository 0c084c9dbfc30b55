"""Webhooks: Zendesk's signature and freshness checked, Zoho's validation answered, work left to Celery."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from integrations.models import RemoteLink, SyncLogEntry
from integrations.sync.push import push_ticket
from integrations.tests import sync_support
from integrations.tests.sync_support import fast_desk, zendesk_connection, zoho_connection
from tickets.models import Ticket
from tickets.services import ticket_create
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db
zendesk, zoho = sync_support.zendesk, sync_support.zoho
ZENDESK_URL, ZOHO_URL = "/integrations/zendesk/webhook", "/integrations/zoho/webhook"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # rate counters and remembered signatures live there
    yield
    cache.clear()


def post_zendesk(client, fake, event, *, timestamp=None, query=""):
    body = json.dumps(event).encode()
    headers = fake.webhook_headers(body, timestamp)
    return client.post(
        ZENDESK_URL + query, data=body, content_type="application/json", headers={**headers, "Content-Type": None}
    )


def test_zendesk_signed_delivery_pulls_the_ticket(client, zendesk, customer, eager):
    connection = zendesk_connection(zendesk)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category())
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    zendesk.set_status(int(link.remote_id), "solved")

    answer = post_zendesk(client, zendesk, zendesk.webhook_event("ticket.status_changed", int(link.remote_id)))

    assert answer.status_code == 200 and answer.json()["queued"] == 1
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    assert SyncLogEntry.objects.filter(direction="webhook", outcome="ok").count() == 1


def test_zendesk_bad_signature_and_stale_timestamp_are_refused(client, zendesk):
    connection = zendesk_connection(zendesk)
    event = zendesk.webhook_event("ticket.created", 1)
    body = json.dumps(event).encode()
    headers = zendesk.webhook_headers(body)
    headers["X-Zendesk-Webhook-Signature"] = "AAAA" + headers["X-Zendesk-Webhook-Signature"][4:]
    forged = client.post(ZENDESK_URL, data=body, content_type="application/json", headers=headers)
    assert forged.status_code == 401 and forged.json()["code"] == "UNAUTHORIZED"

    for skew in (timedelta(minutes=-6), timedelta(minutes=6)):
        stamp = (datetime.now(UTC) + skew).strftime("%Y-%m-%dT%H:%M:%SZ")
        answer = post_zendesk(client, zendesk, event, timestamp=stamp, query=f"?connection={connection.pk}")
        assert answer.status_code == 401 and answer.json()["status"] == "error"
    assert SyncLogEntry.objects.filter(direction="webhook", outcome="failed").count() == 2
    assert connection.webhook_secret not in "".join(SyncLogEntry.objects.values_list("message", flat=True))
    assert client.get(ZENDESK_URL).status_code == 405


def test_zendesk_delivery_is_queued_and_answered_within_a_second(client, zendesk):
    zendesk_connection(zendesk)
    started = time.monotonic()
    answer = post_zendesk(client, zendesk, zendesk.webhook_event("ticket.comment_added", 12345))
    assert answer.status_code == 200 and answer.json()["queued"] == 1
    assert time.monotonic() - started < 1.0


def test_zoho_validation_get_and_empty_post(client, zoho):
    zoho_connection(zoho)
    assert client.get(ZOHO_URL).status_code == 200
    answer = client.post(ZOHO_URL, data=b"[]", content_type="application/json")
    assert answer.status_code == 200 and answer.json()["queued"] == 0


def test_zoho_events_pull_each_ticket_once(client, zoho, eager):
    connection = zoho_connection(zoho, webhook_secret="zoho-hook-secret-123")
    remote = zoho.create_ticket("Invoice wrong", contact_email="payer@example.com", description="Twice.")
    zoho.add_comment(remote["id"], "Refund sent.", is_public=True)
    events = zoho.events[-2:]
    url = f"{ZOHO_URL}?connection={connection.pk}"

    refused = client.post(url, data=json.dumps(events), content_type="application/json")
    assert refused.status_code == 401

    answer = client.post(url + "&secret=zoho-hook-secret-123", data=json.dumps(events), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["queued"] == 1
    link = RemoteLink.objects.get(connection=connection, remote_id=remote["id"])
    assert link.ticket.channel == "zoho" and link.ticket.comments.count() == 1


def test_a_replayed_zendesk_delivery_is_answered_but_queued_once(client, zendesk):
    connection = zendesk_connection(zendesk)
    body = json.dumps(zendesk.webhook_event("ticket.comment_added", 4242)).encode()
    headers = {**zendesk.webhook_headers(body), "Content-Type": None}

    first = client.post(ZENDESK_URL, data=body, content_type="application/json", headers=headers)
    again = client.post(ZENDESK_URL, data=body, content_type="application/json", headers=headers)

    assert first.status_code == 200 and first.json()["queued"] == 1
    assert again.status_code == 200 and again.json() == {"status": "ok", "queued": 0, "replayed": True}
    assert SyncLogEntry.objects.filter(connection=connection, direction="webhook").count() == 1
    fresh = post_zendesk(client, zendesk, zendesk.webhook_event("ticket.comment_added", 4243))
    assert fresh.json()["queued"] == 1


def test_a_down_broker_still_answers_200_at_once_and_logs_a_warning(client, zendesk, broker_down, caplog):
    zendesk_connection(zendesk)
    started = time.monotonic()
    answer = post_zendesk(client, zendesk, zendesk.webhook_event("ticket.status_changed", 777))
    elapsed = time.monotonic() - started

    assert answer.status_code == 200 and answer.json()["queued"] == 0
    # Celery's default publish policy alone sleeps 0.6 s (three retries 0.2 s apart) before giving up.
    assert elapsed < 0.5, elapsed
    assert "Could not enqueue the pull of 777" in caplog.text and "periodic pull" in caplog.text
    assert SyncLogEntry.objects.get(direction="webhook").outcome == "retry"


def test_unsigned_zoho_deliveries_are_accepted_and_rate_limited_per_connection(client, zoho, time_machine):
    # The limit counts per clock minute: start the 601 deliveries at its beginning, not across two.
    time_machine.move_to(datetime.now(UTC).replace(second=1, microsecond=0), tick=True)
    connection = zoho_connection(zoho)  # no webhook secret: unsigned deliveries are taken
    other = zoho_connection(zoho, name="Other desk", org_id="99")
    events = json.dumps([{"eventType": "Contact_Add", "payload": {"id": "1"}, "orgId": connection.org_id}])

    def deliver(to):
        return client.post(f"{ZOHO_URL}?connection={to.pk}", data=events, content_type="application/json")

    for _ in range(600):  # the documented limit
        assert deliver(connection).status_code == 200
    refused = deliver(connection)
    assert refused.status_code == 429
    assert refused.json()["code"] == "THROTTLED" and refused.json()["status"] == "error"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert deliver(other).status_code == 200


def test_the_request_log_never_shows_the_webhook_secret(client, zoho, caplog):
    connection = zoho_connection(zoho, webhook_secret="zoho-hook-secret-456")
    url = f"{ZOHO_URL}?connection={connection.pk}&secret=zoho-hook-secret-456&token=tok-789&code=c0de-1&state=st-2"
    with caplog.at_level("INFO", logger="helpdesk.requests"):
        assert client.post(url, data=b"[]", content_type="application/json").status_code == 200
        wrong = url.replace("zoho-hook-secret-456", "guessed-secret-000")
        events = json.dumps([{"eventType": "Ticket_Add", "payload": {"id": "5"}, "orgId": connection.org_id}])
        assert client.post(wrong, data=events, content_type="application/json").status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk.requests"]
    assert len(lines) == 2 and all(ZOHO_URL in line for line in lines)
    for value in ("zoho-hook-secret-456", "guessed-secret-000", "tok-789", "c0de-1", "st-2"):
        assert value not in caplog.text
