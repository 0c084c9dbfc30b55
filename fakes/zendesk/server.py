"""FakeZendesk: a real HTTP server on 127.0.0.1 that answers like a Zendesk account.

Reproduced (paths with or without `.json`; envelopes, status codes and error shapes as the API):
- OAuth: /oauth/authorizations/new (auto-approves, PKCE S256, invalid_scope redirect), /oauth/tokens
  (JSON or form; authorization_code living 120 s and single use; refresh_token with rotation),
  /oauth/tokens/revoke, DELETE /api/v2/oauth/tokens/current. Scopes: read/write and resource:action.
- Auth on /api/v2: Bearer or basic `{email}/token:{token}`; 401 {"error": "Couldn't authenticate you"};
  /users/me answers an anonymous user without credentials, as the real one does.
- Tickets (create/show/update/delete/list/show_many), comments, users, organizations, with cursor
  (`page[size]` <= 100, `sort`) and offset paging (`page`/`per_page`, `sort_by`, 400 past 10,000).
- Search (offset only, 100 a page, 422 past 1,000 results), search/count, search/export (cursor),
  the cursor incremental ticket export (deleted tickets included as status "deleted").
- Rate limits (X-Rate-Limit headers on every answer; 429 + Retry-After when switched on) and
  injected failures (`fail_next`: status, Retry-After, body, delay, dropped connection).
- Signed webhook deliveries and ticket event payloads.

Not reproduced: attachments and uploads, side-loads other than comments' `include=users`, groups,
ticket fields/forms and custom statuses endpoints, audits endpoints (audits are kept in `audits`),
bulk/async jobs (`create_many`, job statuses), the time-based incremental export, macros, views,
triggers, end-user (Requests) API, per-ticket update rate limits, archived tickets, the search
index lag beyond `search_index_delay` (which hides records created within it), and HTML pages on
the OAuth endpoints (the authorize endpoint redirects at once).
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NamedTuple

from fakes.zendesk import errors
from fakes.zendesk.errors import ApiError, Reply
from fakes.zendesk.oauth import OAuthMixin
from fakes.zendesk.people import PeopleMixin
from fakes.zendesk.records import FIRST_IDS
from fakes.zendesk.search import SearchMixin
from fakes.zendesk.tickets import TicketsMixin
from fakes.zendesk.webhooks import WebhooksMixin
from fakes.zendesk.wire import Handler, Request, Server, find_route


class RecordedRequest(NamedTuple):
    """One request as received; unpacks as (method, path_with_query, headers, body)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Failure:
    status: int | None
    times: int
    retry_after: int | bool | None
    body: Any
    delay: float | None
    path_contains: str | None
    drop: bool

    def reply(self, status: int) -> Reply:
        headers: dict[str, str] = {}
        retry_after = 1 if self.retry_after is None and status == 429 else self.retry_after
        if retry_after is not None and retry_after is not False:
            headers["Retry-After"] = str(int(retry_after))
        body = self.body
        if body is None:
            if status == 429:
                body = {
                    "error": "APIRateLimitExceeded",
                    "description": "Number of allowed API requests per minute exceeded",
                }
            else:
                body = {
                    "error": HTTPStatus(status).phrase.replace(" ", ""),
                    "description": HTTPStatus(status).phrase,
                }
        return Reply(status, body, headers)


