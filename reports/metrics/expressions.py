"""Database expressions the reports share, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, BigIntegerField, Count, Expression, Func, Q, QuerySet


class WholeMinutes(Func):
    """``later - earlier`` in whole minutes, rounded down; meant for ``later >= earlier``.

    Subtracting two datetime columns gives a duration whose SQL differs by backend:
    PostgreSQL answers an ``interval``, SQLite Django's ``django_timestamp_diff``, an
    integer count of microseconds. Turning either into minutes in SQL keeps the
    figure sortable and aggregatable in the query itself. (For a negative duration
    SQLite's integer division would round towards zero, PostgreSQL's FLOOR down:
    callers only ask for durations they know are not negative.)

    On PostgreSQL the seconds are read with ``DATE_PART`` (a double) rather than ``EXTRACT``
    (a numeric since PostgreSQL 14, whose arithmetic costs several times more: the violations
    report computes two of these per breached ticket of the range, a hundred thousand at a
    million tickets). The minutes are the same: the difference of two timestamps is a whole
    number of microseconds, so its seconds are either a whole multiple of 60, which the double
    holds exactly, or at least a microsecond away from one, far more than the double's
    rounding error for any duration under a few centuries (``test_whole_minutes_...``).
    """

    output_field = BigIntegerField()

    def __init__(self, later: Expression | Any, earlier: Expression | Any, **extra: Any) -> None:
        super().__init__(later - earlier, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="((%(expressions)s) / 60000000)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(
            compiler, connection, template="FLOOR(DATE_PART('epoch', (%(expressions)s)) / 60)::bigint", **extra
        )


def in_range(field: str, params: Any) -> Q:
    """``from <= field < to``: a report's range (``ReportParams``), ``from`` included and ``to`` not."""
    return Q(**{f"{field}__gte": params.start, f"{field}__lt": params.end})


def grouped(tickets: QuerySet, group: tuple[str, ...], **aggregates: Aggregate) -> dict[tuple, dict[str, Any]]:
    """``{group values: {aggregate: value}}`` in one ``GROUP BY`` query; ``{(): ...}`` without a group.

    Ungrouped, the single row is there even when no ticket is (counts 0).
    """
    if not group:
        return {(): tickets.order_by().aggregate(**aggregates)}
    rows = tickets.order_by().values(*group).annotate(**aggregates)
    return {tuple(row.pop(name) for name in group): row for row in rows}


def count_where(condition: Q) -> Count:
    """``COUNT(*) FILTER (WHERE condition)``, which Django cannot spell with ``"*"``.

    It counts a column that is never NULL and that every report index holds
    (``priority``), so the database can answer from the index alone.
    """
    return Count("priority", filter=condition)
