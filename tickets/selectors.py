"""Reads: the querysets each face starts from, with related rows fetched once here."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from tickets.access import can_see_internal, visibility_filter
from tickets.models import Attachment, Comment, SLAPolicy, Ticket, TicketEvent


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket ``user`` may see, ready for lists and detail pages."""
    queryset = Ticket.objects.select_related(
        "category", "requester", "assignee", "team", "organization", "sla_policy__calendar"
    ).prefetch_related("tags", "sla_policy__calendar__hours", "sla_policy__calendar__holidays")
    condition = visibility_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def comments_visible_to(user: User, ticket: Ticket) -> QuerySet[Comment]:
    attachments = Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by"))
    queryset = ticket.comments.select_related("author").prefetch_related(attachments)
    return queryset if can_see_internal(user) else queryset.filter(is_internal=False)


def events_visible_to(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    queryset = ticket.events.select_related("actor")
    return queryset if can_see_internal(user) else queryset.filter(is_internal=False)


def sla_policies_in_order() -> QuerySet[SLAPolicy]:
    return (
        SLAPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("targets", "calendar__hours", "calendar__holidays")
        .order_by("position", "id")
    )
