"""Counts, means, medians and 90th percentiles of the stored SLA durations, computed by the database.

``summarize`` answers them per group in SQL on both databases, with the same
figures:

- PostgreSQL: one ``GROUP BY`` query, the median being ``percentile_cont(0.5)``
  (asked with the 90th percentile as ``percentile_cont(ARRAY[0.5, 0.9])``)
  (the mean of the two middle values for an even count), alongside any other
  aggregates the caller asks for, so a report reads the rows once.
- SQLite has no median aggregate: the counts come from one ``GROUP BY`` query and
  the median from a second one with window functions, ranking each group's values
  and keeping the one or two middle rows (``ROW_NUMBER`` between ``(n + 1) / 2``
  and ``(n + 2) / 2`` in integer division), whose mean is the median; the 90th percentile
  likewise from the rows around ``1 + 0.9 (n - 1)``, interpolated as ``percentile_cont(0.9)``
  (PostgreSQL's figure, with the median from the same sort in the same query). The database
  returns at most two rows per group; nothing loops over tickets.

Per agent on PostgreSQL (the agents report), the groups are not made by one ``GROUP BY``
over the whole range, which sorts every value by agent and then each agent's values
again for its median, but by reading one agent at a time: the agents come from a walk
down the assignee index (a recursive query, one index probe per agent), and each one's
figures from a ``LATERAL`` subquery over that agent's part of a per-agent index
(tickets/models/ticket.py), so only each agent's few values are sorted. The figures are
the same; the groups too (an agent without a ticket in the range has no row).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from reports.metrics.expressions import grouped

# The percentiles ``summarize`` reports, as (name, numerator, denominator) of the fraction.
PERCENTILES = (("median", 1, 2), ("p90", 9, 10))


class Percentiles(Aggregate):
    """PostgreSQL's continuous ``PERCENTILES`` (median, 90th), as an array in that order; accepts ``filter=``.

    One ``percentile_cont`` over an array of fractions sorts the values once; two calls side by
    side cost a second sort (15 ms more over 90 days at a million tickets, measured).
    """

    function = "PERCENTILE_CONT"
    name = "Percentiles"
    fractions = ", ".join(str(numerator / denominator) for _name, numerator, denominator in PERCENTILES)
    template = f"%(function)s(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())


def _bounds(size: Any, numerator: int, denominator: int) -> tuple[Any, Any]:
    """The 1-based ranks of the rows around ``percentile_cont``'s position ``1 + p (size - 1)``.

    ``size`` is a database expression over integers, whose ``/`` divides in whole numbers (as
    ``_ranks`` does in Python): the row below and the row above, the same row when the position is whole.
    """
    scaled = (size - 1) * numerator
    return 1 + scaled / denominator, 1 + (scaled + denominator - 1) / denominator


def _ranks(size: int, numerator: int, denominator: int) -> tuple[int, int, float]:
    """``_bounds`` for a known size, and the share of the way from the row below to the row above."""
    scaled = (size - 1) * numerator
    return (
        1 + scaled // denominator,
        1 + (scaled + denominator - 1) // denominator,
        (scaled % denominator) / denominator,
    )


def _window_percentiles(tickets: QuerySet, field: str, group: tuple[str, ...]) -> dict[tuple, dict[str, float]]:
    """``{group values: {"median": ..., "p90": ...}}`` of ``field`` over tickets where it is set, by window
    functions: the database keeps only the rows around each percentile's position (at most four per group),
    and the value is interpolated between them as ``percentile_cont`` does."""
    partition = [F(name) for name in group]
    keep = Q()
    for _name, numerator, denominator in PERCENTILES:
        for rank in _bounds(F("_size"), numerator, denominator):
            keep |= Q(_rank=rank)
    ranked = (
        tickets.filter(**{f"{field}__isnull": False})
        .order_by()
        .annotate(
            _rank=Window(RowNumber(), partition_by=partition, order_by=[F(field).asc(), F("pk").asc()]),
            _size=Window(Count("pk"), partition_by=partition),
        )
        .filter(keep)
        .values_list(*group, "_rank", "_size", field)
    )
    rows: dict[tuple, dict[int, int]] = defaultdict(dict)
    sizes: dict[tuple, int] = {}
    for *key, rank, size, value in ranked:
        rows[tuple(key)][rank] = value
        sizes[tuple(key)] = size
    answer: dict[tuple, dict[str, float]] = {}
    for key, values in rows.items():
        size = sizes[key]
        answer[key] = {}
        for name, numerator, denominator in PERCENTILES:
            low, high, share = _ranks(size, numerator, denominator)
            answer[key][name] = values[low] + share * (values[high] - values[low])
    return answer


# The agents that tickets are assigned to, walked down the assignee index one probe each
# (PostgreSQL has no skip scan to answer DISTINCT that way by itself).
_EACH_AGENT = """
    WITH RECURSIVE agent(id) AS (
        SELECT MIN(assignee_id) FROM {table}
        UNION ALL
        SELECT (SELECT MIN(assignee_id) FROM {table} WHERE assignee_id > agent.id)
        FROM agent WHERE agent.id IS NOT NULL
    )
    SELECT figures.* FROM agent CROSS JOIN LATERAL ({figures}) AS figures
