"""Ticket changes mark the ticket for push, in the transaction of the change (the outbox).

Hooked on ``TicketEvent``: every service records one event per change, so creates, comments
(public and internal), status moves and priority changes all pass here, whichever face made them.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from integrations.sync.outbox import ticket_mark_for_push
from tickets.models import EventKind, TicketEvent

PUSHED_KINDS = frozenset(
    {
        EventKind.CREATED,
        EventKind.COMMENT_ADDED,
        EventKind.STATUS_CHANGED,
        EventKind.RESOLVED,
        EventKind.CLOSED,
        EventKind.REOPENED,
        EventKind.ESCALATED,
        EventKind.PRIORITY_CHANGED,
    }
)


@receiver(post_save, sender=TicketEvent, dispatch_uid="integrations.ticket_event_push")
def ticket_event_push(
    sender: type[TicketEvent], instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw and instance.kind in PUSHED_KINDS:
        ticket_mark_for_push(instance.ticket)
