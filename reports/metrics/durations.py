"""Means and medians of the stored SLA durations, computed by the database.

SQLite has no median aggregate and PostgreSQL's ``percentile_cont`` is not
portable, so the median is taken with window functions both understand: rank
each group's values, keep the one or two middle rows (``ROW_NUMBER`` between
``(n + 1) / 2`` and ``(n + 2) / 2`` in integer division), and average those. The
database returns at most two rows per group; nothing loops over tickets.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber


def medians(tickets: QuerySet, field: str, group: str | None = None) -> dict[Any, float | None]:
    """``{group value: median of field}`` over tickets where ``field`` is set (``{None: ...}`` without a group)."""
    partition = [F(group)] if group else []
    ranked = (
        tickets.filter(**{f"{field}__isnull": False})
        .order_by()
        .annotate(
            _rank=Window(RowNumber(), partition_by=partition, order_by=[F(field).asc(), F("pk").asc()]),
            _size=Window(Count("pk"), partition_by=partition),
        )
        .filter(Q(_rank=(F("_size") + 1) / 2) | Q(_rank=(F("_size") + 2) / 2))
        .values_list(group or "pk", field)
    )
    middle: dict[Any, list[int]] = defaultdict(list)
    for key, value in ranked:
        middle[key if group else None].append(value)
    return {key: sum(values) / len(values) for key, values in middle.items()}


def mean_and_median(tickets: QuerySet, field: str) -> dict[str, float | int | None]:
    """The count, mean and median of one duration over ``tickets`` (two queries)."""
    summary = tickets.filter(**{f"{field}__isnull": False}).aggregate(count=Count("pk"), mean=Avg(field))
    median = medians(tickets, field).get(None)
    mean = summary["mean"]
    return {
        "count": summary["count"],
        "mean": round(mean, 1) if mean is not None else None,
        "median": round(median, 1) if median is not None else None,
    }
