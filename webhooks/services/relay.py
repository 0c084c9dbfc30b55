"""The relay (beat, every minute): what no task took, retries that are due, claims of dead workers.

Bounded: at most ``batch_size`` deliveries are handed to the queue per run, oldest due first, so a
backlog (an endpoint back after hours) drains over a few minutes instead of flooding the broker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from helpdesk.queue import publish
from tickets.models import EmailStatus
from tickets.services.outbox import hold_pending, outbox_reclaim
from webhooks.capture import DELIVER_TASK
from webhooks.models import Delivery, DeliveryStatus, PauseNotice
from webhooks.services.deliver import CLAIM_LEASE
from webhooks.services.endpoints import NOTICE_TASK

# A fresh delivery belongs to the task published when its transaction committed.
RELAY_GRACE = timedelta(seconds=30)
# How long finished deliveries (and their attempts) stay in the console.
KEEP_FINISHED = timedelta(days=30)


def webhooks_relay(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Free stale claims and enqueue every delivery that is due; return how many were enqueued."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE).update(
        status=DeliveryStatus.PENDING
    )
    due = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__is_active=True,
            endpoint__paused_at__isnull=True,
        )
        .exclude(attempts=0, created_at__gt=now - RELAY_GRACE)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    sent = 0
    for pk in due:
        if not publish(DELIVER_TASK, pk, what=f"webhook delivery {pk}", then="the next relay will try"):
            break
        sent += 1
    _notices_relay(now)
    return sent


def _notices_relay(now: datetime) -> None:
    notices = PauseNotice.objects.all()
    if not settings.NOTIFICATIONS_ENABLED:
        hold_pending(notices)
        return
    outbox_reclaim(notices, now=now)
    waiting = notices.filter(email_status=EmailStatus.PENDING, created_at__lt=now - RELAY_GRACE)
    for pk in waiting.values_list("pk", flat=True)[:100]:
        if not publish(NOTICE_TASK, pk, what="webhook pause email", then="the next relay will try"):
            return


def deliveries_prune(
    *, older_than: timedelta = KEEP_FINISHED, now: datetime | None = None, batch_size: int = 5000
) -> int:
    """Delete delivered and failed deliveries older than ``older_than`` with their attempts; how many.

    Waiting ones stay whatever their age (a paused endpoint's). Bounded per run: beat runs it daily.
    """
    cutoff = (now or timezone.now()) - older_than
    finished = Delivery.objects.filter(
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED], created_at__lt=cutoff
    ).order_by("pk")
    ids = list(finished.values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0
    Delivery.objects.filter(pk__in=ids).delete()
    return len(ids)
