"""What the merge tests share: a fixed clock, tickets of a team, and a snapshot of what must not change."""

from datetime import UTC, datetime, timedelta

from tickets import services
from tickets.models import Attachment, Comment, Ticket, TicketEvent
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MERGE_AT = T0 + timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_ticket(requester, *, team, subject="VPN drops every hour", minutes=0, **kwargs):
    """A ticket of ``team``, opened by its lead for ``requester``."""
    return services.ticket_create(
        actor=team.lead,
        requester=requester,
        subject=subject,
        category=category(),
        team=team,
        now=at(minutes),
        **kwargs,
    )


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def snapshot(*tickets: Ticket) -> tuple:
    """Everything a refused merge must leave as it was."""
    rows = [fresh(t) for t in tickets]
    return (
        Comment.objects.count(),
        Attachment.objects.count(),
        TicketEvent.objects.count(),
        [(t.version, t.status, t.merged_into_id, t.updated_at) for t in rows],
        sorted(Comment.objects.values_list("id", "ticket_id")),
        sorted(TicketEvent.objects.values_list("id", "ticket_id", "field")),
    )
