"""Publishing a Celery task from a request: one quick attempt, never an error for the caller.

Everything a request hands to Celery is first recorded in the database (the notification and
push outboxes), or can be done another way (the periodic pull, a reset email sent in the
request), so a broker that is down must neither fail the request nor hold it. Publishing makes
one attempt (``CELERY_TASK_PUBLISH_RETRY_POLICY``) on short socket timeouts
(``CELERY_BROKER_TRANSPORT_OPTIONS``); ``publish`` logs a failure and answers False, and the
caller leaves the work to its relay.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from helpdesk.celery import app as celery_app

logger = logging.getLogger(__name__)


def publish(task: Task | str, *args: Any, what: str, then: str) -> bool:
    """Send ``task(*args)`` to the broker; False, logged as "could not enqueue <what> (...); <then>", if it is down.

    A service names its task (``"tickets.tasks.deliver_notification_email"``) rather than import
    the task module, which imports the service: the dependency stays one-way, as beat's schedule
    names tasks. A name nobody registered raises at once instead of passing for a broker outage.
    """
    if isinstance(task, str):
        task = celery_app.tasks[task]
    try:
        task.delay(*args)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the caller's outbox or fallback has the work
        logger.warning("Could not enqueue %s (%s: %s); %s.", what, type(exc).__name__, exc, then)
        return False
    return True
