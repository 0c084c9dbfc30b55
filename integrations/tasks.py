"""Celery tasks of the sync engine: thin, taking ids, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from integrations.errors import TransientError
from integrations.models import Connection, PushState, RemoteLink
from integrations.services import sync_log_prune
from integrations.sync.outbox import push_enqueue
from integrations.sync.pull import DEFAULT_BATCH, pull_changes, pull_remote_ticket
from integrations.sync.push import PushBusy, push_ticket

# A pending link this old was missed by its own task (a lost broker, a crash): the relay pushes it.
RELAY_AFTER = timedelta(minutes=1)
RELAY_BATCH = 500
# One pull run stays well inside CELERY_TASK_SOFT_TIME_LIMIT (60 s); what remains goes to the next run.
PULL_MAX_PAGES = 10
PULL_MAX_SECONDS = 40.0
PUSH_BUSY_COUNTDOWN = 5


def _retry(task, exc: TransientError, backoff: float):
    """Retry after the desk's Retry-After when it sent one, else the backoff; a busy push shortly."""
    if isinstance(exc, PushBusy):
        countdown = PUSH_BUSY_COUNTDOWN
    elif exc.retry_after is not None:
        countdown = exc.retry_after
    else:
        countdown = min(backoff * 2**task.request.retries, 600)
    return task.retry(exc=exc, countdown=countdown)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=8)
def push_ticket_task(self, link_id: int) -> str:
    """Push one linked ticket to its desk; a second run finds nothing left to do."""
    link = RemoteLink.objects.select_related("connection", "ticket").filter(pk=link_id).first()
    if link is None or not link.connection.is_active:
        return "skipped"
    try:
        push_ticket(link.connection, link.ticket)
    except TransientError as exc:
        raise _retry(self, exc, 5) from exc
    return "pushed"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def push_pending_relay() -> int:
    """Enqueue the pushes the broker missed: links still pending a minute after their change."""
    cutoff = timezone.now() - RELAY_AFTER
    stale = Q(last_pushed_at__isnull=True, created_at__lt=cutoff) | Q(last_pushed_at__lt=cutoff)
    ids = RemoteLink.objects.filter(stale, push_state=PushState.PENDING, connection__is_active=True)
    return push_enqueue(list(ids.order_by("pk").values_list("pk", flat=True)[:RELAY_BATCH]))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def pull_connection_task(self, connection_id: int, max_pages: int = PULL_MAX_PAGES, batch: int = DEFAULT_BATCH) -> int:
    """Pull what changed on one connection's desk, a bounded number of pages; the number of tickets seen
    (0 if another run holds it). When more remains, the task enqueues itself to continue."""
    connection = Connection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None:
        return 0
    try:
        result = pull_changes(connection, max_pages=max_pages, max_seconds=PULL_MAX_SECONDS, batch=batch)
    except TransientError as exc:
        raise _retry(self, exc, 10) from exc
    if result is None:
        return 0
    if not result.done:
        pull_connection_task.delay(connection_id, max_pages=max_pages, batch=batch)
    return result.seen


@shared_task(acks_late=True, reject_on_worker_lost=True)
def pull_all() -> int:
    """Enqueue a pull of every active connection (beat runs it)."""
    ids = list(Connection.objects.filter(is_active=True).values_list("pk", flat=True))
    for pk in ids:
        pull_connection_task.delay(pk)
    return len(ids)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def pull_remote_ticket_task(self, connection_id: int, remote_id: str) -> str:
    """Bring one remote ticket in (a webhook said it changed); skipped when we already have that version."""
    connection = Connection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None:
        return "skipped"
    try:
        return pull_remote_ticket(connection, remote_id)
    except TransientError as exc:
        raise _retry(self, exc, 5) from exc


SYNC_LOG_KEEP = timedelta(days=30)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sync_log_prune_task() -> int:
    """Delete sync log entries older than 30 days (beat runs it daily); the number deleted."""
    return sync_log_prune(older_than=SYNC_LOG_KEEP)
