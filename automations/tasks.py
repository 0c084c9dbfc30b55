"""Celery tasks of the automation rules: thin wrappers around engine.py and timed.py, safe to run twice."""

from celery import shared_task

from automations import engine, timed


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=270)
def run_automations() -> dict[str, int]:
    """Beat's: every active time-based automation over its due tickets, a bounded batch each."""
    return timed.run_automations()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def triggers_relay() -> int:
    """Beat's: run the ticket changes whose process died between their commit and their triggers."""
    return engine.relay_pending()
