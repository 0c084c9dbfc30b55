"""Celery tasks of the project's own app."""

from celery import shared_task

from helpdesk.api.idempotency import idempotency_keys_prune as prune
from helpdesk.liveness import heartbeat_record


@shared_task(acks_late=True, reject_on_worker_lost=True)
def idempotency_keys_prune() -> int:
    """Delete ``Idempotency-Key`` rows past their 24 hours (hourly, from beat); running it twice is harmless."""
    return prune()


@shared_task(bind=True, ignore_result=True)
def heartbeat(self) -> None:
    """Sent by beat every 30 s and run by a worker: the row it writes says both are alive (helpdesk/liveness.py)."""
    heartbeat_record(detail=self.request.hostname or "")
