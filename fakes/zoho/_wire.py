"""One Desk request as the endpoints see it, what the server records of each request, and injected faults."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from ._errors import ApiError, bad_query_value, unprocessable


class RecordedRequest(NamedTuple):
    """One request as received; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Fault:
    status: int | None
    times: int
    body: Any
    retry_after: float | int | None
    delay: float | None
    drop: bool
    path_contains: str | None


@dataclass
class Ctx:
    """One authenticated Desk request."""

    fake: Any
    method: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    agent_id: str

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def params(self, name: str) -> list[str]:
        """A comma-separated multi-value parameter."""
        value = self.param(name)
        return [part.strip() for part in value.split(",") if part.strip()] if value else []

    def allow(self, *names: str) -> None:
        for name in self.query:
            if name not in names and name != "orgId":
                raise unprocessable(f"Extra query parameter '{name}' is present in the input.")

    def page(self, *, default_limit: int, max_limit: int, max_from: int | None = None) -> tuple[int, int]:
        start = self._int("from", 0)
        limit = self._int("limit", default_limit)
        if start < 0:
            raise bad_query_value("from")
        if max_from is not None and start > max_from:
            raise unprocessable(f"The value passed for field 'from' exceeds the range of '0-{max_from}'.")
        if not 1 <= limit <= max_limit:
            raise bad_query_value("limit")
        return start, limit

    def _int(self, name: str, default: int) -> int:
        value = self.param(name)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d+", value):
            raise bad_query_value(name)
        return int(value)

    def json(self) -> Any:
        if not self.body.strip():
            raise ApiError(422, "EMPTY_PAYLOAD", "The payload is empty.")
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError(400, "BAD_REQUEST", "The payload is not valid JSON.") from None
