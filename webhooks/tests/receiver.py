"""A webhook receiver of the tests' own: a real HTTP server on 127.0.0.1 that checks every signature.

It does what a careful receiver does (``webhooks.signing.verify``: the HMAC over timestamp and body,
a recent timestamp) and records each request it got, with whether the signature held. Told to, it
fails: ``receiver.fail_with(500)`` (or 410, 400...), ``receiver.hang(seconds)`` to answer too late,
``receiver.answer_ok()`` to go back to 200.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from webhooks.signing import verify


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    answered: int | None

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return self.headers.get("X-Helpdesk-Event", "")

    @property
    def delivery(self) -> str:
        return self.headers.get("X-Helpdesk-Delivery", "")


class Receiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.status = 200
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers.items())
                ok = verify(
                    receiver.secret,
                    headers.get("X-Helpdesk-Timestamp", ""),
                    body,
                    headers.get("X-Helpdesk-Signature", ""),
                    now=time.time(),
                )
                with receiver.lock:
                    status, delay = (receiver.status if ok else 401), receiver.delay
                    record = Received(self.path, headers, body, ok, None)
                    receiver.received.append(record)
                if delay:
                    time.sleep(delay)
                answer = json.dumps({"ok": 200 <= status < 300, "signature": ok}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    record.answered = status
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_with(self, status: int) -> None:
        self.status, self.delay = status, 0.0

    def hang(self, seconds: float) -> None:
        self.delay = seconds

    def answer_ok(self) -> None:
        self.status, self.delay = 200, 0.0

    def events(self) -> list[str]:
        return [r.event for r in self.received]
