"""``Idempotency-Key`` on the API's creates: a client's retry gets the first answer, never a second object.

One mechanism, in the database (the cache may be down, and a key must never outlive or miss
what it made): ``POST /tickets``, ``POST /tickets/{id}/comments`` and seed 000's
``POST /integrations/zoho/requests`` use it.

- The key row is written in the same transaction as the ticket or comment, with the answer
  (status, body, ``Location``/``ETag``): a crash leaves both or neither.
- A retry with the same key and the same request (method, path and query, canonical body, the
  content of uploaded files) within ``KEY_LIFETIME`` gets that answer again, marked
  ``Idempotent-Replayed: true``; the same key on another request is 409 CONFLICT.
- A request that fails creates nothing and stores nothing: its retry runs afresh.
- Two requests with one key at once: the second waits on the database's unique index until the
  first commits, then gets the first's answer (or, if the first rolled back, runs itself).

Keys are per user and stored as a digest, never as sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from helpdesk.errors import Conflict, ValidationFailed
from helpdesk.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_LIFETIME = timedelta(hours=24)
# The headers of a created answer that a replay repeats.
KEPT_HEADERS = ("Location", "ETag")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) of at most 255 characters. A retry with the same key and the same "
    "request within 24 hours answers the first result (with `Idempotent-Replayed: true`) and creates nothing; "
    "the same key on a different request is 409 CONFLICT. A concurrent retry waits for the first to finish.",
)


class KeyTaken(Exception):
    """A concurrent request with the same key committed first: its answer is this request's."""


def fingerprint(request: Request) -> str:
    """What makes two requests the same one: method, path, query, canonical body and uploaded files' content."""
    files = request.FILES
    data = request.data
    if hasattr(data, "lists"):  # form or multipart: every value of every field, files apart
        body: Any = {name: values for name, values in data.lists() if name not in files}
    else:
        body = data
    digest = hashlib.sha256()
    # /tickets and /tickets/ are the same endpoint: a client retrying with the other form is the same request.
    digest.update(f"{request.method} {request.path.rstrip('/')}\n".encode())
    canonical = [sorted(request.query_params.lists()), body]
    digest.update(json.dumps(canonical, sort_keys=True, separators=(",", ":"), cls=JSONEncoder).encode())
    for name in sorted(files):
        for upload in files.getlist(name):
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            digest.update(f"\n{name}:{upload.name}:{content.hexdigest()}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    user_id: int
    key_digest: str
    fingerprint: str

    @classmethod
    def from_request(cls, request: Request) -> IdempotentRequest | None:
        """The request's key, or None when it sent no ``Idempotency-Key``."""
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return None
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed.on(HEADER, f"An {HEADER} has at most {MAX_KEY_LENGTH} characters.")
        return cls(request.user.pk, hashlib.sha256(key.encode()).hexdigest(), fingerprint(request))

    def _rows(self):
        return IdempotencyKey.objects.filter(user_id=self.user_id, key_digest=self.key_digest)

    def earlier(self, now: datetime | None = None) -> IdempotencyKey | None:
        """The live row an earlier request with this key left; 409 when that was a different request."""
        row = self._rows().filter(expires_at__gt=now or timezone.now()).first()
        if row is not None and row.fingerprint != self.fingerprint:
            raise Conflict(f"This {HEADER} was used for a different request: use a new key.")
        return row

    def take(self, *, object_id: int | None = None, now: datetime | None = None) -> IdempotencyKey:
        """Write the key in the caller's transaction (waiting for a concurrent holder); KeyTaken if it won."""
        now = now or timezone.now()
        self._rows().filter(expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user_id=self.user_id,
                    key_digest=self.key_digest,
                    fingerprint=self.fingerprint,
                    object_id=object_id,
                    created_at=now,
                    expires_at=now + KEY_LIFETIME,
                )
        except IntegrityError:
            raise KeyTaken from None

    @staticmethod
    def record(row: IdempotencyKey, response: Response, *, object_id: int | None = None) -> None:
        """Keep the answer for the retries."""
        row.response_status = response.status_code
        row.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        row.response_headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        fields = ["response_status", "response_body", "response_headers"]
        if object_id is not None:
            row.object_id = object_id
            fields.append("object_id")
        row.save(update_fields=fields)


def replay(row: IdempotencyKey) -> Response:
    """The first request's answer again; 409 while the first request has not answered yet."""
    if row.response_status is None:
        raise Conflict(f"A request with this {HEADER} is still being processed: retry shortly.")
    return Response(
        row.response_body, status=row.response_status, headers={**row.response_headers, REPLAYED_HEADER: "true"}
    )


def answer_once(request: Request, make: Callable[[], Response]) -> Response:
    """``make()`` (a create and its answer) in one transaction, run once per ``Idempotency-Key``."""
    once = IdempotentRequest.from_request(request)
    if once is None:
        with transaction.atomic():
            return make()
    for _ in range(2):
        row = once.earlier()
        if row is not None:
            return replay(row)
        try:
            with transaction.atomic():
                row = once.take()
                response = make()
                once.record(row, response)
            return response
        except KeyTaken:
            continue  # the other request's answer is read on the next turn
    raise Conflict(f"A request with this {HEADER} is still being processed: retry shortly.")


def idempotency_keys_prune(*, now: datetime | None = None) -> int:
    """Delete the keys past their lifetime; return how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
