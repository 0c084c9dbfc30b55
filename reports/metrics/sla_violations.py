"""``sla-violations``: the tickets created in the range whose SLA is breached, and how late they are.

"Breached" is ``tickets.selectors.sla_breached_condition(now)``, what a ticket's own
page says: a recorded breach, a target met after its due time, or a target unmet
and past due, in any status.

Lateness is wall-clock time, in whole minutes rounded down, computed in SQL:

- first response: (``first_response_stopped_at``, or now while that clock runs) - ``first_response_due_at``;
- resolution: (``stopped_at``: resolved, or closed unresolved; or now) - ``resolution_due_at``;

each only when positive (otherwise ``null``), and only for a metric with a clock
(a positive target). A breach recorded on a paused ticket has no due time, so its
lateness is ``null`` while the metric is still listed. ``minutes_late`` is the
larger of the two (0 when neither is known); rows come most late first, then by id.

The JSON answer holds the first ``limit`` rows (default 100, at most 1000) with the
total ``count``; the CSV export streams every row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from rest_framework import serializers

from reports.metrics.expressions import WholeMinutes, count_where
from reports.params import ReportParams, ReportParamsSerializer, local_iso
from tickets.models import Ticket
from tickets.models.conditions import FIRST_RESPONSE_CLOCK, RESOLUTION_CLOCK
from tickets.selectors import sla_breached_condition

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
STREAM_CHUNK_SIZE = 500
COLUMNS = (
    "id",
    "number",
    "subject",
    "status",
    "priority",
    "team",
    "assignee",
    "metrics",
    "first_response_late_minutes",
    "resolution_late_minutes",
    "minutes_late",
    "created_at",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "resolved_at",
)
# What a row is made of; the two names need joins, made for the rows kept only (see ``sla_violations``).
_OWN_VALUES = (
    "id",
    "number",
    "subject",
    "status",
    "priority",
    "first_response_late",
    "resolution_late",
    "first_response_late_minutes",
    "resolution_late_minutes",
    "minutes_late",
    "created_at",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "resolved_at",
)
_NAMES = ("team__name", "assignee__email")


class ViolationsParamsSerializer(ReportParamsSerializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text="Rows in the JSON answer (CSV: all)."
    )


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def _late(due: str, ended: Any, clock: Q) -> Case:
    """Minutes from ``due`` to ``ended`` when the clock exists and ``ended`` is past ``due``; NULL otherwise."""
    return Case(
        When(clock & Q(**{f"{due}__isnull": False, f"{due}__lt": ended}), then=WholeMinutes(ended, F(due))),
        default=None,
        output_field=IntegerField(),
    )


def _stopped_or_now(now: datetime) -> tuple[Coalesce, Coalesce]:
    """Where each clock stopped, or now while it runs; the clocks as ``sla_breached_condition`` has them."""
    return Coalesce(F("first_response_stopped_at"), Value(now)), Coalesce(F("stopped_at"), Value(now))


def _late_metrics(now: datetime) -> tuple[Q, Q]:
    """Whether first response, and resolution, is a breached metric of a breached ticket."""
    answered_or_now, resolved_or_now = _stopped_or_now(now)
    first_response = FIRST_RESPONSE_CLOCK & (
        Q(first_response_breached=True) | Q(first_response_due_at__lt=answered_or_now)
    )
    resolution = RESOLUTION_CLOCK & (
        Q(resolution_breached=True) | Q(resolution_due_at__isnull=False, resolution_due_at__lt=resolved_or_now)
    )
    return first_response, resolution


def _with_lateness(tickets: QuerySet[Ticket], now: datetime) -> QuerySet[Ticket]:
    """``tickets`` with each metric's late flag and minutes, and ``minutes_late``, most late first."""
    answered_or_now, resolved_or_now = _stopped_or_now(now)
    first_response, resolution = _late_metrics(now)
    return (
        tickets.annotate(
            first_response_late_minutes=_late("first_response_due_at", answered_or_now, FIRST_RESPONSE_CLOCK),
            resolution_late_minutes=_late("resolution_due_at", resolved_or_now, RESOLUTION_CLOCK),
            first_response_late=_flag(first_response),
            resolution_late=_flag(resolution),
        )
        .annotate(
            # Coalesce first: SQLite's MAX() of a NULL is NULL, PostgreSQL's GREATEST skips it.
            minutes_late=Greatest(
                Coalesce("first_response_late_minutes", Value(0)), Coalesce("resolution_late_minutes", Value(0))
            )
        )
        .order_by("-minutes_late", "id")
    )


