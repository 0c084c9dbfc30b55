"""What must be pushed, recorded in the database with the change itself (an outbox), and the push suppression.

``ticket_mark_for_push(ticket)`` runs inside the transaction of a ticket change (the
``TicketEvent`` receiver in ``integrations.signals`` calls it): every active connection that
covers the ticket gets its ``RemoteLink`` (created with its idempotency key on first sight) set
to ``pending``, and one push task per link is enqueued after commit. A lost broker loses
nothing: ``push_pending_relay`` re-enqueues links left pending.

``suppress_push(connection)``: changes made inside it (a pull applying the desk's own changes)
are not marked for that connection, so they are not echoed back to it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models, transaction

from helpdesk.queue import publish
from integrations.models import Connection, PushState, RemoteLink
from tickets.models import Ticket

_suppressed: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar("integrations_push_suppressed")


@contextmanager
def suppress_push(connection: Connection) -> Iterator[None]:
    """Within: ticket changes are not pushed to ``connection`` (they came from it). Thread- and task-local."""
    token = _suppressed.set(_suppressed.get(frozenset()) | {connection.pk})
    try:
        yield
    finally:
        _suppressed.reset(token)


def push_suppressed(connection_id: int) -> bool:
    return connection_id in _suppressed.get(frozenset())


def connections_covering(ticket: Ticket) -> list[Connection]:
    """The active connections whose tickets include this one (no team, or the ticket's team)."""
    scope = models.Q(team__isnull=True)
    if ticket.team_id is not None:
        scope |= models.Q(team_id=ticket.team_id)
    return list(Connection.objects.filter(scope, is_active=True).only("pk", "team_id"))


def ticket_mark_for_push(ticket: Ticket) -> list[int]:
    """Set the ticket's links to pending (creating them) and enqueue their push after commit; the link ids."""
    link_ids = []
    for connection in connections_covering(ticket):
        if push_suppressed(connection.pk):
            continue
        link, created = RemoteLink.objects.get_or_create(
            connection_id=connection.pk, ticket_id=ticket.pk, defaults={"push_state": PushState.PENDING}
        )
        if not created and link.push_state != PushState.PENDING:
            RemoteLink.objects.filter(pk=link.pk).update(push_state=PushState.PENDING)
        link_ids.append(link.pk)
    for link_id in link_ids:
        _enqueue_after_commit(link_id)
    return link_ids


def _enqueue_after_commit(link_id: int) -> None:
    """One push per link per transaction, however many events the transaction records."""
    db = transaction.get_connection()
    queued: set[int] | None = getattr(db, "_integrations_push_queue", None)
    callback = getattr(db, "_integrations_push_callback", None)
    # The set belongs to a callback still waiting for this transaction's commit; after a
    # rollback the callback is gone and a new one starts.
    alive = callback is not None and any(entry[1] is callback for entry in db.run_on_commit)
    if queued is None or not alive or not db.in_atomic_block:
        queued = set()

        def enqueue(ids: set[int] = queued) -> None:
            if getattr(db, "_integrations_push_queue", None) is ids:
                db._integrations_push_queue = None
            push_enqueue(sorted(ids))

        db._integrations_push_queue = queued
        db._integrations_push_callback = enqueue
        queued.add(link_id)
        transaction.on_commit(enqueue)
        return
    queued.add(link_id)


def push_enqueue(link_ids: list[int]) -> int:
    """Hand links to the push task; a broker failure is logged and left to the relay. The number enqueued."""
    sent = 0
    for link_id in link_ids:
        if not publish(
            "integrations.tasks.push_ticket_task",
            link_id,
            what=f"the push of link {link_id}",
            then="the relay will push it",
        ):
            return sent  # the broker is down: the pending links wait for the relay
        sent += 1
    return sent
