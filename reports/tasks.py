"""Celery tasks of the scheduled reports: thin, idempotent wrappers around reports/subscriptions.py."""

from celery import shared_task

from reports import subscriptions
from tickets.services import outbox


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scheduled_reports() -> int:
    """Beat's: record each due period's email once, and hand the waiting ones to the workers."""
    return subscriptions.scheduled_reports_run()


@shared_task(**outbox.DELIVERY_TASK_OPTIONS)
def deliver_report_email(delivery_id: int) -> bool:
    """Send one period's report email; a second run for the same delivery sends nothing."""
    return subscriptions.report_delivery_send(delivery_id=delivery_id)
