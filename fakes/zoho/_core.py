"""``FakeZoho``: the state of one fake Zoho organisation, its knobs, and the agent-side helpers."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from . import _store, _webhooks
from ._agent import AgentSide
from ._errors import THRESHOLD_EXCEEDED, TOO_MANY_REQUESTS
from ._wire import Fault, RecordedRequest

DEFAULT_STATUSES = {"Open": "Open", "On Hold": "On Hold", "Escalated": "Open", "Closed": "Closed"}
DEFAULT_PRIORITIES = ["Low", "Medium", "High", "Urgent"]


def _token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


class FakeZoho(AgentSide):
    """A Zoho Accounts + Zoho Desk server on 127.0.0.1, for tests. See the package docstring."""

    def __init__(self, org_id: str = "60001", port: int = 0, host: str = "127.0.0.1") -> None:
        self.org_id = str(org_id)
        self.host = host
        self.port = port
        self.portal_name = "fakedesk"
        self.lock = threading.RLock()
        self.clock = time.monotonic  # token expiry and the mint window
        self.now = lambda: datetime.now(UTC)  # record timestamps
        # Accounts knobs.
        self.access_token_lifetime = 3600
        self.mint_limit = 10
        self.mint_window = 600
        self.max_active_access_tokens = 10
        self.mint_limit_status = 200
        self.bad_secret_error = "invalid_client_secret"  # noqa: S105 - an error code, not a secret
        self.token_response_extras = True
        # Desk knobs.
        self.require_org_id = True
        self.org_mismatch_status = 401
        self.comment_delete_status = 204
        self.search_from_max = 4999
        # The department's custom fields (API names); None takes any ``cf_`` name.
        self.custom_fields: set[str] | None = None
        # A desk (or proxy) that ignores search's sortBy and answers newest change first.
        self.search_ignores_sort = False
        self.reopen_on_customer_reply = True
        self.default_status = "Open"
        self.daily_credits: int | None = 50000
        self.credits_remaining = self.daily_credits or 0
        self.threshold_retry_after = 3600
        self.statuses: dict[str, str] = dict(DEFAULT_STATUSES)
        self.priorities: list[str] = list(DEFAULT_PRIORITIES)
        self.layout_id = "70000000000001"
        # Observations.
        self.requests: list[RecordedRequest] = []
        self.counters: Counter[str] = Counter()
        self.events: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []
        # State.
        self.clients: dict[str, str] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.grant_codes: dict[str, dict[str, Any]] = {}
        self.departments: dict[str, dict[str, Any]] = {}
        self.agents: dict[str, dict[str, Any]] = {}
        self.contacts: dict[str, dict[str, Any]] = {}
        self.tickets: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.threads: dict[str, list[dict[str, Any]]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1892000000042001)
        self.ticket_numbers = itertools.count(101)
        self._last_stamp: datetime | None = None
        self._faults: list[Fault] = []
        self._published = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.department_id = self.add_department("Support")
        self.agent_id = self.add_agent("Ada", "Agent", "ada.agent@example.com")

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> FakeZoho:
        from ._http import make_server

        self._stopping.clear()
        self._server = make_server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-zoho", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on an injected delay
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeZoho:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ----------------------------------------------------------------- internals
    def next_id(self) -> str:
        return str(next(self._ids))

    def stamp(self) -> datetime:
        """Now, at millisecond precision, strictly after every earlier stamp."""
        moment = self.now().astimezone(UTC)
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if self._last_stamp is not None and moment <= self._last_stamp:
            moment = self._last_stamp + timedelta(milliseconds=1)
        self._last_stamp = moment
        return moment

    def emit(self, event_type: str, payload: dict[str, Any], prev_state: dict[str, Any] | None = None) -> None:
        self.events.append(self.webhook_event(event_type, payload, prev_state))

    def agent_person(self, agent_id: str | None = None) -> dict[str, Any]:
        agent = self.agents[agent_id or self.agent_id]
        return {
            "id": agent["id"],
            "firstName": agent["firstName"],
            "lastName": agent["lastName"],
            "email": agent["emailId"],
            "type": "AGENT",
        }

    def contact_person(self, contact_id: str) -> dict[str, Any]:
        contact = self.contacts[contact_id]
        return {
            "id": contact["id"],
            "firstName": contact["firstName"],
            "lastName": contact["lastName"],
            "email": contact["email"],
            "type": "END_USER",
        }

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.path_contains is None or fault.path_contains in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.counters["fault_injected"] += 1
                    return fault
        return None

    # ----------------------------------------------------------------- accounts setup
    def add_client(self, client_id: str, client_secret: str) -> None:
        with self.lock:
            self.clients[client_id] = client_secret

    def add_refresh_token(self, client_id: str, refresh_token: str | None = None) -> str:
        token = refresh_token or _token()
        with self.lock:
            self.refresh_tokens[token] = {"client_id": client_id, "revoked": False, "mints": [], "access": []}
        return token

    def add_grant_code(self, client_id: str) -> str:
        """A one-time authorization code, exchanged with grant_type=authorization_code."""
        code = _token()
        with self.lock:
            self.grant_codes[code] = {"client_id": client_id}
        return code

    def mint_access_token(self, refresh_token: str) -> str:
        """Issue an access token; beyond ``max_active_access_tokens`` the oldest stops working."""
        token = _token()
        record = self.refresh_tokens[refresh_token]
        record["mints"].append(self.clock())
        record["access"].append(token)
        while len(record["access"]) > self.max_active_access_tokens:
            self.access_tokens.pop(record["access"].pop(0), None)
        self.access_tokens[token] = {
            "refresh_token": refresh_token,
            "expires_at": self.clock() + self.access_token_lifetime,
            "agent_id": self.agent_id,
        }
        return token

    def revoke_refresh_token(self, token: str) -> bool:
        with self.lock:
            record = self.refresh_tokens.get(token)
            if record is None:
                return self.access_tokens.pop(token, None) is not None
            record["revoked"] = True
            for access in record["access"]:
                self.access_tokens.pop(access, None)
            record["access"].clear()
            return True

    def expire_access_tokens(self) -> None:
        with self.lock:
            for record in self.access_tokens.values():
                record["expires_at"] = self.clock() - 1

    # ----------------------------------------------------------------- directory setup
    def add_department(self, name: str) -> str:
        with self.lock:
            department_id = self.next_id()
            self.departments[department_id] = {
                "id": department_id,
                "name": name,
                "description": None,
                "isDefault": not self.departments,
                "creatorId": getattr(self, "agent_id", None),
                "createdTime": self.stamp(),
            }
            return department_id

    def add_agent(self, first_name: str, last_name: str, email: str) -> str:
        with self.lock:
            agent_id = self.next_id()
            self.agents[agent_id] = {
                "id": agent_id,
                "firstName": first_name,
                "lastName": last_name,
                "emailId": email,
                "zuid": str(700000000 + len(self.agents)),
                "roleId": "1892000000000101",
                "profileId": "1892000000000201",
            }
            return agent_id

    def add_contact(self, *, email: str | None, last_name: str, first_name: str | None = None) -> str:
        with self.lock:
            now = self.stamp()
            contact_id = self.next_id()
            self.contacts[contact_id] = {
                "id": contact_id,
                "firstName": first_name,
                "lastName": last_name,
                "email": email,
                "phone": None,
                "mobile": None,
                "accountId": None,
                "createdTime": now,
                "modifiedTime": now,
            }
            return contact_id

    def add_status(self, name: str, status_type: str) -> None:
        """A custom status, e.g. ``add_status("Waiting on vendor", "On Hold")``."""
        _store.check_status_type(status_type)
        with self.lock:
            self.statuses[name] = status_type

    # ----------------------------------------------------------------- faults
    def fail_next(
        self,
        status: int | None,
        *,
        times: int = 1,
        body: Any = None,
        retry_after: float | None = None,
        delay: float | None = None,
        drop: bool = False,
        path_contains: str | None = None,
    ) -> None:
        """Spoil the next ``times`` requests (whose path contains ``path_contains``).

        ``status`` None (or 200) with ``delay`` answers normally, late; ``drop`` closes the
        connection without answering (after ``delay`` if given). A 429 without ``body`` answers
        TOO_MANY_REQUESTS; pass ``body=FakeZoho.THRESHOLD_EXCEEDED`` for the daily-credit variant.
        """
        with self.lock:
            self._faults.append(Fault(status, times, body, retry_after, delay, drop, path_contains))

    TOO_MANY_REQUESTS = TOO_MANY_REQUESTS
    THRESHOLD_EXCEEDED = THRESHOLD_EXCEEDED

    # ----------------------------------------------------------------- webhooks
    def webhook_event(
        self, event_type: str, ticket: str | dict[str, Any], prev_state: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return _webhooks.build_event(self, event_type, ticket, prev_state)

    def deliver_webhook(self, url: str, events: list[dict[str, Any]]) -> tuple[int | None, bytes]:
        return _webhooks.deliver(url, events)

    def validate_webhook(self, url: str) -> tuple[int | None, bytes]:
        return _webhooks.validate(url)

    def publish(self) -> list[tuple[str, int | None]]:
        """Deliver events not yet published to the webhooks registered through ``POST /webhooks``."""
        return _webhooks.publish(self)
