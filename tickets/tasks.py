"""Celery tasks: thin, idempotent wrappers around services."""

from celery import shared_task

from helpdesk.clamd import ClamdUnavailable
from tickets import services
from tickets.live import presence
from tickets.services import notifications, outbox, scanning


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sla_sweep() -> dict[str, int]:
    """Record every clock now at risk or breached; running it twice records nothing twice."""
    return services.sla_sweep()


@shared_task(**outbox.DELIVERY_TASK_OPTIONS)
def deliver_notification_email(notification_id: int) -> bool:
    """Send one notification's email; a second run for the same notification sends nothing."""
    return notifications.notification_send_email(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def enqueue_notification_emails(notification_ids: list[int]) -> int:
    """One delivery task per email of these still waiting; run twice, the second run's tasks send nothing twice."""
    return notifications.enqueue_each(ids=notification_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notifications_relay() -> int:
    """Deliver what the broker missed: emails still waiting in the outbox."""
    return notifications.notifications_relay()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ClamdUnavailable,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def attachment_scan(attachment_id: int) -> str:
    """Scan a file held as pending; retried while clamd is away (the sweep goes on after the last retry)."""
    return scanning.attachment_scan(attachment_id=attachment_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def attachment_scan_sweep() -> dict[str, int]:
    """Scan what waits for a scan (pending first, then files stored while scanning was off)."""
    return scanning.attachment_scan_sweep()


@shared_task
def presence_prune() -> int:
    """Forget who was viewing a ticket on a live stream that died without closing."""
    return presence.presence_prune()
