"""A report's parameters, read from the query string and checked before any query runs.

Every report takes:

- ``from`` and ``to``: an ISO date (``2026-03-01``) or date and time (``2026-03-01T09:30``,
  ``2026-03-01T08:30Z``, ``2026-03-01T09:30+01:00``). A time without an offset, and a date,
  are read in the server's time zone (``TIME_ZONE``). ``from`` is included and ``to`` is
  not: a date as ``to`` means "up to the end of that day" (the next day's midnight), a
  date and time means "up to that instant". Without them the range is the last 30 days,
  today included: from local midnight 30 days before tomorrow to tomorrow's midnight.
  ``to`` must come after ``from``, at most 366 days (of the local calendar) later.
- ``team`` (ids), ``category`` (slugs or names, any case) and ``priority`` (``low``..``urgent``
  or ``P4``..``P1``), each repeated or comma-separated as on the ticket list
  (``priority=P1,P2`` or ``priority=P1&priority=P2``); values of one filter are OR-ed,
  different filters AND-ed. A team or category that does not exist is an error, as a bad
  priority is, not a report of zeros.
- ``cf_<key>=value`` (and ``cf_<key>__gte``/``__lte`` for numbers and dates): custom fields, read
  as the ticket list reads them (``tickets.custom_fields.parse_filters``).

Reports add options of their own by subclassing ``ReportParamsSerializer``.
Anything invalid is a 400 in the API's error shape, one entry per field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import dateparse, timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Team
from helpdesk.api.fields import parse_id
from helpdesk.errors import ValidationFailed
from tickets.api.serializers import category_key
from tickets.choices import PRIORITY_RANK, Priority, parse_priority
from tickets.custom_fields import FieldFilter, parse_filters
from tickets.models import Category

DEFAULT_DAYS = 30
MAX_DAYS = 366


def start_of_day(day: date) -> datetime:
    """Local midnight of ``day`` in the current time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def local_iso(instant: datetime | None) -> str | None:
    """An instant as the reports write it: ISO 8601 in the server's time zone, with its offset."""
    return timezone.localtime(instant).isoformat() if instant is not None else None


def _local_wall(instant: datetime) -> datetime:
    """The local wall-clock reading of an instant, without its zone (for calendar arithmetic)."""
    return timezone.localtime(instant).replace(tzinfo=None)


@extend_schema_field(OpenApiTypes.STR)
class MomentField(serializers.Field):
    """An ISO date or date-time in the server's time zone; a date is the start of that day or, with
    ``end_of_day``, the start of the next one (so ``to=2026-03-31`` includes all of the 31st)."""

    default_error_messages = {"invalid": "Use an ISO date (2026-03-01) or date and time (2026-03-01T09:30:00Z)."}

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        text = str(data).strip()
        # A "+" in a query string arrives as a space when the client did not encode it.
        if "T" in text and " " in text:
            text = text.replace(" ", "+")
        try:
            moment = dateparse.parse_datetime(text) if ("T" in text or ":" in text) else None
            day = None if moment else dateparse.parse_date(text)
        except ValueError:  # well formed, impossible values (2026-02-30)
            self.fail("invalid")
        if moment is not None:
            # In UTC: PostgreSQL refuses offsets past +/-15:59 that the ISO format allows (a 500 there).
            try:
                return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)).astimezone(UTC)
            except OverflowError:  # 0001-01-01T00:00+05:00 is before year 1 in UTC
                self.fail("invalid")
        if day is None:
            self.fail("invalid")
        try:
            return start_of_day(day + timedelta(days=1) if self.end_of_day else day)
        except OverflowError:  # 9999-12-31 has no next day
            self.fail("invalid")

    def to_representation(self, value: datetime) -> str | None:
        return local_iso(value)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class ValuesField(serializers.Field):
    """Repeated or comma-separated values, each checked by ``parse`` (None: not valid); sorted, once each."""

    default_error_messages = {"invalid": "{value!r} is not a valid value."}

    def __init__(self, *, parse: Callable[[str], Any], order: Callable[[Any], Any] | None = None, **kwargs: Any):
        self.parse = parse
        self.order = order
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if hasattr(dictionary, "getlist"):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> tuple[Any, ...]:
        items = data if isinstance(data, list) else [data]
        parsed = set()
        for item in items:
            for part in str(item).split(","):
                if not part.strip():
                    continue
                value = self.parse(part.strip())
                if value is None:
                    self.fail("invalid", value=part.strip())
                parsed.add(value)
        return tuple(sorted(parsed, key=self.order))

    def to_representation(self, value: tuple[Any, ...]) -> list[Any]:
        return list(value)


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdValuesField(ValuesField):
    """Ids, repeated or comma-separated."""


