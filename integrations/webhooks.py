"""Webhook receivers: verify, hand the work to Celery, answer at once.

- ``POST /integrations/zendesk/webhook[?connection=<id>]``: the signature is
  base64(HMAC-SHA256(signing secret, timestamp + raw body)) in ``X-Zendesk-Webhook-Signature``,
  compared in constant time; a timestamp more than five minutes off (either way) is refused, so a
  captured delivery cannot be replayed later. Without ``?connection=`` the secret finds the connection.
- ``GET /integrations/zoho/webhook``: Zoho's validation call, answered 200. ``POST``: a JSON array of
  ``{eventType, payload, orgId, ...}``; the connection comes from ``?connection=`` or the ``orgId``.
  Zoho's signature (``X-ZDesk-JWT``) is uncertain in the sources, so a connection with a webhook
  secret requires it as ``?secret=`` in the URL registered with Zoho.

  Unsigned deliveries are accepted from a connection without a secret: an event only makes us
  re-read the ticket from the desk, never trusts the delivery's content. The query string never
  reaches our request log (``helpdesk.middleware`` redacts ``secret``, ``token``, ...).

Either way the answer is 200 within milliseconds: each ticket named is pulled by
``pull_remote_ticket_task``, published with one quick attempt (``helpdesk.queue.publish``) so a
slow or down broker cannot hold the answer. A delivery whose publish fails is still answered
200 and logged: nothing is lost, the periodic pull (every 2 minutes) reads the same change.

Limits: each connection takes ``RATE_PER_MINUTE`` deliveries a minute (a cache counter per
connection and minute); beyond, 429 THROTTLED with ``Retry-After``. A Zendesk delivery is accepted
once: the digest of each accepted signature is remembered in the cache for ``REPLAY_MEMORY``
(the timestamp window, five minutes either way), and a replay within it is answered 200
(``"replayed": true``) without queuing anything.
Refusals use the product's error shape and are logged (never with a secret) when a connection is known.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from helpdesk import safejson
from helpdesk.api.errors import error_body
from helpdesk.queue import publish
from integrations.models import Connection, Direction, Outcome, Provider
from integrations.services import sync_log

MAX_SKEW = timedelta(minutes=5)
MAX_BODY = 1_000_000
MAX_TICKETS_PER_DELIVERY = 100
RATE_PER_MINUTE = 600
# A delivery stamped up to MAX_SKEW either side of now is fresh, so one can be accepted for 2 x MAX_SKEW.
REPLAY_MEMORY = 2 * MAX_SKEW


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse(error_body(status, message), status=status)


def _throttled(connection: Connection) -> JsonResponse | None:
    """429 once ``connection`` has had ``RATE_PER_MINUTE`` deliveries this minute, else None."""
    now = int(time.time())
    key = f"integrations:webhook:rate:{connection.pk}:{now // 60}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the minute's first
        cache.set(key, 1, timeout=120)
        count = 1
    if count <= RATE_PER_MINUTE:
        return None
    answer = _refuse(429, f"More than {RATE_PER_MINUTE} deliveries a minute for this connection: slow down.")
    answer["Retry-After"] = str(60 - now % 60)
    return answer


def _first_delivery(connection: Connection, signature: str) -> bool:
    """Whether this signed delivery is new (and remember it); False for a replay within ``REPLAY_MEMORY``."""
    digest = hashlib.sha256(signature.encode()).hexdigest()
    key = f"integrations:webhook:zendesk:seen:{connection.pk}:{digest}"
    return cache.add(key, 1, timeout=int(REPLAY_MEMORY.total_seconds()))


def _connection_param(request: HttpRequest, provider: str) -> list[Connection]:
    active = Connection.objects.filter(provider=provider, is_active=True)
    raw = request.GET.get("connection")
    if raw is not None:
        return list(active.filter(pk=int(raw))) if raw.isdigit() else []
    return list(active)


def _enqueue(connection: Connection, remote_ids: list[str], what: str) -> int:
    from integrations.tasks import pull_remote_ticket_task

    sent = 0
    for remote_id in remote_ids[:MAX_TICKETS_PER_DELIVERY]:
        what = f"the pull of {remote_id} on connection {connection.pk}"
        if not publish(
            pull_remote_ticket_task, connection.pk, remote_id, what=what, then="the periodic pull will catch up"
        ):
            break
        sent += 1
    sync_log(
        connection=connection,
        direction=Direction.WEBHOOK,
        action=what,
        outcome=Outcome.OK if sent == len(remote_ids) else Outcome.RETRY,
        message=f"{sent} of {len(remote_ids)} ticket(s) queued for pull.",
        remote_id=remote_ids[0] if len(remote_ids) == 1 else "",
    )
    return sent


# -- Zendesk ---------------------------------------------------------------------------------------


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _fresh(timestamp: str, now: datetime) -> bool:
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None and abs(now - moment) <= MAX_SKEW


def _zendesk_ticket_id(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    subject = str(event.get("subject") or "")
    if subject.startswith("zen:ticket:") and subject.removeprefix("zen:ticket:").isdigit():
        return subject.removeprefix("zen:ticket:")
    detail = event.get("detail") or {}
    ticket_id = str(detail.get("id") or "") if isinstance(detail, dict) else ""
    return ticket_id if ticket_id.isdigit() else None


@csrf_exempt
def zendesk_webhook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _refuse(405, "Zendesk webhooks are POSTed.")
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return _refuse(413, "The delivery is too large.")
    signature = request.headers.get("X-Zendesk-Webhook-Signature", "")
    timestamp = request.headers.get("X-Zendesk-Webhook-Signature-Timestamp", "")
    if not signature or not timestamp:
        return _refuse(401, "The delivery is not signed.")
    candidates = [c for c in _connection_param(request, Provider.ZENDESK) if c.webhook_secret]
    given = signature.encode()

    def signed_by(candidate: Connection) -> bool:
        expected = zendesk_signature(candidate.webhook_secret, timestamp, body).encode()
        return hmac.compare_digest(expected, given)

    connection = next((c for c in candidates if signed_by(c)), None)
    if connection is None:
        return _refuse(401, "The signature does not match.")
    if not _fresh(timestamp, timezone.now()):
        sync_log(
            connection=connection,
            direction=Direction.WEBHOOK,
            action="zendesk_webhook",
            outcome=Outcome.FAILED,
            message=f"Refused a delivery stamped {timestamp[:40]!r}: more than five minutes off.",
        )
        return _refuse(401, "The signature timestamp is too old or in the future.")
    if (throttled := _throttled(connection)) is not None:
        return throttled
    if not _first_delivery(connection, signature):
        return JsonResponse({"status": "ok", "queued": 0, "replayed": True})
    try:
        event = safejson.loads(body)
    except ValueError:
        return _refuse(400, "The delivery is not JSON.")
    ticket_id = _zendesk_ticket_id(event)
    if ticket_id is None:
        return JsonResponse({"status": "ok", "queued": 0})
    return JsonResponse({"status": "ok", "queued": _enqueue(connection, [ticket_id], "zendesk_webhook")})


# -- Zoho ------------------------------------------------------------------------------------------


def _zoho_ticket_id(event: Any) -> str | None:
    if not isinstance(event, dict) or not str(event.get("eventType") or "").startswith("Ticket_"):
        return None
    payload = event.get("payload") or {}
    if not isinstance(payload, dict):
        return None
    kind = str(event["eventType"])
    ticket_id = payload.get("ticketId") if kind.startswith(("Ticket_Comment", "Ticket_Thread")) else payload.get("id")
    return str(ticket_id) if ticket_id and str(ticket_id).isdigit() else None


@csrf_exempt
def zoho_webhook(request: HttpRequest) -> JsonResponse:
    if request.method in ("GET", "HEAD"):
        return JsonResponse({"status": "ok"})  # Zoho's validation call on registration
    if request.method != "POST":
        return _refuse(405, "Zoho webhooks are POSTed.")
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return _refuse(413, "The delivery is too large.")
    try:
        events = safejson.loads(body or b"[]")
    except ValueError:
        return _refuse(400, "The delivery is not JSON.")
    if not isinstance(events, list):
        return _refuse(400, "A JSON array of events is expected.")
    if not events:
        return JsonResponse({"status": "ok", "queued": 0})  # the validation POST
    candidates = _connection_param(request, Provider.ZOHO)
    if "connection" not in request.GET:
        orgs = {str(e.get("orgId")) for e in events if isinstance(e, dict)}
        candidates = [c for c in candidates if c.org_id in orgs]
    if len(candidates) != 1:
        return _refuse(404, "No single active Zoho connection matches this delivery.")
    connection = candidates[0]
    if connection.webhook_secret and not hmac.compare_digest(
        request.GET.get("secret", "").encode(), connection.webhook_secret.encode()
    ):
        return _refuse(401, "The webhook secret does not match.")
    if (throttled := _throttled(connection)) is not None:
        return throttled
    ids = list(dict.fromkeys(i for i in map(_zoho_ticket_id, events) if i is not None))
    if not ids:
        return JsonResponse({"status": "ok", "queued": 0})
    return JsonResponse({"status": "ok", "queued": _enqueue(connection, ids, "zoho_webhook")})