"""
AGENT = ("assignee_id",)


def _per_agent(tickets: QuerySet, figures: dict[str, Aggregate]) -> dict[tuple, dict[str, Any]]:
    """``grouped(tickets, AGENT, **figures)`` on PostgreSQL, one agent's index range at a time."""
    one_agent = tickets.order_by().filter(assignee_id=RawSQL("agent.id", ())).values(*AGENT).annotate(**figures)
    sql, params = one_agent.query.sql_with_params()
    # Converted as the ORM converts them (Avg answers a numeric, read as a float).
    convert = {
        name: (float if isinstance(figure, Avg) else list if isinstance(figure, Percentiles) else int)
        for name, figure in figures.items()
    }
    answer = {}
    with connection.cursor() as cursor:
        cursor.execute(_EACH_AGENT.format(table=tickets.model._meta.db_table, figures=sql), params)
        names = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            key = (row.pop(AGENT[0]),)
            answer[key] = {name: None if value is None else convert[name](value) for name, value in row.items()}
    return answer


def rounded(value: float | None, digits: int = 1, *, unit: int = 1) -> float | None:
    return round(value / unit, digits) if value is not None else None


def summarize(
    tickets: QuerySet, field: str, group: tuple[str, ...] = (), *, unit: int = 1, **extra: Aggregate
) -> dict[tuple, dict]:
    """``{group values: {"count", "mean", "median", "p90", **extra}}`` of ``field`` over ``tickets``.

    ``count``, ``mean``, ``median`` and ``p90`` (the continuous 90th percentile) are over the
    rows where ``field`` is set, divided by ``unit`` (60: seconds as minutes);
    ``extra`` aggregates run over all of ``tickets`` in the same query. Without a
    group the single key is ``()`` (zeros when there is no row); groups without
    any row are absent. Means and percentiles are rounded to one decimal.
    """
    figures = {"count": Count(field), "mean": Avg(field), **extra}
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        figures["percentiles"] = Percentiles(field, filter=Q(**{f"{field}__isnull": False}))
    answer = _per_agent(tickets, figures) if postgresql and group == AGENT else grouped(tickets, group, **figures)
    found = {} if postgresql else _window_percentiles(tickets, field, group)
    for key, row in answer.items():
        row["mean"] = rounded(row["mean"], unit=unit)
        values = (row.pop("percentiles") or [None] * len(PERCENTILES)) if postgresql else None
        for index, (name, _numerator, _denominator) in enumerate(PERCENTILES):
            value = values[index] if postgresql else (found.get(key) or {}).get(name)
            row[name] = rounded(value, unit=unit)
    return answer


def mean_and_median(tickets: QuerySet, field: str, *, unit: int = 1, **extra: Aggregate) -> dict[str, Any]:
    """The count, mean and median of one duration over ``tickets`` (and ``extra`` aggregates), ungrouped."""
    return summarize(tickets, field, unit=unit, **extra)[()]


def summarized_beside(field: str, condition: Q) -> dict[str, Aggregate]:
    """On PostgreSQL, aggregates that summarize a second ``field`` (over the rows ``condition`` selects) in
    the same scan as ``summarize``'s own field: give them to it as extra aggregates, read them back with
    ``read_beside``. One sort more, not one scan more (the dashboard's requester wait beside resolution)."""
    kept = condition & Q(**{f"{field}__isnull": False})
    return {
        f"{field}__count": Count(field, filter=condition),
        f"{field}__mean": Avg(field, filter=condition),
        f"{field}__percentiles": Percentiles(field, filter=kept),
    }


def read_beside(row: dict[str, Any], field: str, *, unit: int = 1) -> dict[str, Any]:
    """``summarize``'s figures of ``field`` from a row that ``summarized_beside``'s aggregates were asked in."""
    values = row.pop(f"{field}__percentiles") or [None] * len(PERCENTILES)
    figures = {"count": row.pop(f"{field}__count"), "mean": rounded(row.pop(f"{field}__mean"), unit=unit)}
    for index, (name, _numerator, _denominator) in enumerate(PERCENTILES):
        figures[name] = rounded(values[index], unit=unit)
    return figures
