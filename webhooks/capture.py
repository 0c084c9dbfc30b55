"""Turning recorded ticket events into deliveries, in the transaction of the change.

``tickets.services.common.events_recorded`` fires for every ``TicketEvent`` (``record`` and the SLA
sweep's bulk insert), inside the writer's transaction. For each event that maps to a webhook event
(``EVENT_FOR_KIND``) and each endpoint that wants it, a ``Delivery`` row is inserted right there: a
change that rolls back leaves no delivery, and one that commits cannot lose its delivery to a dead
broker (the relay sends what no task took). The tasks are published once the transaction commits.

One change, one delivery per endpoint: the events one transaction records for one ticket and one
webhook event are one delivery with several ``changes`` (a PATCH of subject and priority is one
``ticket.updated``), and the assignment and status move that opening a ticket may bring ride in its
``ticket.created`` rather than firing ``ticket.updated`` and ``ticket.status_changed`` beside it.
An import of an external desk's history (``notifications_muted("everyone")``) sends none: those
changes happened long ago, elsewhere; a live sync (which mutes customers only) sends as usual.

Cost when nobody listens: the active endpoints and their events live in the default cache
(``ENDPOINTS_KEY``), dropped whenever an endpoint is saved, deleted, paused or resumed, and kept at most
``ENDPOINTS_CACHE_SECONDS`` so a process with its own memory cache (no Redis) sees a change within that
time. A ticket write with no endpoint makes no extra query, only a cache read per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from helpdesk.cache import forget, remembered
from helpdesk.commit_hooks import pending_hook
from helpdesk.queue import publish
from tickets.models import CHANGE_OF_KIND, TicketEvent
from tickets.services.common import events_recorded
from tickets.services.notifications import notifications_muted_for
from webhooks.models import Delivery, Endpoint, WebhookEvent

ENDPOINTS_KEY = "webhooks:endpoints:v1"
ENDPOINTS_CACHE_SECONDS = 10

# Each ticket change an event makes, as the webhook event endpoints subscribe to.
EVENT_FOR_KIND: dict[str, str] = {kind: f"ticket.{change}" for kind, change in CHANGE_OF_KIND.items()}
# Carried by the ticket.created delivery of the same transaction instead of firing on their own.
_FOLDED_INTO_CREATED = frozenset({WebhookEvent.TICKET_UPDATED, WebhookEvent.TICKET_STATUS_CHANGED})

DELIVER_TASK = "webhooks.tasks.deliver"


# --- The endpoints that listen ---------------------------------------------------------


def listening_endpoints() -> list[tuple[int, frozenset[str], bool]]:
    """(id, events, include internal notes) of every endpoint that takes new deliveries; cached."""

    def read() -> list[tuple[int, list[str], bool]]:
        rows = Endpoint.objects.filter(is_active=True, paused_at__isnull=True).values_list(
            "pk", "events", "include_internal"
        )
        return [(pk, list(events or []), internal) for pk, events, internal in rows]

    cached = remembered(ENDPOINTS_KEY, read, ENDPOINTS_CACHE_SECONDS)
    return [(pk, frozenset(events), internal) for pk, events, internal in cached]


def forget_endpoints() -> None:
    """Drop the cached list now and again once the transaction commits (what a reader cached meanwhile is old)."""
    forget(ENDPOINTS_KEY)
    transaction.on_commit(lambda: forget(ENDPOINTS_KEY), robust=True)


def _endpoint_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        forget_endpoints()


# --- One transaction's deliveries ------------------------------------------------------


@dataclass(eq=False)
class _Batch:
    """The deliveries one transaction wrote, by (ticket, endpoint, event); published when it commits."""

    rows: dict[tuple[int, int, str], Delivery] = field(default_factory=dict)
    ran: bool = False

    def __post_init__(self) -> None:
        # Django names a failed commit hook by these in its log.
        self.__name__ = self.__qualname__ = "publish_webhook_deliveries"

    def __call__(self) -> None:
        self.ran = True
        for delivery in self.rows.values():
            publish(DELIVER_TASK, delivery.pk, what=f"webhook delivery {delivery.pk}", then="the relay will send it")


def change_of(event: TicketEvent) -> dict[str, Any]:
    """One recorded event as a delivery's ``changes`` entry (what the payload shows of it)."""
    actor = event.actor if event.actor_id else None
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "field": event.field,
        "old": event.old_value,
        "new": event.new_value,
        "internal": event.is_internal,
        "occurred_at": event.created_at.isoformat(),
        "actor": {"id": actor.pk, "name": actor.get_full_name() or actor.email} if actor else None,
        "metadata": event.metadata or {},
    }


def _events_recorded(sender: Any, events: list[TicketEvent], **kwargs: Any) -> None:
    """Write the deliveries these events make, in the caller's transaction."""
    wanted = [(event, EVENT_FOR_KIND[event.kind]) for event in events if event.kind in EVENT_FOR_KIND]
    if not wanted or notifications_muted_for() == "everyone":
        return
    endpoints = listening_endpoints()
    if not endpoints:
        return
    batch = pending_hook(_Batch)
    hooked = batch is not None
    batch = batch or _Batch()
    new: list[Delivery] = []
    now = timezone.now()
    for event, name in wanted:
        for endpoint_id, names, internal in endpoints:
            if name not in names or (event.is_internal and not internal):
                continue
            key = (event.ticket_id, endpoint_id, name)
            if (
                name in _FOLDED_INTO_CREATED
                and (event.ticket_id, endpoint_id, WebhookEvent.TICKET_CREATED) in batch.rows
            ):
                key = (event.ticket_id, endpoint_id, WebhookEvent.TICKET_CREATED)
            if (earlier := batch.rows.get(key)) is not None and _append(earlier, event):
                continue
            delivery = Delivery(
                endpoint_id=endpoint_id,
                event=name,
                ticket_id=event.ticket_id,
                changes=[change_of(event)],
                created_at=now,
                next_attempt_at=now,
            )
            batch.rows[key] = delivery
            new.append(delivery)
    if new:
        Delivery.objects.bulk_create(new)
        if not hooked:
            # Hooked once its rows exist: outside a transaction the hook runs at once.
            transaction.on_commit(batch, robust=True)


def _append(delivery: Delivery, event: TicketEvent) -> bool:
    """Add the event to a delivery of this transaction; False if that row is gone (its savepoint rolled back)."""
    if delivery.pk is None:  # written below with the rest of this call's rows
        delivery.changes.append(change_of(event))
        return True
    changes = [*delivery.changes, change_of(event)]
    if not Delivery.objects.filter(pk=delivery.pk, status="pending", attempts=0).update(changes=changes):
        return False
    delivery.changes = changes
    return True


def connect() -> None:
    events_recorded.connect(_events_recorded, sender=TicketEvent, dispatch_uid="webhooks.capture")
    post_save.connect(_endpoint_changed, sender=Endpoint, dispatch_uid="webhooks.endpoint.saved")
    post_delete.connect(_endpoint_changed, sender=Endpoint, dispatch_uid="webhooks.endpoint.deleted")
