"""Reads for the live stream: a user's alerts after an id, checked against what they may see now.

An alert is an in-app notification. Who gets one is decided when it is written
(``tickets/services/notifications.py``, by the access rules of ``tickets/access.py``); the
stream checks again as it sends, so a ticket moved out of an agent's sight since, or an
internal note, never reaches someone who may not see it.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from tickets.access import can_see_internal, can_view_ticket
from tickets.models import Notification, NotificationKind

# Kinds about staff-only content: never sent to a customer, whatever a row says.
STAFF_ONLY = frozenset({NotificationKind.INTERNAL_NOTE, NotificationKind.SLA_AT_RISK, NotificationKind.SLA_BREACHED})
BATCH = 50


def ticket_path(user: User, ticket_id: int) -> str:
    """Where the alert's link goes: the console for staff, the portal for customers."""
    if user.is_staff_role:
        return reverse("admin:tickets_ticket_change", args=[ticket_id])
    return reverse("portal:ticket", args=[ticket_id])


def latest_alert_id(user: User) -> int:
    """The newest of the user's notification ids (0 for none): a fresh stream starts after it."""
    return Notification.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True).first() or 0


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def alerts_after(user: User, after: int, *, limit: int = BATCH) -> tuple[list[dict], int]:
    """The user's in-app alerts with an id above ``after`` (oldest first), and the id to resume after.

    The returned id moves past rows that were skipped (not visible any more), so they are not read again.
    """
    rows = list(
        Notification.objects.filter(recipient=user, id__gt=after).select_related("ticket").order_by("id")[:limit]
    )
    alerts = []
    for row in rows:
        if not row.in_app or row.ticket is None or not can_view_ticket(user, row.ticket):
            continue
        if row.kind in STAFF_ONLY and not can_see_internal(user):
            continue
        alerts.append(
            {
                "id": row.pk,
                "kind": row.kind,
                "label": str(NotificationKind(row.kind).label),
                "title": row.title,
                "body": row.body,
                "ticket": row.ticket.number,
                "url": ticket_path(user, row.ticket_id),
                "created_at": row.created_at.isoformat(),
            }
        )
    return alerts, (rows[-1].pk if rows else after)
