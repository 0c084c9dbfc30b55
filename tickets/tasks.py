"""Celery tasks: thin, idempotent wrappers around services."""

from celery import shared_task

from tickets import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sla_mark_breaches() -> int:
    """Record every breach now due; running it twice records nothing twice."""
    return services.sla_mark_breaches()
