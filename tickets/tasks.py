"""Celery tasks: thin, idempotent wrappers around services."""

from celery import shared_task

from tickets import services
from tickets.services import notifications, outbox


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sla_sweep() -> dict[str, int]:
    """Record every clock now at risk or breached; running it twice records nothing twice."""
    return services.sla_sweep()


@shared_task(**outbox.DELIVERY_TASK_OPTIONS)
def deliver_notification_email(notification_id: int) -> bool:
    """Send one notification's email; a second run for the same notification sends nothing."""
    return notifications.notification_send_email(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notifications_relay() -> int:
    """Deliver what the broker missed: emails still waiting in the outbox."""
    return notifications.notifications_relay()