def _breached_in_range(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> QuerySet[Ticket]:
    return tickets.filter(created_at__gte=params.start, created_at__lt=params.end).filter(sla_breached_condition(now))


def breached(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> QuerySet[Ticket]:
    """The breached tickets created in the range, with per-metric flags and lateness, most late first."""
    return _with_lateness(_breached_in_range(tickets, params, now), now)


def _row(values: dict[str, Any]) -> dict[str, Any]:
    metrics = [name for name in ("first_response", "resolution") if values[f"{name}_late"]]
    return {
        "id": values["id"],
        "number": values["number"],
        "subject": values["subject"],
        "status": values["status"],
        "priority": values["priority"],
        "team": values["team__name"],
        "assignee": values["assignee__email"],
        "metrics": metrics,
        "first_response_late_minutes": values["first_response_late_minutes"],
        "resolution_late_minutes": values["resolution_late_minutes"],
        "minutes_late": values["minutes_late"],
        "created_at": local_iso(values["created_at"]),
        "first_response_due_at": local_iso(values["first_response_due_at"]),
        "first_responded_at": local_iso(values["first_responded_at"]),
        "resolution_due_at": local_iso(values["resolution_due_at"]),
        "resolved_at": local_iso(values["resolved_at"]),
    }


def sla_violations(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """The first ``limit`` violations and the totals of all of them: two queries, each over one index range.

    The totals count every violation; the rows are the ``limit`` most late, picked by
    a sort that keeps only them (a top-N sort) over the narrow violations index
    (tickets/models/ticket.py), and only those few are then read in full, with their
    team and assignee names. Totals as window counts over the rows, or the rows sorted
    whole, would hold every violation of the range (on a big desk, more than fits in
    the sort's memory) before LIMIT applies.
    """
    limit = params.options["limit"]
    in_range = _breached_in_range(tickets, params, now)
    # Counted on the bare queryset: the lateness expressions are built for the rows only.
    first_response, resolution = _late_metrics(now)
    totals = in_range.aggregate(
        total=Count("*"), first_response_total=count_where(first_response), resolution_total=count_where(resolution)
    )
    top: Any = []
    if totals["total"]:
        # The expressions are built once and serve both the choice of the rows (the subquery, passed
        # as SQL: a queryset there would have Django build them again) and the rows themselves.
        late = _with_lateness(tickets, now)
        most_late = _breached_in_range(late, params, now).values("id")[:limit].query.sql_with_params()
        # Django's own SQL for the subquery, its values passed apart as parameters.
        top = late.filter(pk__in=RawSQL(*most_late)).values(*_OWN_VALUES, *_NAMES)  # noqa: S611
    return {
        "count": totals["total"],
        "limit": limit,
        "truncated": totals["total"] > limit,
        "totals": {"first_response": totals["first_response_total"], "resolution": totals["resolution_total"]},
        "results": [_row(values) for values in top],
    }


def stream_violations(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> Iterator[dict[str, Any]]:
    """Every violation, read in chunks (a server-side cursor on PostgreSQL), for the CSV export."""
    for values in breached(tickets, params, now).values(*_OWN_VALUES, *_NAMES).iterator(chunk_size=STREAM_CHUNK_SIZE):
        yield _row(values)
