"""CSV over the API: ``?format=csv`` (or ``Accept: text/csv``), streamed as it is read.

DRF reads ``?format=`` (``URL_FORMAT_OVERRIDE``) to pick a renderer and answers
404 for a format no renderer offers, so CSV-capable views list ``CSVRenderer``
last among their renderers: JSON stays the default, and ``format=json`` and
``format=csv`` both negotiate. The renderer never renders anything itself: such a
view checks ``wants_csv(request)`` and returns ``csv_response(...)`` (or ``csv_stream``), a
``StreamingHttpResponse`` fed by an iterator in chunks of ``CHUNK_BYTES``, under WSGI and ASGI
alike, so memory stays constant however many rows there are. Errors (400, 403...) still answer in the one JSON error
shape: ``CSVFormatMixin.finalize_response`` switches any non-streamed answer back
to JSON.

The ticket list's columns live here too (``TICKET_COLUMNS``, ``ticket_csv``): on PostgreSQL the
database writes its lines (``export_copy``, a million tickets in seconds), elsewhere ``ticket_csv_rows``.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection
from django.db.models import F, QuerySet
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.pagination import parse_ordering
from tickets.api.export_copy import ticket_csv_copy_rows
from tickets.custom_fields import FieldSpec, to_text
from tickets.models import CustomFieldValue, FieldType, Ticket
from tickets.models.clocks import SLA_STATE_FIELDS, sla_state_of

CSV_MEDIA_TYPE = "text/csv"
# A chunk of tickets per query (and per round of prefetches): memory stays bounded.
EXPORT_CHUNK_SIZE = 2000
# Bytes per piece of a streamed body.
CHUNK_BYTES = 64 * 1024
# A spreadsheet would run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Lets content negotiation pick CSV; the views stream the body themselves (``csv_response``)."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        """A body given as data rather than streamed: its rows (a list, or ``results``) as CSV.

        The CSV views stream instead, and ``CSVFormatMixin`` answers their errors in JSON;
        this serves any other view that lists the renderer.
        """
        rows = data.get("results", []) if isinstance(data, dict) else data or []
        if not rows:
            return b""
        header = list(rows[0])
        return "".join(csv_lines(header, ([row.get(name) for name in header] for row in rows))).encode(self.charset)


def wants_csv(request: Request) -> bool:
    return isinstance(getattr(request, "accepted_renderer", None), CSVRenderer)


class CSVFormatMixin:
    """For views that stream CSV: anything they answer with a DRF ``Response`` (errors above all) is JSON."""

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and wants_csv(request):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class _Echo:
    """The file-like object ``csv.writer`` wants: ``write`` hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        # A leading quote makes spreadsheets show the text instead of evaluating it.
        return "'" + value
    if isinstance(value, list | tuple):
        return _cell(", ".join(str(item) for item in value))
    return "" if value is None else value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n") -> Iterator[str]:
    """The header line, then one line per row as ``rows`` yields it: nothing is gathered in memory."""
    writer = csv.writer(_Echo(), lineterminator=lineterminator)
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """A streamed CSV download; ``rows`` is consumed lazily, while the response is sent."""
    return csv_stream(filename, csv_lines(header, rows))


def csv_stream(filename: str, body: Iterable[str | bytes]) -> StreamingHttpResponse:
    """A streamed CSV download of ``body``'s pieces (lines, or larger chunks), sent in chunks of ``CHUNK_BYTES``."""
    response = _StreamingCSV(_chunks(body), content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Query results of one caller: not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


class _StreamingCSV(StreamingHttpResponse):
    """Streamed under WSGI and under ASGI alike.

    Under ASGI Django would read a synchronous body whole into a list before sending a byte (its
    "must consume synchronous iterators" warning): a million tickets held in memory at once.
    Here each chunk is read in the request's own thread (``thread_sensitive``: where its database
    connection lives) and sent before the next is read.
    """

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = iter(self.streaming_content)
        read = sync_to_async(next, thread_sensitive=True)
        while (chunk := await read(chunks, None)) is not None:
            yield chunk


def _chunks(pieces: Iterable[str | bytes]) -> Iterator[bytes]:
    """``pieces`` as UTF-8, gathered into chunks of at least ``CHUNK_BYTES`` (fewer sends, fewer thread hops)."""
    chunk: list[bytes] = []
    size = 0
    for piece in pieces:
        data = piece.encode() if isinstance(piece, str) else piece
        chunk.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)


# --- The ticket list as CSV ---------------------------------------------------

TICKET_COLUMNS = [
    "id",
    "number",
    "subject",
    "status",
    "priority",
    "category",
    "requester_email",
    "assignee_email",
    "team",
    "organization",
    "channel",
    "tags",
    "created_at",
    "updated_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "sla_state",
]