def _category(value: str) -> str | None:
    return category_key(value) or None


def _priority(value: str) -> str | None:
    priority = parse_priority(value)
    return priority.value if priority else None


class ReportParamsSerializer(serializers.Serializer):
    """The parameters every report takes; ``validated_data`` becomes a ``ReportParams``."""

    team = IdValuesField(parse=parse_id, help_text="Team ids, repeated or comma-separated.")
    category = ValuesField(parse=_category, help_text="Category slugs (technical, billing...), any case.")
    priority = ValuesField(
        parse=_priority,
        order=lambda value: PRIORITY_RANK[Priority(value)],
        help_text="low, medium, high, urgent or P4..P1.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so these two are added here rather than declared above.
        return {
            "from": MomentField(required=False, help_text="Start, included: ISO date or date-time (server time zone)."),
            "to": MomentField(
                required=False,
                end_of_day=True,
                help_text="End, excluded: a date means the end of that day; a date-time that instant. "
                "Default: the end of today; with from, at most 366 days after it.",
            ),
            **super().get_fields(),
        }

    def validate_team(self, ids: tuple[int, ...]) -> tuple[int, ...]:
        known = set(Team.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := [pk for pk in ids if pk not in known]:
            raise serializers.ValidationError(f"Unknown team {missing[0]}.")
        return ids

    def validate_category(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        """Slugs or names (as keys) of categories that exist, active or not (past tickets have them)."""
        slugs = {}
        for slug, name in Category.objects.values_list("slug", "name"):
            slugs[category_key(name)] = slug
            slugs[slug] = slug
        if missing := [key for key in keys if key not in slugs]:
            raise serializers.ValidationError(f"Unknown category {missing[0]!r}.")
        return tuple(sorted({slugs[key] for key in keys}))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("to") or start_of_day(timezone.localdate() + timedelta(days=1))
        # Days of the local calendar, so a range across a DST change is not an hour off.
        try:
            start = attrs.get("from") or timezone.make_aware(_local_wall(end) - timedelta(days=DEFAULT_DAYS))
        except OverflowError:
            raise serializers.ValidationError({"to": ["Too early: give from as well."]}) from None
        if start >= end:
            raise serializers.ValidationError({"to": ["Must be after from."]})
        if _local_wall(end) - _local_wall(start) > timedelta(days=MAX_DAYS):
            raise serializers.ValidationError({"to": [f"A report covers at most {MAX_DAYS} days; narrow from/to."]})
        attrs["from"], attrs["to"] = start, end
        try:
            attrs["custom_fields"] = tuple(parse_filters(None, getattr(self, "initial_data", {})))
        except ValidationFailed as exc:
            raise serializers.ValidationError(exc.errors) from None
        return attrs


@dataclass(frozen=True)
class ReportParams:
    """Checked, normalized parameters: equal requests give equal objects (and equal cache keys)."""

    start: datetime
    end: datetime
    teams: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    custom_fields: tuple[FieldFilter, ...] = ()
    # The report's own options (bucket, split, limit...), by name.
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_validated(cls, data: dict[str, Any]) -> ReportParams:
        common = {"from", "to", "team", "category", "priority", "custom_fields"}
        return cls(
            start=data["from"],
            end=data["to"],
            teams=data.get("team", ()),
            categories=data.get("category", ()),
            priorities=data.get("priority", ()),
            custom_fields=data.get("custom_fields", ()),
            options={name: value for name, value in data.items() if name not in common},
        )

    def as_json(self) -> dict[str, Any]:
        """The parameters as the answer repeats them: instants in the server's time zone, with their offset."""
        return {
            "from": local_iso(self.start),
            "to": local_iso(self.end),
            "time_zone": timezone.get_current_timezone_name(),
            "team": list(self.teams),
            "category": list(self.categories),
            "priority": list(self.priorities),
            **({"custom_fields": {f.parameter: f.as_json() for f in self.custom_fields}} if self.custom_fields else {}),
            **self.options,
        }

    def cache_part(self) -> str:
        """A canonical text of the parameters (the time zone included: it decides local days)."""
        return json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"), default=str)


def parse_params(serializer_class: type[ReportParamsSerializer], query: Any) -> ReportParams:
    """Read and check a report's parameters; raises ``ValidationError`` (400, per field)."""
    serializer = serializer_class(data=query)
    serializer.is_valid(raise_exception=True)
    return ReportParams.from_validated(serializer.validated_data)
