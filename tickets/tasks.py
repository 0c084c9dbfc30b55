"""Celery tasks: thin, idempotent wrappers around services."""

from smtplib import SMTPException

from celery import shared_task

from tickets import services
from tickets.live import presence
from tickets.services import notifications


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sla_sweep() -> dict[str, int]:
    """Record every clock now at risk or breached; running it twice records nothing twice."""
    return services.sla_sweep()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SMTPException, OSError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=notifications.MAX_ATTEMPTS,
    # Inside the claim lease: a send cannot outlive its claim, so no second run sends while it is alive.
    soft_time_limit=notifications.SEND_SOFT_TIME_LIMIT,
    time_limit=notifications.SEND_TIME_LIMIT,
)
def deliver_notification_email(notification_id: int) -> bool:
    """Send one notification's email; a second run for the same notification sends nothing."""
    return notifications.notification_send_email(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notifications_relay() -> int:
    """Deliver what the broker missed: emails still waiting in the outbox."""
    return notifications.notifications_relay()


@shared_task
def presence_prune() -> int:
    """Forget who was viewing a ticket on a live stream that died without closing."""
    return presence.presence_prune()
