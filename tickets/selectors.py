"""Reads: the querysets each face starts from, with related rows fetched once here."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import User
from tickets import workflow
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


# The SLA conditions below mirror ``Ticket.sla_state(now)`` (tickets/sla.py) so queues,
# filters and the dashboard count what a ticket's own page would say. Every comparison on a
# nullable column is paired with an explicit IS NOT NULL, so each condition is true or false,
# never NULL: negating one (``~sla_breached_condition(now)``) then means what it says.

# sla_state() answers "ok" without a policy, whatever the stored SLA fields say.
_HAS_POLICY = Q(sla_policy__isnull=False)
# A clock exists only with a positive target (and, for first response, a due time).
_FIRST_RESPONSE_CLOCK = Q(sla_first_response_minutes__isnull=False, sla_first_response_minutes__gt=0) & Q(
    first_response_due_at__isnull=False
)
_RESOLUTION_CLOCK = Q(sla_resolution_minutes__isnull=False, sla_resolution_minutes__gt=0)


def sla_breached_condition(now: datetime) -> Q:
    """Tickets whose SLA state at ``now`` is ``breached``, in any status.

    A clock is breached when its breach was recorded, when it was met after its due
    time, or when it is unmet and ``now`` is past its due time. A paused resolution
    clock has no due time, so it cannot newly breach. Callers wanting only open
    work add ``status__in=workflow.ACTIVE_STATUSES`` themselves.
    """
    first_response = _FIRST_RESPONSE_CLOCK & (
        Q(first_response_breached=True)
        | Q(first_responded_at__isnull=False, first_responded_at__gt=F("first_response_due_at"))
        | Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    )
    has_due = Q(resolution_due_at__isnull=False)
    resolution = _RESOLUTION_CLOCK & (
        Q(resolution_breached=True)
        | (has_due & Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due_at")))
        | (has_due & Q(resolved_at__isnull=True, resolution_due_at__lt=now))
    )
    return _HAS_POLICY & (first_response | resolution)


def sla_at_risk_condition(now: datetime) -> Q:
    """Tickets whose SLA state at ``now`` is ``at_risk``: running, not breached, a clock past its at-risk instant.

    Only a running status can be at risk (a paused ticket is ``paused``, a stopped one
    ``met``); the at-risk instants stored on the ticket already apply the policy's
    share and the pauses of its history.
    """
    first_response = _FIRST_RESPONSE_CLOCK & Q(
        first_responded_at__isnull=True,
        first_response_at_risk_at__isnull=False,
        first_response_at_risk_at__lte=now,
    )
    resolution = _RESOLUTION_CLOCK & Q(
        resolved_at__isnull=True,
        resolution_due_at__isnull=False,
        resolution_at_risk_at__isnull=False,
        resolution_at_risk_at__lte=now,
    )
    running = Q(status__in=workflow.SLA_RUNNING)
    return _HAS_POLICY & running & (first_response | resolution) & ~sla_breached_condition(now)
