"""The fake Zoho server's injected failures, API credits, and webhook deliveries."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fakes.tests import zoho_support as base
from fakes.zoho import FakeZoho, _desk

# The shared fixtures: a started fake with one OAuth client, a refresh token, a Desk client.
fake, refresh_token, desk = base.fake, base.refresh_token, base.desk
new_ticket, refresh = base.new_ticket, base.refresh


# --------------------------------------------------------------------------- injected failures
def test_429_too_many_requests_without_retry_after_then_normal_service(fake, desk):
    fake.fail_next(429)

    limited = desk("GET", "/tickets")
    after = desk("GET", "/tickets")

    assert limited.status == 429
    assert limited.json == {
        "errorCode": "TOO_MANY_REQUESTS",
        "message": "The maximum number of Concurrent API Calls that can be made has been exceeded.",
    }
    assert "retry-after" not in limited.headers
    assert after.status == 204
    assert [r.path for r in fake.requests[-2:]] == ["/api/v1/tickets", "/api/v1/tickets"]
    assert fake.counters["fault_injected"] == 1


def test_429_threshold_exceeded_with_retry_after_only_on_matching_paths(fake, desk):
    fake.fail_next(429, times=2, body=FakeZoho.THRESHOLD_EXCEEDED, retry_after=30, path_contains="/tickets")

    departments = desk("GET", "/departments")
    first, second, third = (desk("GET", "/tickets") for _ in range(3))

    assert departments.status == 200
    assert (first.status, first.headers["retry-after"], first.json["errorCode"]) == (429, "30", "THRESHOLD_EXCEEDED")
    assert second.json == first.json
    assert third.status == 204


def test_a_fault_can_hit_the_token_endpoint(fake, refresh_token):
    fake.fail_next(503, path_contains="/oauth/")

    unavailable = refresh(fake, refresh_token)

    assert unavailable.status == 503 and unavailable.raw.startswith(b"<html>")
    assert "access_token" in refresh(fake, refresh_token).json


def test_500_answers_the_internal_server_error_body(fake, desk):
    fake.fail_next(500)

    answer = desk("POST", "/tickets", {"subject": "x"})

    assert (answer.status, answer.json["errorCode"]) == (500, "INTERNAL_SERVER_ERROR")
    assert fake.tickets == {} and fake.counters["ticket_create"] == 0


def test_a_delay_longer_than_the_client_timeout_provokes_a_timeout(fake, desk):
    fake.fail_next(None, delay=0.6)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        desk("GET", "/tickets", timeout=0.15)
    assert time.monotonic() - started < 0.5
    assert desk("GET", "/tickets").status == 204

    fake.fail_next(None, delay=0.1)
    slow = desk("GET", "/departments", timeout=2)
    assert slow.json["data"][0]["name"] == "Support"


def test_a_dropped_connection_closes_without_an_answer(fake, desk):
    fake.fail_next(None, drop=True)

    with pytest.raises(http.client.RemoteDisconnected):
        desk("GET", "/tickets")
    assert desk("GET", "/departments").json["data"][0]["id"] == fake.department_id
    assert len(fake.requests) == 3  # the token refresh, the dropped call, the retry


def test_api_credits_are_counted_and_running_out_is_threshold_exceeded(fake, desk):
    fake.credits_remaining = 4

    listed = desk("GET", "/tickets")
    exhausted = desk("GET", "/tickets")

    assert listed.headers["x-rate-limit-request-weight-v3"] == "3"
    assert listed.headers["x-rate-limit-remaining-v3"] == "1"
    assert exhausted.status == 429
    assert exhausted.json["errorCode"] == "THRESHOLD_EXCEEDED"
    assert exhausted.headers["retry-after"] == str(fake.threshold_retry_after)


def test_a_bug_in_the_fake_answers_500_and_is_kept_for_the_test(fake, desk, monkeypatch):
    def broken(ctx):
        raise RuntimeError("boom")

    tickets_route = next(endpoints for pattern, endpoints in _desk.ROUTES if pattern.pattern == "tickets")
    monkeypatch.setattr(tickets_route["GET"], "func", broken)

    answer = desk("GET", "/tickets")

    assert (answer.status, answer.json["errorCode"]) == (500, "INTERNAL_SERVER_ERROR")
    assert [str(error) for error in fake.errors] == ["boom"]


# --------------------------------------------------------------------------- webhooks
class Receiver:
    """A tiny webhook endpoint recording what it gets and answering ``status[method]``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, str], bytes]] = []
        self.status = {"GET": 200, "POST": 200}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append((self.command, self.path, headers, body))
                self.send_response(receiver.status[self.command])
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zoho"


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def test_deliver_webhook_posts_the_documented_array(fake, receiver):
    ticket = fake.create_ticket("Login fails")
    before = fake.get_ticket(ticket["id"])
    after = fake.set_status(ticket["id"], "Closed")

    event = fake.webhook_event("Ticket_Update", ticket["id"], prev_state=before)
    status, body = fake.deliver_webhook(receiver.url, [event, fake.webhook_event("Ticket_Add", ticket)])

    assert (status, body) == (200, b"ok")
    method, path, headers, raw = receiver.received[0]
    assert (method, path, headers["content-type"]) == ("POST", "/hooks/zoho", "application/json")
    delivered = json.loads(raw)
    assert [e["eventType"] for e in delivered] == ["Ticket_Update", "Ticket_Add"]
    assert set(delivered[0]) == {"eventType", "eventTime", "orgId", "payload", "prevState"}
    assert "prevState" not in delivered[1]
    assert delivered[0]["orgId"] == fake.org_id and delivered[0]["eventTime"].isdigit()
    assert delivered[0]["payload"] == after
    assert (delivered[0]["prevState"]["status"], delivered[0]["payload"]["statusType"]) == ("Open", "Closed")


