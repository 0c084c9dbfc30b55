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

from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
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
    convert = {name: (float if isinstance(figure, (Avg, Median)) else int) for name, figure in figures.items()}
    answer = {}
    with connection.cursor() as cursor:
        cursor.execute(_EACH_AGENT.format(table=tickets.model._meta.db_table, figures=sql), params)
        names = [column.name for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            key = (row.pop(AGENT[0]),)
            answer[key] = {name: None if value is None else convert[name](value) for name, value in row.items()}
    return answer


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
    answer = _per_agent(tickets, figures) if postgresql and group == AGENT else grouped(tickets, group, **figures)
    found = {} if postgresql else _window_medians(tickets, field, group)
    for key, row in answer.items():
        median = row["median"] if postgresql else found.get(key)
        row["mean"], row["median"] = _rounded(row["mean"]), _rounded(median)
    return answer


def mean_and_median(tickets: QuerySet, field: str, **extra: Aggregate) -> dict[str, Any]:
    """The count, mean and median of one duration over ``tickets`` (and ``extra`` aggregates), ungrouped."""
    return summarize(tickets, field, **extra)[()]
