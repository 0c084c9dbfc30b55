"""The JSON a delivery sends: made once, at its first attempt, and sent byte for byte ever after.

``{"id", "event", "occurred_at", "ticket", "changes", "actor"}`` (plus ``"comment"`` for
``ticket.commented``): the ticket as the REST API shows it to staff (``TicketSerializer``), as it
is when the body is made (normally moments after the change commits, so it includes every change
of that transaction), and the changes exactly as they were recorded.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from tickets.api.serializers import TicketSerializer
from tickets.models import Comment, Ticket
from tickets.selectors import TICKET_RELATED
from webhooks.models import Delivery, WebhookEvent


def envelope(delivery: Delivery, data: dict[str, Any]) -> str:
    """The body: the delivery's id, event and time around ``data``, as compact JSON."""
    occurred_at = delivery.changes[0]["occurred_at"] if delivery.changes else delivery.created_at.isoformat()
    body = {"id": str(delivery.uuid), "event": delivery.event, "occurred_at": occurred_at, **data}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def ticket_data(ticket_id: int | None) -> dict[str, Any] | None:
    """The ticket as the API's staff view shows it now, or None if it was deleted."""
    ticket = Ticket.objects.prefetch_related(*TICKET_RELATED).filter(pk=ticket_id).first() if ticket_id else None
    if ticket is None:
        return None
    return TicketSerializer(ticket, context={"now": timezone.now()}).data


def comment_data(comment_id: int | None) -> dict[str, Any] | None:
    comment = Comment.objects.select_related("author").filter(pk=comment_id).first() if comment_id else None
    if comment is None:
        return None
    author = comment.author
    return {
        "id": comment.pk,
        "body": comment.body,
        "is_internal": comment.is_internal,
        "author": {"id": author.pk, "name": author.get_full_name() or author.email} if author else None,
        "created_at": comment.created_at,
    }


def ticket_body(delivery: Delivery) -> str:
    """The body of a delivery recorded from ticket events."""
    first = delivery.changes[0] if delivery.changes else {}
    data: dict[str, Any] = {
        "ticket": ticket_data(delivery.ticket_id),
        "changes": [
            {key: change.get(key) for key in ("kind", "field", "old", "new", "internal", "occurred_at", "actor")}
            for change in delivery.changes
        ],
        "actor": first.get("actor"),
    }
    if delivery.event == WebhookEvent.TICKET_COMMENTED:
        data["comment"] = comment_data((first.get("metadata") or {}).get("comment_id"))
    return envelope(delivery, data)
