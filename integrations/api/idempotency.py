"""``Idempotency-Key`` for the seed endpoints that create: a client's retry answers the first result.

The rest of the API has no such header to reuse, so this is the integrations' own, kept in the
cache (Redis in production, shared by every process) for ``KEY_SECONDS``, per user and key:

- the first request with a key claims it (an atomic ``cache.add``), then records what it made;
- a retry with the same key and the same body gets that object back, nothing is created again;
- the same key with a different body, or while the first request is still running, is 409 CONFLICT;
- a first request that fails before creating anything releases the key;
- with the cache unreachable a request with a key is refused, 503 SERVICE_UNAVAILABLE, before
  creating anything (one without a key goes on). Recording what was made fails open: the object
  exists, and the answer says so.

The cache holds a digest of the key, never the key itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request

from helpdesk.cache import strictly
from helpdesk.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
KEY_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
_PENDING = "pending"


@dataclass(frozen=True)
class IdempotentCreate:
    cache_key: str
    fingerprint: str

    @classmethod
    def from_request(cls, request: Request, scope: str, body: dict[str, Any]) -> IdempotentCreate | None:
        """The request's claim on its key, or None when it sent no ``Idempotency-Key``."""
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return None
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed.on(HEADER, f"An {HEADER} has at most {MAX_KEY_LENGTH} characters.")
        digest = hashlib.sha256(key.encode()).hexdigest()
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        return cls(f"integrations:idempotency:{scope}:{request.user.pk}:{digest}", fingerprint)

    def claim(self) -> int | None:
        """None: this request is the first and must create; else the pk the first request created."""
        # Without the cache a retry could not be recognised: 503 before anything is created.
        with strictly():
            if cache.add(self.cache_key, {"state": _PENDING, "fingerprint": self.fingerprint}, KEY_SECONDS):
                return None
            seen = cache.get(self.cache_key) or {}
        if seen.get("fingerprint") != self.fingerprint:
            raise Conflict(f"This {HEADER} was used for a different request: use a new key.")
        if seen.get("state") == _PENDING or not isinstance(seen.get("pk"), int):
            raise Conflict(f"A request with this {HEADER} is still being processed: retry shortly.")
        return seen["pk"]

    def record(self, pk: int) -> None:
        cache.set(self.cache_key, {"state": "done", "fingerprint": self.fingerprint, "pk": pk}, KEY_SECONDS)

    def release(self) -> None:
        cache.delete(self.cache_key)
