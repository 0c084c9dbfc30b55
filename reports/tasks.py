"""Celery tasks of the scheduled reports: thin, idempotent wrappers around reports/subscriptions.py."""

from smtplib import SMTPException

from celery import shared_task

from reports import subscriptions
from tickets.services import outbox


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scheduled_reports() -> int:
    """Beat's: record each due period's email once, and hand the waiting ones to the workers."""
    return subscriptions.scheduled_reports_run()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SMTPException, OSError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=outbox.MAX_ATTEMPTS,
    # Inside the claim lease, as the notifications' delivery task.
    soft_time_limit=outbox.SEND_SOFT_TIME_LIMIT,
    time_limit=outbox.SEND_TIME_LIMIT,
)
def deliver_report_email(delivery_id: int) -> bool:
    """Send one period's report email; a second run for the same delivery sends nothing."""
    return subscriptions.report_delivery_send(delivery_id=delivery_id)
