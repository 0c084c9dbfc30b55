"""Counts, means and medians of the stored SLA durations, computed by the database.

``summarize`` answers them per group in SQL on both databases, with the same
figures:

- PostgreSQL: one ``GROUP BY`` query, the median being ``percentile_cont(0.5)``
  (the mean of the two middle values for an even count), alongside any other
  aggregates the caller asks for, so a report reads the rows once.
- SQLite has no median aggregate: the counts come from one ``GROUP BY`` query and
  the median from a second one with window functions, ranking each group's values
  and keeping the one or two middle rows (``ROW_NUMBER`` between ``(n + 1) / 2``
  and ``(n + 2) / 2`` in integer division), whose mean is the median. The database
  returns at most two rows per group; nothing loops over tickets.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from reports.metrics.expressions import grouped


class Median(Aggregate):
    """PostgreSQL's continuous median; accepts ``filter=`` like any aggregate."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _window_medians(tickets: QuerySet, field: str, group: tuple[str, ...]) -> dict[tuple, float]:
    """``{group values: median of field}`` over tickets where ``field`` is set, by window functions."""
    partition = [F(name) for name in group]
    ranked = (
        tickets.filter(**{f"{field}__isnull": False})
        .order_by()
        .annotate(
            _rank=Window(RowNumber(), partition_by=partition, order_by=[F(field).asc(), F("pk").asc()]),
            _size=Window(Count("pk"), partition_by=partition),
        )
        .filter(Q(_rank=(F("_size") + 1) / 2) | Q(_rank=(F("_size") + 2) / 2))
        .values_list(*group, field)
    )
    middle: dict[tuple, list[int]] = defaultdict(list)
    for *key, value in ranked:
        middle[tuple(key)].append(value)
    return {key: sum(values) / len(values) for key, values in middle.items()}


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None


def summarize(tickets: QuerySet, field: str, group: tuple[str, ...] = (), **extra: Aggregate) -> dict[tuple, dict]:
    """``{group values: {"count", "mean", "median", **extra}}`` of ``field`` over ``tickets``.

    ``count``, ``mean`` and ``median`` are over the tickets where ``field`` is set;
    ``extra`` aggregates run over all of ``tickets`` in the same query. Without a
    group the single key is ``()`` (zeros when there is no ticket); groups without
    any row are absent. Means and medians are rounded to one decimal.
    """
    figures = {"count": Count(field), "mean": Avg(field), **extra}
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        figures["median"] = Median(field, filter=Q(**{f"{field}__isnull": False}))
    answer = grouped(tickets, group, **figures)
    found = {} if postgresql else _window_medians(tickets, field, group)
    for key, row in answer.items():
        median = row["median"] if postgresql else found.get(key)
        row["mean"], row["median"] = _rounded(row["mean"]), _rounded(median)
    return answer


def mean_and_median(tickets: QuerySet, field: str, **extra: Aggregate) -> dict[str, Any]:
    """The count, mean and median of one duration over ``tickets`` (and ``extra`` aggregates), ungrouped."""
    return summarize(tickets, field, **extra)[()]
