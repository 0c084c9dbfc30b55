"""Celery tasks: thin, idempotent wrappers around the webhooks' services."""

from celery import shared_task

from tickets.services import outbox
from webhooks import services
from webhooks.services.deliver import SOFT_TIME_LIMIT, TIME_LIMIT


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def deliver(delivery_id: int) -> bool:
    """Make one delivery's due attempt; a second run (or one not yet due) sends nothing. Retries come from the relay."""
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def webhooks_relay() -> int:
    """Enqueue the due retries, what the broker missed, and free the claims of dead workers."""
    return services.webhooks_relay()


@shared_task(**outbox.DELIVERY_TASK_OPTIONS)
def deliver_pause_notice(notice_id: int) -> bool:
    """Email an endpoint's owner that it was paused; a second run sends nothing."""
    return services.pause_notice_send(notice_id=notice_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def webhooks_prune() -> int:
    """Delete finished deliveries older than 30 days with their attempts (beat: daily)."""
    return services.deliveries_prune()
