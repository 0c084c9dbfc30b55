"""Filters taking repeated or comma-separated values: ``status=open&status=in_progress`` or ``status=open,pending``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django_filters.widgets import QueryArrayWidget
from rest_framework.exceptions import ValidationError


class _ValuesField(forms.Field):
    widget = QueryArrayWidget

    def __init__(self, *args: Any, parse: Callable[[str], Any] | None = None, **kwargs: Any) -> None:
        self.parse = parse
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> list[Any]:
        items = value if isinstance(value, list) else [value] if value else []
        raw = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
        # As forms.CharField does: PostgreSQL cannot compare text holding NUL (a 500 there).
        for item in raw:
            ProhibitNullCharactersValidator()(item)
        if self.parse is None:
            return raw
        parsed = []
        for item in raw:
            result = self.parse(item)
            if result is None:
                # The value goes in params, never into the message: it may hold "%" signs.
                raise forms.ValidationError("%(value)r is not a valid value.", params={"value": item})
            parsed.append(result)
        return parsed


class MultiValueFilter(django_filters.Filter):
    """Matches any of the given values; ``parse`` turns each into what is stored (None: invalid)."""

    field_class = _ValuesField

    def __init__(self, *args: Any, parse: Callable[[str], Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "in")
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)
        self.extra["parse"] = parse

    def filter(self, qs: QuerySet, value: list[Any]) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value})


def ordering_terms(raw: str, fields: dict[str, str]) -> list[str]:
    """``-priority,created_at`` into model orderings through ``fields`` (public name -> field); unknown is a 400."""
    ordering = []
    for item in str(raw).split(","):
        item = item.strip()
        name = item.lstrip("-").lower()
        if name not in fields:
            allowed = ", ".join(fields)
            raise ValidationError({"ordering": [f"Cannot order by {name[:50]!r}. Use one of: {allowed}."]})
        # A field may itself be descending ("relevance" is "-relevance", best first): a "-" turns it round.
        descending = item.startswith("-") != fields[name].startswith("-")
        ordering.append(("-" if descending else "") + fields[name].lstrip("-"))
    return ordering


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 instant, in UTC: PostgreSQL refuses offsets past +/-15:59 (a 500 there), so none reaches it."""

    def clean(self, value: Any) -> datetime | None:
        instant = super().clean(value)
        if instant is None or instant.tzinfo is None:
            return instant
        try:
            return instant.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("The instant is out of range.", code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``IsoDateTimeFilter`` whose value is put in UTC before the query (any offset the format allows)."""

    field_class = _UtcIsoDateTimeField
