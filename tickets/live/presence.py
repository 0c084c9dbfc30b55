"""Who else has a ticket open: one ``Presence`` row per open console page, kept by its live stream.

Only staff who may see the ticket are recorded and only they are shown: a customer's portal
page neither shows nor counts. Rows live in the database in both modes (a Redis signal on
``ticket:<id>`` only tells the other viewers to look again), so presence works across web
processes with or without Redis.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from helpdesk import live
from helpdesk.models import Presence
from tickets.access import can_view_ticket
from tickets.models import Ticket

# A stream refreshes its row every heartbeat (15 s); a row older than this belongs to a dead stream.
TTL = timedelta(seconds=45)


def topic_of(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def presence_ticket(user: User, ticket_id: int) -> Ticket | None:
    """The ticket whose presence ``user`` joins: staff only, and only a ticket they may see."""
    if not (user.is_active and user.is_staff_role):
        return None
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    return ticket if ticket is not None and can_view_ticket(user, ticket) else None


def presence_join(*, user: User, ticket_id: int, connection: str, now: datetime | None = None) -> None:
    """Record that this stream shows the ticket to ``user``, and tell the other viewers."""
    Presence.objects.update_or_create(
        connection=connection,
        defaults={"user": user, "topic": topic_of(ticket_id), "seen_at": now or timezone.now()},
    )
    live.send_now([topic_of(ticket_id)])


def presence_touch(*, connection: str, now: datetime | None = None) -> None:
    """The stream is still open: keep its row fresh."""
    Presence.objects.filter(connection=connection).update(seen_at=now or timezone.now())


def presence_leave(*, ticket_id: int, connection: str) -> None:
    """The stream closed: forget its row and tell the other viewers."""
    if Presence.objects.filter(connection=connection).delete()[0]:
        live.send_now([topic_of(ticket_id)])


def presence_prune(*, now: datetime | None = None) -> int:
    """Delete the rows of streams that died without closing (beat); how many."""
    return Presence.objects.filter(seen_at__lt=(now or timezone.now()) - TTL).delete()[0]


def viewers_of(ticket: Ticket, viewer: User, *, now: datetime | None = None) -> list[str]:
    """The names of the others (not ``viewer``) who have the ticket open and may see it, sorted."""
    fresh = (now or timezone.now()) - TTL
    rows = (
        Presence.objects.filter(topic=topic_of(ticket.pk), seen_at__gte=fresh)
        .exclude(user_id=viewer.pk)
        .select_related("user")
    )
    people = {row.user_id: row.user for row in rows}
    return sorted(
        user.get_full_name()
        for user in people.values()
        if user.is_active and user.is_staff_role and can_view_ticket(user, ticket)
    )
