"""Celery tasks of the project's own app."""

from celery import shared_task

from helpdesk.api.idempotency import idempotency_keys_prune as prune


@shared_task(acks_late=True, reject_on_worker_lost=True)
def idempotency_keys_prune() -> int:
    """Delete ``Idempotency-Key`` rows past their 24 hours (hourly, from beat); running it twice is harmless."""
    return prune()
