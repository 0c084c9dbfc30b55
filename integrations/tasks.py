"""Celery tasks of the sync engine: thin, taking ids, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from integrations.errors import TransientError
from integrations.models import Connection, PushState, RemoteLink
from integrations.sync.outbox import push_enqueue
from integrations.sync.pull import pull_changes, pull_remote_ticket
from integrations.sync.push import push_ticket

# A pending link this old was missed by its own task (a lost broker, a crash): the relay pushes it.
RELAY_AFTER = timedelta(minutes=1)
RELAY_BATCH = 500


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def push_ticket_task(link_id: int) -> str:
    """Push one linked ticket to its desk; a second run finds nothing left to do."""
    link = RemoteLink.objects.select_related("connection", "ticket").filter(pk=link_id).first()
    if link is None or not link.connection.is_active:
        return "skipped"
    push_ticket(link.connection, link.ticket)
    return "pushed"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def push_pending_relay() -> int:
    """Enqueue the pushes the broker missed: links still pending a minute after their change."""
    cutoff = timezone.now() - RELAY_AFTER
    stale = Q(last_pushed_at__isnull=True, created_at__lt=cutoff) | Q(last_pushed_at__lt=cutoff)
    ids = RemoteLink.objects.filter(stale, push_state=PushState.PENDING, connection__is_active=True)
    return push_enqueue(list(ids.order_by("pk").values_list("pk", flat=True)[:RELAY_BATCH]))


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientError,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=5,
)
def pull_connection_task(connection_id: int) -> int:
    """Pull what changed on one connection's desk; the number of tickets seen (0 if another run holds it)."""
    connection = Connection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None:
        return 0
    result = pull_changes(connection)
    return result.seen if result is not None else 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def pull_all() -> int:
    """Enqueue a pull of every active connection (beat runs it)."""
    ids = list(Connection.objects.filter(is_active=True).values_list("pk", flat=True))
    for pk in ids:
        pull_connection_task.delay(pk)
    return len(ids)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def pull_remote_ticket_task(connection_id: int, remote_id: str) -> str:
    """Bring one remote ticket in (a webhook said it changed); skipped when we already have that version."""
    connection = Connection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None:
        return "skipped"
    return pull_remote_ticket(connection, remote_id)
