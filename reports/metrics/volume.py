"""``tickets``: tickets created and resolved per day, week or month, optionally split.

Options: ``bucket`` = ``day`` (default), ``week`` (weeks start on Monday) or
``month``; ``split`` = ``category``, ``priority``, ``team``, ``channel``, ``organization``
or ``tag``. Resolutions and reopens split by the category, priority and team the ticket
had when they happened, by its channel, organization and tags as they are now; a ticket
with two tags counts under each, one without under ``null``.

A ticket counts as created in the bucket of its ``created_at``; ``resolved`` and
``reopened`` count the resolutions and reopens that happened in the bucket (milestones,
tickets/models/milestone.py: a ticket resolved, reopened and resolved again counts in
both buckets where it was resolved, and a past bucket never changes); each only when
that instant lies in [from, to). Without a split, ``backlog`` is the number of tickets
open (in an active status) at the end of the bucket, or at ``to`` or now when earlier:
the tickets open now, less those created since, plus those resolved or closed since,
less those reopened since. Buckets are
local calendar periods in the server's time zone: on PostgreSQL each is the instant
range from its first local midnight to the next bucket's, counted on its own; on
SQLite the database truncates each instant to its bucket (Django's zoneinfo
functions); both give the same days. A bucket that ``from`` or ``to`` cuts through counts only its part inside the
range. Every bucket of the range is listed, zeros included; with a split, every
bucket lists every split value: the four priorities (or the filtered ones), and
the categories or teams (by slug, by name; ``null`` for no team) that have a
count anywhere in the range.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, DateField, F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Trunc
from django.utils import timezone
from rest_framework import serializers

from reports.metrics.aging import PRIORITIES
from reports.params import ReportParams, ReportParamsSerializer
from reports.subject import Subject
from tickets import workflow
from tickets.models import STOPS, MilestoneKind, Ticket

BUCKETS = ("day", "week", "month")
# split name -> the column it groups on
SPLITS = {
    "category": "category__slug",
    "priority": "priority",
    "team": "team__name",
    "channel": "channel",
    "organization": "organization__name",
    "tag": "tags__name",
}
# The splits a milestone does not keep of its moment: read from its ticket as it is now.
_OF_THE_TICKET = {"channel", "organization", "tag"}


def split_column(split: str, counted: QuerySet) -> str:
    """The column a split groups ``counted`` (tickets or milestones) by."""
    column = SPLITS[split]
    return f"ticket__{column}" if counted.model is not Ticket and split in _OF_THE_TICKET else column


class VolumeParamsSerializer(ReportParamsSerializer):
    bucket = serializers.ChoiceField(choices=BUCKETS, default="day", help_text="day, week (from Monday) or month.")
    split = serializers.ChoiceField(
        choices=list(SPLITS),
        required=False,
        allow_null=True,
        default=None,
        help_text="category, priority, team, channel, organization or tag (a ticket with two tags counts under each).",
    )


def columns(params: ReportParams) -> tuple[str, ...]:
    split = params.options.get("split")
    return ("period", split, *_COUNTED) if split else ("period", *_COUNTED, "backlog")


_COUNTED = ("created", "resolved", "reopened")


def _first_period(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next_period(start: date, bucket: str) -> date:
    if bucket == "week":
        return start + timedelta(days=7)
    if bucket == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def periods(params: ReportParams, bucket: str) -> Iterator[date]:
    """The first day of every bucket touching [start, end), in local dates: at most 367 of them."""
    last_day = timezone.localdate(params.end - timedelta(microseconds=1))
    period = _first_period(timezone.localdate(params.start), bucket)
    while period <= last_day:
        yield period
        period = _next_period(period, bucket)


# Each bucket's instants, [lo, hi) between two bounds in a row, counted by a subquery of its own over that
# part of the index.
_PER_PERIOD = """
    SELECT period.i, counts.* FROM (
        SELECT i, lo, LEAD(lo) OVER (ORDER BY i) AS hi FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS bound(lo, i)
    ) AS period
    CROSS JOIN LATERAL (SELECT {value} COUNT(*) AS count FROM ({tickets}) AS ticket {group}) AS counts
    WHERE period.hi IS NOT NULL
