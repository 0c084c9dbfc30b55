"""The HTTP side: one ThreadingHTTPServer answering Accounts and Desk, with recording and faults."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import _accounts, _desk
from ._errors import INTERNAL_SERVER_ERROR, TOO_MANY_REQUESTS, Response, not_found
from ._wire import Fault, RecordedRequest

_GATEWAY_PAGE = b"<html><head><title>%d</title></head><body><h1>Service temporarily unavailable</h1></body></html>"


def _fault_response(fault: Fault) -> Response:
    status = fault.status or 500
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.body is not None:
        return Response(status, fault.body, headers)
    if status == 429:
        return Response(status, dict(TOO_MANY_REQUESTS), headers)
    if status in (502, 503, 504):  # gateways answer HTML, not the API's JSON
        return Response(status, _GATEWAY_PAGE % status, headers)
    if status >= 500:
        return Response(status, dict(INTERNAL_SERVER_ERROR), headers)
    return Response(status, {"errorCode": "BAD_REQUEST", "message": "Injected failure."}, headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "ZGS"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        with fake.lock:
            fake.requests.append(RecordedRequest(method, self.path, headers, body))
        fault = fake.take_fault(self.path)
        if fault is not None:
            if fault.delay:
                fake._stopping.wait(fault.delay)
            if fault.drop:
                self.close_connection = True
                return
            if fault.status not in (None, 200):
                self._send(_fault_response(fault))
                return
        try:
            answer = self._dispatch(fake, method, body, headers)
        except Exception as exc:  # a bug in the fake must not look like a hang to the client
            fake.errors.append(exc)
            answer = Response(500, dict(INTERNAL_SERVER_ERROR))
        self._send(answer)

    def _dispatch(self, fake: Any, method: str, body: bytes, headers: dict[str, str]) -> Response:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.path.rstrip("/") == "/oauth/v2/token":
            return _accounts.token(fake, method, query, headers, body)
        if parts.path.rstrip("/") == "/oauth/v2/token/revoke":
            return _accounts.revoke(fake, method, query, headers, body)
        if parts.path.startswith("/api/v1/"):
            return _desk.handle(fake, method, parts.path, query, headers, body)
        return not_found().response()

    def _send(self, answer: Response) -> None:
        try:
            self.send_response(answer.status)
            for name, value in (answer.headers or {}).items():
                self.send_header(name, value)
            if answer.body is None:
                payload = b""
            elif isinstance(answer.body, bytes):
                payload = answer.body
                self.send_header("Content-Type", "text/html;charset=UTF-8")
            else:
                payload = json.dumps(answer.body).encode()
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            if answer.status != 204:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. a timeout on a delay)
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        super().__init__((fake.host, fake.port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up mid-request are part of the tests


def make_server(fake: Any) -> _Server:
    return _Server(fake)
