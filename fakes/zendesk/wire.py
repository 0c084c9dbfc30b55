"""HTTP plumbing: the request object handlers see, the route table and the request handler."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fakes.zendesk import errors
from fakes.zendesk.errors import Reply


@dataclass
class Request:
    """What a handler needs to know about one request, plus who made it once authenticated."""

    fake: Any
    method: str
    target: str
    path: str
    pairs: list[tuple[str, str]]
    headers: Message
    body: bytes
    base: str
    user: dict[str, Any] | None = None
    scopes: frozenset[str] | None = None  # None: API token, every scope
    access_token: str | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.pairs:
            out.setdefault(key, []).append(value)
        return out

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = [v for k, v in self.pairs if k == name]
        return values[-1] if values else default

    def payload(self) -> dict[str, Any]:
        """The body as JSON, or as a form where the client sent one (OAuth endpoints accept both)."""
        ctype = (self.headers.get("Content-Type") or "").lower()
        if "application/x-www-form-urlencoded" in ctype:
            return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except ValueError:
            raise errors.bad_request("InvalidJSON", "The request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise errors.bad_request("InvalidJSON", "The request body must be a JSON object")
        return data

    def root(self, name: str) -> dict[str, Any]:
        """The object under the resource key (`{"ticket": {...}}`), as Rails' `params.require`."""
        value = self.payload().get(name)
        if not isinstance(value, dict) or not value:
            raise errors.parameter_missing(name)
        return value


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: str
    auth: str  # "api": credentials required; "anonymous": answers without; "none": OAuth endpoints


def _route(method: str, path: str, handler: str, auth: str = "api") -> Route:
    # Zendesk answers with or without the `.json` suffix.
    return Route(method, re.compile(rf"^{path}(?:\.json)?$"), handler, auth)


ROUTES = (
    _route("GET", r"/oauth/authorizations/new", "oauth_authorize", "none"),
    _route("POST", r"/oauth/tokens", "oauth_token", "none"),
    _route("POST", r"/oauth/tokens/revoke", "oauth_revoke", "none"),
    _route("DELETE", r"/api/v2/oauth/tokens/current", "api_revoke_current"),
    _route("GET", r"/api/v2/tickets", "api_tickets_list"),
    _route("POST", r"/api/v2/tickets", "api_ticket_create"),
    _route("GET", r"/api/v2/tickets/show_many", "api_tickets_show_many"),
    _route("GET", r"/api/v2/tickets/(\d+)", "api_ticket_show"),
    _route("PUT", r"/api/v2/tickets/(\d+)", "api_ticket_update"),
    _route("DELETE", r"/api/v2/tickets/(\d+)", "api_ticket_delete"),
    _route("GET", r"/api/v2/tickets/(\d+)/comments", "api_ticket_comments"),
    _route("GET", r"/api/v2/users", "api_users_list"),
    _route("POST", r"/api/v2/users", "api_user_create"),
    _route("POST", r"/api/v2/users/create_or_update", "api_user_create_or_update"),
    _route("GET", r"/api/v2/users/me", "api_user_me", "anonymous"),
    _route("GET", r"/api/v2/users/search", "api_users_search"),
    _route("GET", r"/api/v2/users/show_many", "api_users_show_many"),
    _route("GET", r"/api/v2/users/(\d+)", "api_user_show"),
    _route("PUT", r"/api/v2/users/(\d+)", "api_user_update"),
    _route("GET", r"/api/v2/organizations", "api_organizations_list"),
    _route("POST", r"/api/v2/organizations", "api_organization_create"),
    _route("GET", r"/api/v2/organizations/search", "api_organizations_search"),
    _route("GET", r"/api/v2/organizations/(\d+)", "api_organization_show"),
    _route("PUT", r"/api/v2/organizations/(\d+)", "api_organization_update"),
    _route("GET", r"/api/v2/search", "api_search"),
    _route("GET", r"/api/v2/search/count", "api_search_count"),
    _route("GET", r"/api/v2/search/export", "api_search_export"),
    _route("GET", r"/api/v2/incremental/tickets/cursor", "api_incremental_tickets"),
)


def find_route(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match and route.method == method:
            return route, match.groups()
    return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: Any


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API
    server_version = "FakeZendesk"
    sys_version = ""
    timeout = 15  # idle keep-alive connections end on their own
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"127.0.0.1:{fake.port}"
        req = Request(
            fake=fake,
            method=self.command,
            target=self.path,
            path=parts.path,
            pairs=parse_qsl(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            base=f"http://{host}",
        )
        reply = fake._serve(req)
        if reply is None:  # an injected dropped connection
            self.close_connection = True
            return
        self._send(reply, fake._rate_headers(req))

    def _send(self, reply: Reply, extra: dict[str, str]) -> None:
        if isinstance(reply.body, bytes):
            data, ctype = reply.body, "application/octet-stream"
        elif isinstance(reply.body, str):
            data, ctype = reply.body.encode(), "text/plain; charset=utf-8"
        elif reply.body is None:
            data, ctype = b"", None
        else:
            data, ctype = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        headers = {**extra, **reply.headers}
        if ctype and "Content-Type" not in headers:
            headers["Content-Type"] = ctype
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            if reply.status != 204:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data and reply.status != 204:
                self.wfile.write(data)
            self.wfile.flush()