def test_validate_webhook_gets_then_posts_when_the_get_is_refused(fake, receiver):
    assert fake.validate_webhook(receiver.url) == (200, b"ok")
    receiver.status["GET"] = 405

    assert fake.validate_webhook(receiver.url)[0] == 200
    assert [entry[0] for entry in receiver.received] == ["GET", "GET", "POST"]

    receiver.status["POST"] = 500
    assert fake.validate_webhook(receiver.url)[0] == 500
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    assert fake.validate_webhook(f"http://127.0.0.1:{port}/")[0] is None


def test_registered_webhooks_get_published_events_and_410_unsubscribes(fake, desk, receiver):
    created = desk(
        "POST",
        "/webhooks",
        {"url": receiver.url, "subscriptions": {"Ticket_Add": None, "Ticket_Update": {"includePrevState": True}}},
    )
    assert created.status == 200, created.raw
    assert receiver.received[0][0] == "GET"  # the validation call
    ticket = new_ticket(desk)
    desk("PATCH", f"/tickets/{ticket['id']}", {"status": "On Hold"})
    desk("POST", f"/tickets/{ticket['id']}/comments", {"content": "not subscribed", "isPublic": True})

    assert fake.publish() == [(created.json["id"], 200)]

    batch = json.loads(receiver.received[-1][3])
    assert [e["eventType"] for e in batch] == ["Ticket_Add", "Ticket_Update"]
    assert batch[1]["prevState"]["status"] == "Open" and batch[1]["payload"]["status"] == "On Hold"
    assert fake.publish() == []  # nothing new
    receiver.status["POST"] = 410
    desk("PATCH", f"/tickets/{ticket['id']}", {"status": "Closed"})
    assert fake.publish() == [(created.json["id"], 410)]
    assert desk("GET", "/webhooks").status == 204
    receiver.status["GET"] = 404  # and POST still answers 410: validation fails
    refused = desk("POST", "/webhooks", {"url": receiver.url, "subscriptions": {"Ticket_Add": None}})
    assert (refused.status, refused.json["errors"][0]["fieldName"]) == (422, "/url")
    unknown = desk("POST", "/webhooks", {"url": receiver.url, "subscriptions": {"Ticket_Explode": None}})
    assert unknown.json["errors"][0]["fieldName"] == "/subscriptions/Ticket_Explode"
