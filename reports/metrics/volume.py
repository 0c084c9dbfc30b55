"""``tickets``: tickets created and resolved per day, week or month, optionally split.

Options: ``bucket`` = ``day`` (default), ``week`` (weeks start on Monday) or
``month``; ``split`` = ``category``, ``priority`` or ``team``.

A ticket counts as created in the bucket of its ``created_at`` and as resolved in
the bucket of its ``resolved_at`` (a reopened ticket loses its resolution until it
is resolved again), each only when that instant lies in [from, to). Buckets are
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
from django.db.models import Count, DateField, F, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Trunc
from django.utils import timezone
from rest_framework import serializers

from reports.metrics.aging import PRIORITIES
from reports.params import ReportParams, ReportParamsSerializer
from tickets.models import Ticket

BUCKETS = ("day", "week", "month")
# split name -> the column it groups on
SPLITS = {"category": "category__slug", "priority": "priority", "team": "team__name"}


class VolumeParamsSerializer(ReportParamsSerializer):
    bucket = serializers.ChoiceField(choices=BUCKETS, default="day", help_text="day, week (from Monday) or month.")
    split = serializers.ChoiceField(
        choices=list(SPLITS), required=False, allow_null=True, default=None, help_text="category, priority or team."
    )


def columns(params: ReportParams) -> tuple[str, ...]:
    split = params.options.get("split")
    return ("period", split, "created", "resolved") if split else ("period", "created", "resolved")


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
    one = in_period.values(value=F(SPLITS[split])) if split else in_period.values(value=Value(1))
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
    group = [SPLITS[split]] if split else []
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


def volume(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """Created and resolved counts per bucket (and split value), in two GROUP BY queries.

    Gaps are filled here, looping over the buckets (at most 367) and split
    values, never over tickets.
    """
    bucket, split = params.options["bucket"], params.options.get("split")
    created = _counts(tickets, "created_at", params, bucket, split)
    resolved = _counts(tickets, "resolved_at", params, bucket, split)
    values = _split_values(split, params, {value for _, value in [*created, *resolved]})
    rows = []
    for period in periods(params, bucket):
        for value in values:
            row: dict[str, Any] = {"period": period.isoformat()}
            if split:
                row[split] = value
            row["created"] = created.get((period, value), 0)
            row["resolved"] = resolved.get((period, value), 0)
            rows.append(row)
    return {
        "results": rows,
        "totals": {"created": sum(created.values()), "resolved": sum(resolved.values())},
    }
