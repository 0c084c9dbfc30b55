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
