"""The ticket page's customer panel: who is asking, how much they have open, how they rated us."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q

from accounts.models import User
from tickets import workflow
from tickets.models import SatisfactionRating, Ticket
from tickets.selectors import tickets_visible_to

# A rating of 4 or 5 counts as good (CSAT as the share of good ratings).
GOOD_SCORE = 4


def customer_context(user: User, ticket: Ticket) -> dict[str, Any]:
    """The requester's organization, open tickets and satisfaction, over the tickets ``user`` may see; two queries."""
    requester = ticket.requester
    theirs = tickets_visible_to(user).filter(requester_id=requester.pk).order_by()
    tickets = theirs.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=workflow.ACTIVE_STATUSES) & ~Q(pk=ticket.pk))
    )
    ratings = SatisfactionRating.objects.filter(ticket__in=theirs.values("pk"))
    summary = ratings.aggregate(
        count=Count("pk"), average=Avg("score"), good=Count("pk", filter=Q(score__gte=GOOD_SCORE))
    )
    last = (
        ratings.order_by("-updated_at", "-pk")
        .select_related("ticket")
        .only("score", "updated_at", "ticket__number")
        .first()
        if summary["count"]
        else None
    )
    count = summary["count"]
    return {
        "requester": requester,
        "organization": requester.organization if requester.organization_id else ticket.organization,
        "tickets_total": tickets["total"],
        "open_elsewhere": tickets["open"],
        "ratings": count,
        "average": round(summary["average"], 1) if count else None,
        "good_percent": round(100 * summary["good"] / count) if count else None,
        "last_rating": last,
    }