class FakeZendesk(OAuthMixin, TicketsMixin, PeopleMixin, SearchMixin, WebhooksMixin):
    """A Zendesk account served over HTTP, with switches for the failures a client must survive.

    Use as a context manager or call start()/stop(). State lives in plain dicts (`tickets`,
    `comments`, `users`, `organizations`) guarded by `lock`; the helper methods change it as an
    agent working in Zendesk would, so changes show in searches and the incremental export.
    """

    def __init__(self, subdomain: str = "acme", port: int = 0) -> None:
        self.subdomain = subdomain
        self.port = port
        self.lock = threading.RLock()
        self.clock: Callable[[], float] = time.time
        self.account_id = 90_000_001
        # Knobs; the defaults are the real service's.
        self.access_token_lifetime = 1800
        self.refresh_token_lifetime = 30 * 24 * 3600
        self.rate_limit_per_minute: int | None = None
        self.reported_rate_limit = 700  # what X-Rate-Limit says while rate_limit_per_minute is None
        self.rate_limit_window = 60.0  # seconds; shorten in tests to keep Retry-After small
        self.incremental_limit_per_minute: int | None = None
        self.require_subject = True
        self.cursor_has_more_on_full_page = False
        self.search_index_delay = 0.0  # seconds before a change shows in search
        # What happened, for assertions.
        self.requests: list[RecordedRequest] = []
        self.counters: Counter[str] = Counter()
        self.server_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self._next_ids = dict(FIRST_IDS)
        self._failures: list[_Failure] = []
        self._hits: deque[float] = deque()
        self._incremental_hits: deque[float] = deque()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.brand_id = self._new_id("brand")
        self._init_oauth()
        self._init_people()
        self._init_tickets()
        self._init_webhooks()

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeZendesk:
        if self._server is None:
            server = Server(("127.0.0.1", self.port), Handler)
            server.fake = self
            self.port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"FakeZendesk:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeZendesk:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- failure injection and limits --------------------------------------------------------------

    def fail_next(
        self,
        status: int | None,
        *,
        times: int = 1,
        retry_after: int | bool | None = None,
        body: Any = None,
        delay: float | None = None,
        path_contains: str | None = None,
        drop: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `status` instead of handling them.

        `retry_after`: seconds for the Retry-After header (429 sends 1 unless told; False omits it).
        `body`: a dict (JSON), str or bytes instead of the default error body.
        `delay`: sleep this long first (with status None the request is then handled normally).
        `drop`: close the connection without answering. `path_contains` limits which requests match.
        """
        if status is None and not delay and not drop:
            raise ValueError("fail_next needs a status, a delay or drop=True")
        with self.lock:
            self._failures.append(_Failure(status, times, retry_after, body, delay, path_contains, drop))

    def _take_failure(self, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.path_contains is None or failure.path_contains in path:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                self.counters["injected_failure"] += 1
                return failure
        return None

    def _prune(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.rate_limit_window:
            hits.popleft()

    def _retry_after(self, hits: deque[float], now: float) -> int:
        return max(1, math.ceil(hits[0] + self.rate_limit_window - now)) if hits else 1

    def _check_rate(self, hits: deque[float], limit: int | None, description: str) -> None:
        now = self._now()
        self._prune(hits, now)
        if limit is not None and len(hits) >= limit:
            self.counters["rate_limited"] += 1
            raise errors.rate_limited(self._retry_after(hits, now), description)
        hits.append(now)

    def _rate_headers(self, req: Request) -> dict[str, str]:
        with self.lock:
            now = self._now()
            self._prune(self._hits, now)
            limit = self.rate_limit_per_minute or self.reported_rate_limit
            remaining = str(max(0, limit - len(self._hits)))
            headers = {
                "X-Rate-Limit": str(limit),
                "X-Rate-Limit-Remaining": remaining,
                "ratelimit-limit": str(limit),
                "ratelimit-remaining": remaining,
                "ratelimit-reset": str(self._retry_after(self._hits, now)),
            }
            if "/incremental/" in req.path:
                self._prune(self._incremental_hits, now)
                total = self.incremental_limit_per_minute or 10
                left = max(0, total - len(self._incremental_hits))
                resets = self._retry_after(self._incremental_hits, now)
                headers["Zendesk-RateLimit-incremental-exports"] = f"total={total}; remaining={left}; resets={resets}"
            return headers

    # -- serving -----------------------------------------------------------------------------------

    def _serve(self, req: Request) -> Reply | None:
        with self.lock:
            self.requests.append(RecordedRequest(req.method, req.target, dict(req.headers.items()), req.body))
            failure = self._take_failure(req.target)
        if failure is not None:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.drop:
                return None
            if failure.status is not None:
                return failure.reply(failure.status)
        with self.lock:
            try:
                return self._dispatch(req)
            except ApiError as exc:
                return exc.reply
            except Exception as exc:
                # A bug in the fake: answer 500 and keep the traceback for the test to show.
                self.server_errors.append(traceback.format_exc())
                return Reply(500, {"error": "FakeZendeskError", "description": repr(exc)})

    def _dispatch(self, req: Request) -> Reply:
        if req.path.startswith("/api/"):
            self._check_rate(
                self._hits, self.rate_limit_per_minute, "Number of allowed API requests per minute exceeded"
            )
        found = find_route(req.method, req.path)
        if found is None:
            raise errors.invalid_endpoint()
        route, args = found
        if route.auth != "none":
            self._authenticate(req, route)
        if route.handler == "api_incremental_tickets":
            self._check_rate(
                self._incremental_hits,
                self.incremental_limit_per_minute,
                "Number of allowed incremental export API requests per minute exceeded",
            )
        return getattr(self, route.handler)(req, *args)

    # -- shared helpers ----------------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock()

    def _new_id(self, kind: str) -> int:
        value = self._next_ids[kind]
        self._next_ids[kind] = value + 1
        return value
