"""The ticket list as CSV written by PostgreSQL itself: ``COPY (<the list's query>) TO STDOUT``.

Reading a million tickets into Python to write them again cost 77 s (issue 17: a million rows
within 60 s). Here the database writes every cell: the same columns, in the list's order, from the
same filtered queryset, with the same cells as ``tickets.api.export`` writes on other databases:
instants as the JSON list gives them (ISO 8601 in the current time zone, ``Z`` for UTC), tags
sorted and joined, the SLA word from ``sla_state_expression``, an empty cell for nothing, and any
text a spreadsheet would run as a formula defused with a leading quote. Python only passes the
lines on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import Case, CharField, Exists, F, Func, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Collate
from django.utils import timezone

from tickets.custom_fields import FieldSpec
from tickets.models import CustomFieldValue, FieldType, Ticket
from tickets.selectors import sla_state_expression


class _Cell(Func):
    """A text cell as ``export._cell`` writes it: empty for NULL or '', a leading formula character defused."""

    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        value, params = compiler.compile(self.source_expressions[0])
        # chr(9), chr(13): tab and carriage return, as export._FORMULA_STARTS lists them.
        sql = (
            f"NULLIF(CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))"
            f" THEN '''' || {value} ELSE {value} END, '')"
        )
        return sql, [*params, *params, *params]


class _Instant(Func):
    """An instant as the JSON list writes it (DRF, ``isoformat``): local time, microseconds when any, offset or Z."""

    output_field = CharField()

    def __init__(self, expression: Any, zone: str) -> None:
        super().__init__(expression)
        self.zone = zone

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        value = compiler.compile(self.source_expressions[0])
        local = _sql("(", value, " AT TIME ZONE %s)", ([], [self.zone]))
        offset = _sql("(", local, " - (", value, " AT TIME ZONE 'UTC'))")
        return _sql(
            "to_char(", local, """, 'YYYY-MM-DD"T"HH24:MI:SS')""",
            " || CASE WHEN mod(extract(microseconds FROM ", value, ")::bigint, 1000000) = 0 THEN ''",
            " ELSE to_char(", local, ", '.US') END",
            " || CASE WHEN ", offset, " = interval '0' THEN 'Z'",
            " WHEN ", offset, " < interval '0' THEN '-' || to_char(-", offset, ", 'HH24:MI')",
            " ELSE '+' || to_char(", offset, ", 'HH24:MI') END",
        )  # fmt: skip


def _sql(*parts: str | tuple[str, list[Any]]) -> tuple[str, list[Any]]:
    """SQL pieces joined, each either text or ``(sql, params)``; the parameters follow in order.

    A piece ``([], params)`` is parameters for placeholders written in the text around it.
    """
    text, params = [], []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
        else:
            sql, values = part
            text.append(sql if isinstance(sql, str) else "")
            params += values
    return "".join(text), params


def _tags() -> Subquery:
    """The ticket's tag names, sorted as Python sorts them (by code point: the C collation) and joined."""
    through = Ticket.tags.through
    names = (
        through.objects.filter(ticket_id=OuterRef("pk"))
        .order_by()
        .values("ticket_id")
        .annotate(names=StringAgg("tag__name", ", ", order_by=Collate("tag__name", "C")))
        .values("names")
    )
    return Subquery(names, output_field=CharField())


# Columns read through a relation, or made: every other column is the ticket's own (an instant when "_at").
_RELATED = {
    "category": "category__slug",
    "requester_email": "requester__email",
    "assignee_email": "assignee__email",
    "team": "team__name",
    "organization": "organization__name",
}


def _column(name: str, zone: str, now: datetime) -> Any:
    if name == "id":
        return F("pk")
    if name == "tags":
        return _Cell(_tags())
    if name == "sla_state":
        return sla_state_expression(now)
    if name.endswith("_at"):
        return _Instant(F(name), zone)
    return _Cell(_RELATED.get(name, name))


def _custom_column(spec: FieldSpec) -> Any:
    """A custom field's cell, as ``custom_fields.to_text`` writes it: one lookup in the (ticket, field) index."""
    rows = CustomFieldValue.objects.filter(ticket_id=OuterRef("pk"), field_id=spec.id).order_by()
    if spec.type == FieldType.CHECKBOX:
        ticked = Exists(rows.filter(flag=True))
        return Case(When(ticked, then=Value("true")), default=Value("false"), output_field=CharField())
    if spec.type == FieldType.NUMBER:
        text = Func(Subquery(rows.values("number")[:1]), function="trim_scale", output_field=CharField())
        return _Cell(Cast(text, CharField()))
    if spec.type == FieldType.DATE:
        return _Cell(Func(Subquery(rows.values("date")[:1]), Value("YYYY-MM-DD"), function="to_char"))
    return _Cell(Subquery(rows.values("text")[:1], output_field=CharField()))


def ticket_csv_copy_rows(
    tickets: QuerySet[Ticket], columns: Sequence[str], fields: Sequence[FieldSpec] = ()
) -> Iterator[bytes]:
    """Every row of ``tickets`` (already in the list's order) as CSV lines of ``columns`` and then of the
    custom ``fields``, written by PostgreSQL."""
    zone, now = timezone.get_current_timezone_name(), timezone.now()
    aliases = {f"csv_{index}": _column(name, zone, now) for index, name in enumerate(columns)}
    aliases |= {f"csv_cf_{index}": _custom_column(spec) for index, spec in enumerate(fields)}
    rows = tickets.prefetch_related(None).annotate(**aliases).values_list(*aliases)
    sql, params = rows.query.sql_with_params()
    statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT (FORMAT csv)"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        while data := copy.read():
            yield bytes(data)  # a copy: the buffer read is the connection's
