"""``aging``: how long the tickets open at one instant had been waiting, per priority.

The instant is ``to``, or now when ``to`` is later (the default ``to`` is the end of
today). ``from`` plays no part: aging is a snapshot, and cutting it at ``from``
would empty the oldest bucket.

A ticket counts as open at that instant when it had been created by then and is
either still in an active status (tickets/workflow.py ``ACTIVE_STATUSES``) or was
resolved, or closed without a resolution, only after it. Reopening clears
``resolved_at``, so a ticket resolved before the instant and reopened since counts
as open at it: the ticket row keeps no earlier resolutions (the events do).

Age is real elapsed time since ``created_at``, a day being 24 hours; each bucket
includes its lower bound: 0-1d is under 24 h, 1-3d from 24 h to under 72 h, and so
on, 30d+ from 720 h.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from reports.params import ReportParams, local_iso
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority
from tickets.models import Ticket

# (name, upper bound in days; None: no bound), youngest first.
BUCKETS: list[tuple[str, int | None]] = [("0-1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-30d", 30), ("30d+", None)]
COLUMNS = ("bucket", "priority", "count")

# Urgent (P1) first, as the API orders priorities.
PRIORITIES = sorted(Priority.values, key=lambda value: PRIORITY_RANK[Priority(value)])


def open_at(instant: datetime, now: datetime) -> Q:
    """Tickets open at ``instant``, as far as the ticket row tells (see the module's docstring)."""
    still_open = Q(created_at__lt=instant, status__in=workflow.ACTIVE_STATUSES)
    if instant >= now:
        # Nothing was resolved or closed after now; without the OR an index on status can serve the query.
        return still_open
    done_after = Q(resolved_at__gt=instant) | Q(resolved_at__isnull=True, closed_at__gt=instant)
    return still_open | (Q(created_at__lt=instant) & done_after)


def age_bucket(instant: datetime) -> Case:
    """The bucket name of each ticket's age at ``instant``: compared on ``created_at``, so the index serves it."""
    whens = [When(created_at__gt=instant - timedelta(days=days), then=Value(name)) for name, days in BUCKETS if days]
    return Case(*whens, default=Value(BUCKETS[-1][0]), output_field=CharField())


def aging(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """Open tickets per age bucket and priority, in one GROUP BY query.

    Every bucket and priority appears, zeros included (only the filtered
    priorities when ``priority`` is given), buckets youngest first and priorities
    urgent first. ``totals`` sums them per bucket, per priority and in all.
    """
    instant = min(params.end, now)
    counted = (
        tickets.filter(open_at(instant, now))
        .annotate(bucket=age_bucket(instant))
        .values("bucket", "priority")
        .annotate(count=Count("*"))
        .order_by()
    )
    counts = {(row["bucket"], row["priority"]): row["count"] for row in counted}
    priorities = [value for value in PRIORITIES if not params.priorities or value in params.priorities]
    rows = [
        {"bucket": name, "priority": priority, "count": counts.get((name, priority), 0)}
        for name, _ in BUCKETS
        for priority in priorities
    ]
    return {
        "at": local_iso(instant),
        "results": rows,
        "totals": {
            "by_bucket": {name: sum(r["count"] for r in rows if r["bucket"] == name) for name, _ in BUCKETS},
            "by_priority": {p: sum(r["count"] for r in rows if r["priority"] == p) for p in priorities},
            "open": sum(row["count"] for row in rows),
        },
    }
