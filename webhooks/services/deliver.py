"""Making one attempt of a delivery: claim, sign, POST, log, and schedule what comes next.

Delivered at least once. An attempt claims its row (``pending`` and due -> ``sending``, a
conditional UPDATE), so two tasks for the same delivery (the on-commit task and the relay's, a
task run twice) make one attempt. The POST happens outside any transaction; its outcome is then
written only by the run that holds the claim. A worker that dies mid-attempt leaves the row
``sending``; after ``CLAIM_LEASE`` the relay puts it back to ``pending`` and it is sent again. So a
receiver gets a second copy only when a worker dies (or its claim runs out) after the receiver
answered and before the outcome was written: the same ``X-Helpdesk-Delivery`` id and body, which
is what lets it drop the copy.

Outcomes: 2xx delivered; network errors, timeouts, 408, 429 and 5xx are tried again after
``RETRY_DELAYS`` (1 m, 5 m, 30 m, 1 h, 2 h, 4 h, 8 h: eight attempts over about 16 hours), then the
delivery fails for good; a 3xx or another 4xx, or a URL the rules refuse, fails it at once.

The endpoint keeps a streak of failed attempts; ``PAUSE_AFTER_FAILURES`` in a row, a delivery that
gives up, or a 410 Gone pauses it (once) and tells its owner (``webhooks.services.endpoints``).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from webhooks import transport
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from webhooks.services.endpoints import endpoint_pause
from webhooks.services.payload import ticket_body
from webhooks.signing import signature

logger = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
PAUSE_AFTER_FAILURES = 10
RETRYABLE_STATUS = frozenset({408, 429})
# The task's limits and the lease of a claim: an attempt (connect + read timeouts) ends well inside
# the soft limit, and the lease outlives the hard one, so a live attempt never loses its claim.
SOFT_TIME_LIMIT = 30
TIME_LIMIT = 40
CLAIM_LEASE = timedelta(seconds=TIME_LIMIT + 20)


def _retryable(answer: transport.Answer) -> bool:
    if answer.refused:
        return False
    code = answer.status_code
    return code is None or code in RETRYABLE_STATUS or code >= 500


def _describe(answer: transport.Answer) -> str:
    return f"HTTP {answer.status_code}" if answer.status_code is not None else answer.error[:200]


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Make the due attempt of one delivery unless another run holds it; True when this run made one.

    A delivery whose endpoint is paused or switched off waits (``pending``) until it is resumed.
    """
    claimed_at = now or timezone.now()
    claimable = Delivery.objects.filter(
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=claimed_at,
        endpoint__is_active=True,
        endpoint__paused_at__isnull=True,
    )
    if not claimable.update(status=DeliveryStatus.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1):
        return False
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not delivery.body:
        # Made once: a retry or replay sends the very same bytes.
        Delivery.objects.filter(pk=delivery_id, body="").update(body=ticket_body(delivery))
        delivery.body = Delivery.objects.values_list("body", flat=True).get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = delivery.body.encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "X-Helpdesk-Event": delivery.event,
        "X-Helpdesk-Delivery": str(delivery.uuid),
        "X-Helpdesk-Timestamp": str(timestamp),
        "X-Helpdesk-Signature": signature(endpoint.secret, timestamp, body),
    }
    answer = transport.post(endpoint.url, body=body, headers=headers)
    _record(delivery, answer, claimed_at)
    return True


def _record(delivery: Delivery, answer: transport.Answer, claimed_at: datetime) -> None:
    """Write the attempt's outcome, if this run still holds the claim, and the endpoint's streak."""
    now = timezone.now()
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    step = delivery.attempts - delivery.retry_from
    if ok:
        status, next_at = DeliveryStatus.DELIVERED, delivery.next_attempt_at
    elif _retryable(answer) and step < MAX_ATTEMPTS:
        status, next_at = DeliveryStatus.PENDING, now + RETRY_DELAYS[step - 1]
    else:
        status, next_at = DeliveryStatus.FAILED, delivery.next_attempt_at
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=claimed_at,
            duration_ms=answer.duration_ms,
            status_code=answer.status_code,
            error=answer.error[:500],
            response_body=answer.body,
            replay=delivery.retry_from > 0 and step == 1,
        )
        mine = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at)
        marked = mine.update(
            status=status,
            next_attempt_at=next_at,
            delivered_at=now if ok else None,
            last_status_code=answer.status_code,
            last_error="" if ok else (answer.error or f"HTTP {answer.status_code}: {answer.body[:300]}")[:500],
        )
        if not marked:
            logger.warning(
                "Webhook delivery %s was attempted after its claim ran out; it may arrive twice.", delivery.pk
            )
        outcome = _describe(answer) if not ok else f"delivered (HTTP {answer.status_code})"
        streak = 0 if ok else F("failure_streak") + 1
        Endpoint.objects.filter(pk=delivery.endpoint_id).update(
            failure_streak=streak, last_attempt_at=now, last_outcome=outcome[:200]
        )
        if ok:
            return
        reason = _pause_reason(delivery, answer, gave_up=status == DeliveryStatus.FAILED)
        if reason:
            endpoint_pause(endpoint_id=delivery.endpoint_id, reason=reason, now=now)


def _pause_reason(delivery: Delivery, answer: transport.Answer, *, gave_up: bool) -> str:
    if answer.status_code == 410:
        return f"The receiver answered 410 Gone to delivery {delivery.uuid}."
    if gave_up and _retryable(answer):
        return f"Delivery {delivery.uuid} failed {MAX_ATTEMPTS} attempts in a row (last: {_describe(answer)})."
    streak = Endpoint.objects.values_list("failure_streak", flat=True).get(pk=delivery.endpoint_id)
    if streak >= PAUSE_AFTER_FAILURES:
        return f"{streak} attempts in a row failed (last: {_describe(answer)})."
    return ""
