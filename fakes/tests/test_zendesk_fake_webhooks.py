"""The Zendesk fake's webhooks: signed as Zendesk documents, with realistic ticket event payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from fakes.zendesk import FakeZendesk


@pytest.fixture
def fake():
    with FakeZendesk(subdomain="acme") as server:
        yield server
    assert server.server_errors == []


@pytest.fixture
def receiver():
    """A local endpoint that keeps what it is sent and answers 200."""
    received: list[dict[str, Any]] = []

    class Receive(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Receive)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def documented_signature(secret: str, timestamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(key = signing secret, message = timestamp + body)), from Zendesk's docs."""
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()).decode()


def test_signature_follows_the_documented_formula(fake):
    body = b'{"type":"zen:event-type:ticket.created"}'

    signature = fake.sign_webhook(body, "2026-01-02T03:04:05Z")

    assert signature == documented_signature(fake.webhook_secret, "2026-01-02T03:04:05Z", body)
    assert signature != fake.sign_webhook(body, "2026-01-02T03:04:06Z")
    assert len(base64.b64decode(signature)) == 32


def test_deliver_webhook_posts_a_signed_status_change(fake, receiver):
    url, received = receiver
    ticket = fake.create_ticket("Broken", "Body", priority="high")
    fake.set_status(ticket["id"], "solved")
    event = fake.webhook_event("ticket.status_changed", ticket["id"])

    status, answer = fake.deliver_webhook(f"{url}/integrations/zendesk/webhook?x=1", event)

    assert (status, answer) == (200, b"ok")
    [delivery] = received
    headers, body = delivery["headers"], delivery["body"]
    assert delivery["path"] == "/integrations/zendesk/webhook?x=1"
    timestamp = headers["X-Zendesk-Webhook-Signature-Timestamp"]
    assert headers["X-Zendesk-Webhook-Signature"] == documented_signature(fake.webhook_secret, timestamp, body)
    payload = json.loads(body)
    assert payload == event
    assert payload["type"] == "zen:event-type:ticket.status_changed"
    assert payload["subject"] == f"zen:ticket:{ticket['id']}" and payload["account_id"] == fake.account_id
    assert payload["event"] == {"current": "SOLVED", "previous": "NEW"}
    assert (payload["detail"]["id"], payload["detail"]["status"], payload["detail"]["priority"]) == (
        str(ticket["id"]),
        "SOLVED",
        "HIGH",
    )
    assert payload["time"].endswith("Z") and len(payload["id"]) == 36
    assert fake.webhook_deliveries[0]["status"] == 200


def test_comment_added_event_names_the_comment_and_its_author(fake):
    customer = fake.create_user("Fay", "fay@example.com")
    ticket = fake.create_ticket("Question", "Body", requester_id=customer["id"])
    comment = fake.add_comment(ticket["id"], "Any news?", author_id=customer["id"])

    event = fake.webhook_event("zen:event-type:ticket.comment_added", ticket["id"], {"actor_id": str(customer["id"])})

    assert event["event"] == {
        "comment": {
            "id": str(comment["id"]),
            "body": "Any news?",
            "is_public": True,
            "author": {"id": str(customer["id"]), "name": "Fay", "is_staff": False},
        }
    }
    assert event["detail"]["actor_id"] == str(customer["id"])


def test_webhook_headers_sign_a_body_posted_some_other_way(fake):
    body = json.dumps(fake.webhook_event("ticket.created", 7, event={})).encode()

    headers = fake.webhook_headers(body, timestamp="2026-05-06T07:08:09Z")

    assert headers["X-Zendesk-Webhook-Signature-Timestamp"] == "2026-05-06T07:08:09Z"
    assert headers["X-Zendesk-Webhook-Signature"] == documented_signature(
        fake.webhook_secret, "2026-05-06T07:08:09Z", body
    )
    assert json.loads(body)["detail"]["id"] == "7" and json.loads(body)["event"] == {}
