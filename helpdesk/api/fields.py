"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers


class LenientChoiceField(serializers.ChoiceField):
    """A choice accepted in any case and under the seeds' aliases; answered in canonical lower case."""

    def __init__(self, choices: Any, parse: Callable[[str], str | None], **kwargs: Any) -> None:
        self.parse = parse
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if data == "" and self.allow_blank:
            return ""
        parsed = self.parse(str(data)) if isinstance(data, str | int) else None
        if parsed is None:
            self.fail("invalid_choice", input=data)
        return str(parsed)


class StringListField(serializers.ListField):
    """A list of strings, also accepted as one comma-separated string (``"db, outage"``)."""

    child = serializers.CharField(max_length=50)

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str):
            data = [part for part in (item.strip() for item in data.split(",")) if part]
        return super().to_internal_value(data)


MAX_ID = 2**63 - 1


def parse_id(value: str) -> int | None:
    """An id from a query string; None (invalid) unless a whole number a database column can hold."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID <= number <= MAX_ID else None


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by id; ids too large for a database column are "not found", not a crash."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or (isinstance(data, int | str) and parse_id(str(data)) is None):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
