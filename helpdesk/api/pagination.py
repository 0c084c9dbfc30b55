"""Keyset (cursor) pagination over any ordering, in one query per page.

DRF's CursorPagination positions on the first ordering field only and falls
back to OFFSET over runs of equal values (priority has four values, so a deep
page would scan a quarter of the table). Here the cursor holds the last row's
value of every ordering field, ending with the primary key, and the next page
is "rows after that tuple", which an index serves directly. NULLs sort last in
either direction.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from helpdesk import safejson


@dataclass(frozen=True)
class Key:
    name: str
    descending: bool
    nullable: bool


def parse_ordering(model: type[Model], ordering: list[str], annotations: Collection[str] = ()) -> list[Key]:
    """``["-created_at", "id"]`` into keys, with the primary key appended as the last tie-breaker.

    A name in ``annotations`` (a search's ``relevance``) is a key too, never NULL.
    """
    keys = []
    for item in ordering:
        name = item.lstrip("-")
        if name in annotations:
            keys.append(Key(name, item.startswith("-"), False))
            continue
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        keys.append(Key(field.attname, item.startswith("-"), field.null))
    if not any(key.name in ("id", model._meta.pk.attname) for key in keys):
        keys.append(Key(model._meta.pk.attname, keys[-1].descending if keys else True, False))
    return keys


def _after(keys: list[Key], values: list[Any], *, reverse: bool) -> Q:
    """Rows strictly after ``values`` in the order of ``keys`` (read backwards when ``reverse``)."""
    key, value = keys[0], values[0]
    descending = key.descending != reverse
    nulls_last = not reverse  # NULLs are last in the natural order, so first when reading backwards.
    if value is None:
        # Past a NULL: nothing when NULLs come last; every non-NULL when reading backwards.
        strictly = Q(pk__in=[]) if nulls_last else Q(**{f"{key.name}__isnull": False})
        equal = Q(**{f"{key.name}__isnull": True})
    else:
        strictly = Q(**{f"{key.name}__{'lt' if descending else 'gt'}": value})
        if key.nullable and nulls_last:
            strictly |= Q(**{f"{key.name}__isnull": True})
        equal = Q(**{key.name: value})
    if len(keys) == 1:
        return strictly
    return strictly | (equal & _after(keys[1:], values[1:], reverse=reverse))


def _order_by(keys: list[Key], *, reverse: bool) -> list[Any]:
    terms = []
    for key in keys:
        expression = F(key.name)
        nulls = ({"nulls_first": True} if reverse else {"nulls_last": True}) if key.nullable else {}
        terms.append(expression.desc(**nulls) if key.descending != reverse else expression.asc(**nulls))
    return terms


class KeysetPagination(BasePagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["Must be a whole number from 1 to 100."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Must be from 1 to {self.max_page_size}."]})
        return size

    def _decode(self, token: str, width: int) -> tuple[list[Any], bool]:
        try:
            data = safejson.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
            values, reverse = data["v"], bool(data["r"])
            if not isinstance(values, list) or len(values) != width:
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationError({"cursor": ["This cursor is not valid; start again from the first page."]}) from None
        return values, reverse

    def _encode(self, row: Model, reverse: bool) -> str:
        values = []
        for key in self.keys:
            value = getattr(row, key.name)
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        payload = json.dumps({"v": values, "r": reverse}, separators=(",", ":"))
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Model]:
        self.request = request
        ordering = [term for term in queryset.query.order_by if isinstance(term, str)]
        ordering = ordering or [t for t in queryset.model._meta.ordering if isinstance(t, str)] or ["-pk"]
        self.keys = parse_ordering(queryset.model, ordering, queryset.query.annotations)
        size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param) or None
        reverse = False
        if token:
            values, reverse = self._decode(token, len(self.keys))
            queryset = queryset.filter(_after(self.keys, values, reverse=reverse))
        rows = list(queryset.order_by(*_order_by(self.keys, reverse=reverse))[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        self.has_next = more if not reverse else True
        self.has_previous = bool(token) and (more if reverse else True)
        self.rows = rows
        return rows

    def _link(self, row: Model | None, reverse: bool) -> str | None:
        if row is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(row, reverse))

    def get_next_link(self) -> str | None:
        return self._link(self.rows[-1], False) if self.has_next and self.rows else None

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.rows[0], True)

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "The page to read: take it from next or previous.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Results per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next", "previous"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }
