"""Sending the emails of an outbox: claim a row, build its message, send it, mark it; at most once.

An outbox is a model with ``EmailOutbox``'s columns (``email_status``, ``email_attempts``,
``email_claimed_at``, ``email_sent_at``, ``email_error``): the notifications'
(``tickets.Notification``) and the scheduled reports' (``reports.ReportDelivery``).

Sending claims the row for ``CLAIM_LEASE``: a second run of a delivery task sends nothing
while the claim holds. The delivery task is killed at its time limit, well inside the lease,
so a live sender always finishes first; a claim older than the lease belongs to a dead
worker, and the relay sends it again (at most one lease plus one relay period after the
crash). The claim's timestamp is its token: only the run that holds the claim marks the row
sent or puts it back. An email goes out twice only if a worker dies after the SMTP server
accepted it and before the row is marked, which is one UPDATE long (marked before QUIT).

``NOTIFICATIONS_ENABLED=false`` stops the sending, not the recording: a waiting row is marked
skipped with ``OFF_REASON`` instead of being sent, and stays so when the switch goes back on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from smtplib import SMTPException
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, QuerySet
from django.utils import timezone

from tickets.models import EmailStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Seconds a delivery task may run (claim, build, SMTP, mark): soft, then the pool kills it.
# EMAIL_TIMEOUT bounds each SMTP call; these bound the whole conversation.
SEND_SOFT_TIME_LIMIT = 30
SEND_TIME_LIMIT = 40
# A claim older than this belongs to a worker that died mid-send; the relay frees it. Longer
# than SEND_TIME_LIMIT (plus room for clock skew between hosts), so a live sender never loses
# its claim; lease + the relay's minute is the worst delay after a crash (about two minutes).
CLAIM_LEASE = timedelta(seconds=SEND_TIME_LIMIT + 20)
# The options of every delivery task (one row's email): retried with backoff on what can pass,
# and killed inside the claim lease, so a send cannot outlive its claim.
DELIVERY_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (SMTPException, OSError, TimeoutError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": MAX_ATTEMPTS,
    "soft_time_limit": SEND_SOFT_TIME_LIMIT,
    "time_limit": SEND_TIME_LIMIT,
}
# Why an email was not sent while NOTIFICATIONS_ENABLED was off (kept on the row, shown in the admin).
OFF_REASON = "Not sent: NOTIFICATIONS_ENABLED was off."


def site_domain() -> str:
    """The host of ``SITE_URL``: the right-hand side of the Message-IDs we make."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def hold_pending(outbox: QuerySet) -> int:
    """Mark the waiting emails of an outbox skipped with ``OFF_REASON`` (NOTIFICATIONS_ENABLED is off)."""
    return outbox.filter(email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SKIPPED, email_error=OFF_REASON
    )


def outbox_reclaim(outbox: QuerySet, *, now: datetime) -> None:
    """The relay's first steps: free the claims of dead workers, fail what keeps failing."""
    outbox.filter(email_status=EmailStatus.SENDING, email_claimed_at__lt=now - CLAIM_LEASE).update(
        email_status=EmailStatus.PENDING
    )
    outbox.filter(email_status=EmailStatus.PENDING, email_attempts__gte=MAX_ATTEMPTS).update(
        email_status=EmailStatus.FAILED
    )


def outbox_send(
    *, outbox: QuerySet, pk: int, build: Callable[[Any], EmailMessage], now: datetime | None = None
) -> bool:
    """Send the email of ``outbox``'s row ``pk`` unless another run holds it; True when this run sent it.

    ``outbox`` is the model's queryset with whatever ``build`` reads joined in. Raises on a
    failure (after putting the row back to pending, or failed at the last attempt), so the
    task can retry with backoff.
    """
    claimed_at = now or timezone.now()
    if not settings.NOTIFICATIONS_ENABLED:
        hold_pending(outbox.filter(pk=pk))
        return False
    claimed = outbox.filter(pk=pk, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENDING, email_claimed_at=claimed_at, email_attempts=F("email_attempts") + 1
    )
    if not claimed:
        return False
    # The row while this run's claim holds it; once the relay frees it, another run's claim is not ours to mark.
    mine = outbox.filter(pk=pk, email_status=EmailStatus.SENDING, email_claimed_at=claimed_at)
    row = outbox.get(pk=pk)
    connection = get_connection()
    try:
        message = build(row)
        connection.open()
        connection.send_messages([message])
    except Exception as exc:
        _close_quietly(connection)
        final = row.email_attempts >= MAX_ATTEMPTS
        mine.update(email_status=EmailStatus.FAILED if final else EmailStatus.PENDING, email_error=str(exc)[:500])
        raise
    # Marked before QUIT: an accepted email stays unmarked only for this one UPDATE.
    marked = mine.update(email_status=EmailStatus.SENT, email_sent_at=timezone.now())
    _close_quietly(connection)
    if not marked:
        logger.warning(
            "%s %s was sent after its claim lease ran out; another run may have sent it too.",
            outbox.model._meta.verbose_name.capitalize(),
            pk,
        )
    return True


def _close_quietly(connection: object) -> None:
    """End the SMTP session; a failed QUIT changes nothing about what was sent."""
    try:
        connection.close()  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - the outcome is already recorded
        logger.info("Closing the email connection failed: %s", exc)
