"""Reads: the querysets each face starts from, with related rows fetched once here."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, CharField, Prefetch, Q, QuerySet, Value, When, prefetch_related_objects

from accounts.models import Organization, Team, User
from accounts.roles import STAFF_ROLES, Role
from tickets import workflow
from tickets.access import can_see_internal, can_view_ticket, team_ids_of, visibility_filter
from tickets.custom_fields import load_values
from tickets.models import Attachment, Category, Comment, Macro, SLAPolicy, Ticket, TicketEvent
from tickets.models.conditions import FIRST_RESPONSE_CLOCK, FIRST_RESPONSE_UNMET, RESOLUTION_CLOCK, RESOLUTION_UNMET
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


# The rows a ticket's JSON shows by name (TicketSerializer) and the columns it reads of each.
NAMED_RELATIONS = (
    ("category", Category, ("id", "name", "slug")),
    ("team", Team, ("id", "name")),
    ("organization", Organization, ("id", "name")),
    ("sla_policy", SLAPolicy, ("id", "name")),
)


def with_related(tickets: list[Ticket]) -> list[Ticket]:
    """Load what the API shows beside each of ``tickets`` in three queries, whatever their number.

    People (requester and assignee together), the named rows (category, team, organization and SLA
    policy in one UNION ALL: the columns shown, the rest deferred) and the tags. Django's prefetch
    took a query and most of a millisecond of Python per relation (issue 17).
    """
    if not tickets:
        return tickets
    people = {t.requester_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    users = {user.pk: user for user in User.objects.filter(pk__in=people)}
    for ticket in tickets:
        Ticket.requester.field.set_cached_value(ticket, users.get(ticket.requester_id))
        Ticket.assignee.field.set_cached_value(ticket, users.get(ticket.assignee_id))
    parts = []
    for index, (name, model, columns) in enumerate(NAMED_RELATIONS):
        ids = {getattr(ticket, f"{name}_id") for ticket in tickets} - {None}
        padding = [Value("")] * (3 - len(columns))  # every part of a UNION has the same columns
        parts.append(model.objects.filter(pk__in=ids).order_by().values_list(Value(index), *columns, *padding))
    found = {}
    for index, pk, *rest in parts[0].union(*parts[1:], all=True):
        _, model, columns = NAMED_RELATIONS[index]
        found[index, pk] = model.from_db(DEFAULT_DB_ALIAS, columns, (pk, *rest)[: len(columns)])
    for index, (name, _, _) in enumerate(NAMED_RELATIONS):
        field = Ticket._meta.get_field(name)
        for ticket in tickets:
            field.set_cached_value(ticket, found.get((index, getattr(ticket, field.attname))))
    prefetch_related_objects(tickets, "tags")
    load_values(tickets)
    return tickets


def staff_who_may_see(ticket: Ticket) -> list[User]:
    """The active staff who may see ``ticket`` (tickets/access.py), in id order."""
    staff = User.objects.staff().order_by("id")
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


def macros_for(user: User, *, active_only: bool = True) -> QuerySet[Macro]:
    """The macros ``user`` may apply: none for customers; all for managers and admins; for agents and
    team leads those shared with everyone or with one of their teams. Assignee and team come joined."""
    if not (user.is_authenticated and user.is_active and user.role in STAFF_ROLES):
        return Macro.objects.none()
    macros = Macro.objects.select_related("assignee", "team")
    if active_only:
        macros = macros.filter(is_active=True)
    if user.role not in (Role.MANAGER, Role.ADMIN):
        limited = Macro.teams.through.objects.values("macro_id")
        shared = limited.filter(team_id__in=team_ids_of(user))
        macros = macros.filter(~Q(pk__in=limited) | Q(pk__in=shared))
    return macros.order_by("position", "name")
