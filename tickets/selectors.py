"""Reads: the querysets each face starts from, with related rows fetched once here."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Case, CharField, Prefetch, Q, QuerySet, Value, When

from accounts.models import User
from accounts.roles import STAFF_ROLES, Role
from tickets import workflow
from tickets.access import can_see_internal, can_view_ticket, visibility_filter
from tickets.models import Attachment, Comment, SLAPolicy, Ticket, TicketEvent
from tickets.models.ticket import FIRST_RESPONSE_CLOCK, FIRST_RESPONSE_UNMET, RESOLUTION_CLOCK, RESOLUTION_UNMET
from tickets.sla import SlaState

# What a ticket's pages show beside it, each read by id (``prefetch_related_objects`` for one ticket).
TICKET_RELATED = (
    "category",
    "requester",
    "assignee",
    "team",
    "organization",
    "sla_policy__calendar__hours",
    "sla_policy__calendar__holidays",
    "tags",
)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket ``user`` may see, ready for lists and detail pages.

    The related rows come by id, one short query per table, not joined in: planning an 8-table
    join cost PostgreSQL 12 ms a request at a million tickets, against 0.1 ms for the ticket table
    alone and 0.5 ms to run it (issue 17).
    """
    queryset = Ticket.objects.prefetch_related(*TICKET_RELATED)
    condition = visibility_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def staff_who_may_see(ticket: Ticket) -> list[User]:
    """The active staff who may see ``ticket`` (tickets/access.py), in id order."""
    staff = User.objects.filter(is_active=True, role__in=sorted(STAFF_ROLES)).order_by("id")
    if settings.AGENT_TICKET_VISIBILITY != "all" and ticket.team_id is None:
        # An agent sees a ticket outside every team only when it is theirs: no query per agent for the rest.
        staff = staff.filter(~Q(role=Role.AGENT) | Q(pk__in=[ticket.assignee_id, ticket.requester_id]))
    return [user for user in staff if can_view_ticket(user, ticket)]


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


# The SLA conditions below mirror ``Ticket.sla_state(now)`` (tickets/sla.py), built on the
# clock conditions of tickets/models/ticket.py, so queues,
# filters and the dashboard count what a ticket's own page would say. Every comparison on a
# nullable column is paired with an explicit IS NOT NULL, so each condition is true or false,
# never NULL: negating one (``~sla_breached_condition(now)``) then means what it says.


def sla_breached_condition(now: datetime) -> Q:
    """Tickets whose SLA state at ``now`` is ``breached``, in any status.

    A clock is breached when its breach was recorded, when it was met after its due
    time, or when it is unmet and ``now`` is past its due time. A paused resolution
    clock has no due time, so it cannot newly breach. The database keeps the first
    two in ``sla_breached`` and the earliest due time of an unmet clock in
    ``sla_breaches_at`` (tickets/models/ticket.py), so the condition reads two
    columns. Callers wanting only open work add ``status__in=workflow.ACTIVE_STATUSES``.
    With ``SLA_ENABLED`` off no ticket is breached (nor at risk): the condition matches none.
    """
    if not settings.SLA_ENABLED:
        return Q(pk__in=[])
    return Q(sla_breached=True) | Q(sla_breaches_at__isnull=False, sla_breaches_at__lt=now)


def sla_at_risk_condition(now: datetime) -> Q:
    """Tickets whose SLA state at ``now`` is ``at_risk``: running, not breached, a clock past its at-risk instant.

    Only a running status can be at risk (a paused ticket is ``paused``, a stopped one
    ``met``). The at-risk instants stored on the ticket are when the counted time
    reached the policy's share of the target (pauses excluded): at risk from then on.
    """
    if not settings.SLA_ENABLED:
        return Q(pk__in=[])
    first_response = FIRST_RESPONSE_UNMET & Q(
        first_response_at_risk_at__isnull=False, first_response_at_risk_at__lte=now
    )
    resolution = RESOLUTION_UNMET & Q(resolution_at_risk_at__isnull=False, resolution_at_risk_at__lte=now)
    running = Q(status__in=workflow.SLA_RUNNING)
    return running & (first_response | resolution) & ~sla_breached_condition(now)


def sla_state_expression(now: datetime) -> Case:
    """A ticket's SLA word at ``now`` (``Ticket.sla_state``) as SQL: breached, met, paused, at risk or ok.

    In ``sla_state``'s order, from the conditions above; a ticket without a clock is ``ok``. Lets the
    database write the word for a million rows (the CSV export) without loading one.
    """
    if not settings.SLA_ENABLED:
        return Case(default=Value(SlaState.OK.value), output_field=CharField())
    has_clock = FIRST_RESPONSE_CLOCK | RESOLUTION_CLOCK
    return Case(
        When(sla_breached_condition(now), then=Value(SlaState.BREACHED.value)),
        When(has_clock & Q(status__in=sorted(workflow.SLA_STOPPED)), then=Value(SlaState.MET.value)),
        When(has_clock & Q(status__in=sorted(workflow.SLA_PAUSED)), then=Value(SlaState.PAUSED.value)),
        When(sla_at_risk_condition(now), then=Value(SlaState.AT_RISK.value)),
        default=Value(SlaState.OK.value),
        output_field=CharField(),
    )