# Read as values, not models: a million rows must stream in under a minute (issue 17).
_ROW_VALUES = (
    "pk",
    "number",
    "subject",
    "category__slug",
    "requester__email",
    "assignee__email",
    "team__name",
    "organization__name",
    "channel",
    "created_at",
    "updated_at",
    "first_response_due_at",
    "first_responded_at",
    *(name for name in SLA_STATE_FIELDS if name not in ("status",)),
    "status",
    "priority",
)


def _iso(tz):
    """The text the JSON list gives for an instant (DRF's DateTimeField in ``tz``), made once per export."""

    def when(value: datetime | None) -> str:
        if value is None:
            return ""
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return when


def _ticket_row(row: dict[str, Any], tags: list[str], now: datetime, when) -> list[Any]:
    return [
        row["pk"],
        row["number"],
        row["subject"],
        row["status"],
        row["priority"],
        row["category__slug"],
        row["requester__email"],
        row["assignee__email"] or "",
        row["team__name"] or "",
        row["organization__name"] or "",
        row["channel"],
        tags,
        when(row["created_at"]),
        when(row["updated_at"]),
        when(row["first_response_due_at"]),
        when(row["resolution_due_at"]),
        when(row["first_responded_at"]),
        when(row["resolved_at"]),
        when(row["closed_at"]),
        sla_state_of(row, now).value,
    ]


def in_list_order(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The order the paginated list reads in (``KeysetPagination``): its fields, then the id, NULLs last."""
    ordering = [term for term in tickets.query.order_by if isinstance(term, str)] or list(Ticket._meta.ordering)
    terms = []
    for key in parse_ordering(Ticket, ordering):
        nulls = {"nulls_last": True} if key.nullable else {}
        terms.append(F(key.name).desc(**nulls) if key.descending else F(key.name).asc(**nulls))
    return tickets.order_by(*terms)


def ticket_columns(fields: Sequence[FieldSpec] = ()) -> list[str]:
    """``TICKET_COLUMNS``, then ``cf_<key>`` for each custom field exported."""
    return [*TICKET_COLUMNS, *(f"cf_{spec.key}" for spec in fields)]


def ticket_csv(tickets: QuerySet[Ticket], fields: Sequence[FieldSpec] = ()) -> Iterator[str | bytes]:
    """The filtered list as CSV: ``ticket_columns``, then a line per ticket in the list's order (LF line ends).

    ``fields`` are the custom fields to add (those the caller sees), a column each, as the history
    writes their values (checkboxes ``true``/``false``). On PostgreSQL the database writes the lines
    (``export_copy``); elsewhere Python does, the same cells.
    """
    columns = ticket_columns(fields)
    if connection.vendor == "postgresql":
        yield from csv_lines(columns, (), lineterminator="\n")
        yield from ticket_csv_copy_rows(in_list_order(tickets), TICKET_COLUMNS, fields)
    else:
        yield from csv_lines(columns, ticket_csv_rows(tickets, fields), lineterminator="\n")


def ticket_csv_rows(tickets: QuerySet[Ticket], fields: Sequence[FieldSpec] = ()) -> Iterator[list[Any]]:
    """Every ticket of the filtered list, in the list's order, read as values in chunks (tags and custom
    values per chunk)."""
    now, when = timezone.now(), _iso(timezone.get_current_timezone())
    rows = in_list_order(tickets).prefetch_related(None).values(*_ROW_VALUES).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    while chunk := list(islice(rows, EXPORT_CHUNK_SIZE)):
        ids = [row["pk"] for row in chunk]
        tags: dict[int, list[str]] = {}
        pairs = Ticket.tags.through.objects.filter(ticket_id__in=ids)
        for ticket_id, name in pairs.values_list("ticket_id", "tag__name"):
            tags.setdefault(ticket_id, []).append(name)
        custom = _custom_cells(ids, fields)
        for row in chunk:
            yield _ticket_row(row, sorted(tags.get(row["pk"], ())), now, when) + custom(row["pk"])


def _custom_cells(ids: list[int], fields: Sequence[FieldSpec]) -> Any:
    """The custom field cells of a chunk's tickets, read in one query: ``cells(ticket id)``."""
    if not fields:
        return lambda pk: []
    found: dict[tuple[int, int], Any] = {}
    columns = {spec.id: spec.column for spec in fields}
    rows = CustomFieldValue.objects.filter(ticket_id__in=ids, field_id__in=list(columns))
    for ticket_id, field_id, *typed in rows.values_list("ticket_id", "field_id", "text", "number", "date", "flag"):
        found[ticket_id, field_id] = dict(zip(("text", "number", "date", "flag"), typed, strict=True))[
            columns[field_id]
        ]
    return lambda pk: [
        to_text(spec, found.get((pk, spec.id))) if spec.type == FieldType.CHECKBOX or (pk, spec.id) in found else ""
        for spec in fields
    ]