"""


def _counts_per_period(
    tickets: QuerySet[Ticket], field: str, params: ReportParams, bucket: str, split: str | None
) -> dict:
    """``_counts`` on PostgreSQL, bucket by bucket: each bucket is an instant range, cut in Python.

    A bucket is the instants from its first local midnight to the next bucket's (or the
    range's own ends), so counting each range gives what truncating every ticket's instant
    to its local day, week or month gives, without computing it for each of them: at a
    million tickets that truncation, and hashing its result, cost more than reading the
    index. A local date is one run of instants, and its first one is what ``start_of_day``
    answers even when midnight falls in a DST gap (reports/tests/test_report_volume_buckets.py).
    """
    starts = list(periods(params, bucket))
    # Local midnights as start_of_day makes them (the zone read once: there may be hundreds).
    zone = timezone.get_current_timezone()
    bounds = [datetime.combine(day, time.min, tzinfo=zone) for day in [*starts, _next_period(starts[-1], bucket)]]
    bounds[0], bounds[-1] = max(bounds[0], params.start), min(bounds[-1], params.end)
    in_period = tickets.order_by().filter(
        **{f"{field}__gte": RawSQL("period.lo", ()), f"{field}__lt": RawSQL("period.hi", ())}
    )
    one = in_period.values(value=F(split_column(split, tickets))) if split else in_period.values(value=Value(1))
    sql, params_ = one.query.sql_with_params()
    query = _PER_PERIOD.format(
        value="ticket.value," if split else "", tickets=sql, group="GROUP BY ticket.value" if split else ""
    )
    counts = {}
    with connection.cursor() as cursor:
        # As PostgreSQL's array text: quicker to send than a list psycopg adapts item by item.
        array = "{" + ",".join(bound.isoformat() for bound in bounds) + "}"
        cursor.execute(query, [array, *params_])
        for index, *value, count in cursor.fetchall():
            if count:
                counts[(starts[index - 1], value[0] if split else None)] = count
    return counts


def _counts(tickets: QuerySet[Ticket], field: str, params: ReportParams, bucket: str, split: str | None) -> dict:
    """(period, split value) -> tickets whose ``field`` falls in the range: one query."""
    if connection.vendor == "postgresql":
        return _counts_per_period(tickets, field, params, bucket, split)
    return _counts_truncated(tickets, field, params, bucket, split)


def _counts_truncated(
    tickets: QuerySet[Ticket], field: str, params: ReportParams, bucket: str, split: str | None
) -> dict:
    """``_counts`` by one GROUP BY on each ticket's instant truncated to its local bucket."""
    group = [split_column(split, tickets)] if split else []
    rows = (
        tickets.filter(**{f"{field}__gte": params.start, f"{field}__lt": params.end})
        .annotate(period=Trunc(field, bucket, output_field=DateField(), tzinfo=timezone.get_current_timezone()))
        .values("period", *group)
        # COUNT(*), not of a column: an index holding the grouped columns can answer alone.
        .annotate(count=Count("*"))
        .order_by()
    )
    return {(row["period"], row[group[0]] if group else None): row["count"] for row in rows}


def _split_values(split: str | None, params: ReportParams, seen: set[Any]) -> list[Any]:
    if split is None:
        return [None]
    if split == "priority":
        return [value for value in PRIORITIES if not params.priorities or value in params.priorities]
    # Names and slugs in order, "no team" last.
    return sorted(seen, key=lambda value: (value is None, value or ""))


def _backlog(
    subject: Subject, params: ReportParams, now: datetime, bucket: str, changes: dict[date, int]
) -> dict[date, int]:
    """Tickets open at each bucket's end (or ``to``, or now), counted back from the tickets open now.

    ``changes`` is each bucket's net change (created - stopped + reopened) inside the range; what
    changed after the range comes from three counts over [end of range, now).
    """
    end = min(params.end, now)
    after = Q(at__gte=end, at__lt=now)
    open_now = subject.tickets.filter(status__in=workflow.ACTIVE_STATUSES).aggregate(n=Count("*"))["n"]
    created_after = subject.tickets.filter(created_at__gte=end, created_at__lt=now).aggregate(n=Count("*"))["n"]
    stopped_after = subject.milestones(*STOPS).filter(after).aggregate(n=Count("*"))["n"]
    reopened_after = subject.milestones(MilestoneKind.REOPENED).filter(after).aggregate(n=Count("*"))["n"]
    level = open_now - created_after + stopped_after - reopened_after
    backlog = {}
    for period in reversed(list(periods(params, bucket))):
        backlog[period] = level
        level -= changes.get(period, 0)
    return backlog


def volume(subject: Subject, params: ReportParams, now: datetime) -> dict[str, Any]:
    """Created, resolved and reopened counts per bucket (and split value), one GROUP BY query each,
    and without a split the backlog at each bucket's end (one more for the resolution or close
    of tickets never resolved, four small counts for the present).

    Gaps are filled here, looping over the buckets (at most 367) and split
    values, never over tickets.
    """
    bucket, split = params.options["bucket"], params.options.get("split")
    counted = {
        "created": _counts(subject.tickets, "created_at", params, bucket, split),
        "resolved": _counts(subject.milestones(MilestoneKind.RESOLVED), "at", params, bucket, split),
        "reopened": _counts(subject.milestones(MilestoneKind.REOPENED), "at", params, bucket, split),
    }
    values = _split_values(split, params, {value for found in counted.values() for _, value in found})
    backlog = {}
    if not split:
        closed = _counts(subject.milestones(MilestoneKind.CLOSED), "at", params, bucket, split)
        changes = {
            period: counted["created"].get((period, None), 0)
            - counted["resolved"].get((period, None), 0)
            - closed.get((period, None), 0)
            + counted["reopened"].get((period, None), 0)
            for period in periods(params, bucket)
        }
        backlog = _backlog(subject, params, now, bucket, changes)
    rows = []
    for period in periods(params, bucket):
        for value in values:
            row: dict[str, Any] = {"period": period.isoformat()}
            if split:
                row[split] = value
            for name, found in counted.items():
                row[name] = found.get((period, value), 0)
            if not split:
                row["backlog"] = backlog[period]
            rows.append(row)
    return {"results": rows, "totals": {name: sum(found.values()) for name, found in counted.items()}}
