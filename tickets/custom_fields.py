"""Custom fields as every face reads them: the active definitions, typed values, and filters on them.

The definitions are read on every ticket page and list, so they are kept in the default cache
(``active_fields``) and forgotten whenever a definition or its categories change: a desk with no
custom fields pays no query for them, and one with some pays one query per page for the values
(``load_values``). Values are parsed here, once, for the API, the console, the portal and the
filters alike (``parse_value``), so every face accepts and refuses the same input.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from helpdesk.cache import forget, remembered
from helpdesk.errors import ValidationFailed
from tickets.models import CustomField, CustomFieldValue, FieldType, Ticket
from tickets.models.custom_fields import NUMBER_PLACES, TEXT_MAX

logger = logging.getLogger(__name__)

CACHE_KEY = "tickets:custom-fields:v1"
# A safety net only: every change of a definition forgets the cached ones at once.
CACHE_SECONDS = 300
# The column of CustomFieldValue each type is stored in.
COLUMNS = {
    FieldType.TEXT: "text",
    FieldType.DROPDOWN: "text",
    FieldType.NUMBER: "number",
    FieldType.DATE: "date",
    FieldType.CHECKBOX: "flag",
}
# Filters a type takes besides exact equality (``cf_<key>__gte=``).
RANGE_LOOKUPS = ("gte", "lte")
FILTER_PREFIX = "cf_"
MAX_NUMBER = Decimal(10) ** 15
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class FieldSpec:
    """An active custom field as the faces need it (cached: plain values only)."""

    id: int
    key: str
    label: str
    type: str
    choices: tuple[str, ...]
    category_ids: frozenset[int]
    required: bool
    customer_visible: bool
    help_text: str
    position: int

    @property
    def column(self) -> str:
        return COLUMNS[FieldType(self.type)]

    def applies_to(self, category_id: int | None) -> bool:
        """Whether tickets of the category carry the field (no category chosen: every ticket)."""
        return not self.category_ids or category_id in self.category_ids


def _load() -> tuple[FieldSpec, ...]:
    """The active fields with their categories in one query (a row per field and category)."""
    rows = (
        CustomField.objects.filter(is_active=True)
        .order_by(*CustomField._meta.ordering)
        .values_list(
            "pk",
            "key",
            "label",
            "type",
            "choices",
            "required",
            "customer_visible",
            "help_text",
            "position",
            "categories",
        )
    )
    fields: dict[int, list[Any]] = {}
    for pk, *columns, category_id in rows:
        fields.setdefault(pk, [columns, set()])[1].update({category_id} - {None})
    return tuple(
        FieldSpec(
            id=pk,
            key=key,
            label=label,
            type=kind,
            choices=tuple(choices or ()),
            category_ids=frozenset(categories),
            required=required,
            customer_visible=visible,
            help_text=help_text,
            position=position,
        )
        for pk, ((key, label, kind, choices, required, visible, help_text, position), categories) in fields.items()
    )


def active_fields() -> tuple[FieldSpec, ...]:
    """Every active field, in position order: from this process's memory or the cache when they hold
    them (no query; a page of tickets asks once), else read (``helpdesk.cache.remembered``)."""
    return remembered(CACHE_KEY, _load, CACHE_SECONDS)


def forget_cached_fields() -> None:
    forget(CACHE_KEY)


def forget_fields(**_: Any) -> None:
    """Drop the cached definitions now and again after the commit (a reader in between may have cached the old)."""
    forget_cached_fields()
    transaction.on_commit(forget_cached_fields, robust=True)


def fields_visible_to(user: User | None) -> tuple[FieldSpec, ...]:
    """The active fields ``user`` sees and sets: all for staff (and the system), customer-visible ones otherwise."""
    fields = active_fields()
    if user is None or getattr(user, "is_staff_role", False):
        return fields
    return customer_fields()


def customer_fields() -> tuple[FieldSpec, ...]:
    """The fields customers see and fill (the portal's forms, guests included)."""
    return tuple(field for field in active_fields() if field.customer_visible)


# --- Values ---------------------------------------------------------------------------------


def is_empty(spec: FieldSpec, value: Any) -> bool:
    """No value: nothing stored (a checkbox is stored only when ticked)."""
    return value is None or (spec.type == FieldType.CHECKBOX and value is False)


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """``raw`` (JSON, form or query-string input) as the field's typed value; None when empty.

    Raises ``ValueError`` with a message for people when it is not a value of the field.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip() and spec.type != FieldType.CHECKBOX):
        return None
    kind = FieldType(spec.type)
    if kind == FieldType.CHECKBOX:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS + FALSE_WORDS:
            return raw.strip().lower() in TRUE_WORDS
        raise ValueError("Must be true or false.")
    if kind == FieldType.NUMBER:
        return _number(raw)
    if kind == FieldType.DATE:
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str) and len(raw.strip()) == 10:
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                pass
        raise ValueError("Must be a date as YYYY-MM-DD.")
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ValueError("Must be text.")
    text = str(raw).strip()
    if kind == FieldType.DROPDOWN:
        if text not in spec.choices:
            raise ValueError(f"{text!r} is not one of the choices: {', '.join(spec.choices)}.")
        return text
    if len(text) > TEXT_MAX:
        raise ValueError(f"At most {TEXT_MAX} characters.")
    return text


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise ValueError("Must be a number.")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("Must be a number.") from None
    if not number.is_finite():
        raise ValueError("Must be a number.")
    if abs(number) >= MAX_NUMBER:
        raise ValueError("Must be less than 10^15 in size.")
    if number != number.quantize(Decimal(1).scaleb(-NUMBER_PLACES)):
        raise ValueError(f"At most {NUMBER_PLACES} decimal places.")
    return number


def number_text(value: Decimal) -> str:
    """``12.50`` as ``12.5``, ``10.000000`` as ``10``: as PostgreSQL's ``trim_scale`` writes it (the CSV)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_json(spec: FieldSpec, value: Any) -> Any:
    """The value in the ticket's JSON: text, a number, ``YYYY-MM-DD``, a boolean (false when unticked) or null."""
    if spec.type == FieldType.CHECKBOX:
        return bool(value)
    if value is None:
        return None
    if spec.type == FieldType.NUMBER:
        return int(value) if value == value.to_integral_value() else float(value)
    if spec.type == FieldType.DATE:
        return value.isoformat()
    return value


def to_text(spec: FieldSpec, value: Any) -> str:
    """The value as the history and the CSV write it."""
    if spec.type == FieldType.CHECKBOX:
        return "true" if value else "false"
    if value is None:
        return ""
    if spec.type == FieldType.NUMBER:
        return number_text(value)
    return value.isoformat() if spec.type == FieldType.DATE else str(value)


def load_values(tickets: list[Ticket]) -> None:
    """Read the custom values of ``tickets`` in one query (none when the desk has no active field).

    Each ticket keeps them as ``_custom_values`` ({field id: typed value}) for ``values_of``.
    """
    fields = active_fields()
    values: dict[int, dict[int, Any]] = {ticket.pk: {} for ticket in tickets}
    if fields and tickets:
        columns = {spec.id: spec.column for spec in fields}
        rows = CustomFieldValue.objects.filter(ticket_id__in=list(values), field_id__in=list(columns))
        for ticket_id, field_id, *typed in rows.values_list("ticket_id", "field_id", "text", "number", "date", "flag"):
            values[ticket_id][field_id] = dict(zip(("text", "number", "date", "flag"), typed, strict=True))[
                columns[field_id]
            ]
    for ticket in tickets:
        ticket._custom_values = values[ticket.pk]


def values_of(ticket: Ticket) -> dict[int, Any]:
    """The ticket's values by field id (read now unless ``load_values`` read them with its page)."""
    if not hasattr(ticket, "_custom_values"):
        load_values([ticket])
    return ticket._custom_values


def shown_fields(user: User | None, ticket: Ticket) -> list[FieldSpec]:
    """The fields ``user`` sees on ``ticket``: those of its category, and any other that holds a value."""
    values = values_of(ticket)
    return [spec for spec in fields_visible_to(user) if spec.applies_to(ticket.category_id) or spec.id in values]


def filled_values(fields: Iterable[FieldSpec], ticket: Ticket) -> list[tuple[str, str]]:
    """(label, text) of those of ``fields`` that hold a value on ``ticket``, for pages that show them."""
    values = values_of(ticket)
    return [(spec.label, to_text(spec, values[spec.id])) for spec in fields if not is_empty(spec, values.get(spec.id))]


def custom_fields_json(user: User | None, ticket: Ticket) -> dict[str, Any]:
    """``{key: value}`` of the fields ``user`` sees on ``ticket`` (null or false where empty)."""
    values = values_of(ticket)
    return {spec.key: to_json(spec, values.get(spec.id)) for spec in shown_fields(user, ticket)}


def field_value(ticket: Ticket, key: str) -> Any:
    """One field's typed value on ``ticket`` (None when empty or not an active field): for rules and actions."""
    spec = next((spec for spec in active_fields() if spec.key == key), None)
    return None if spec is None else values_of(ticket).get(spec.id)


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldFilter:
    spec: FieldSpec
    lookup: str  # "exact", "gte" or "lte"
    values: tuple[Any, ...]

    def condition(self, ticket: str = "pk") -> Q:
        """Tickets passing the filter, as an EXISTS on the ``(field, <column>, ticket)`` index.

        ``ticket`` names the ticket's id in the rows filtered: ``pk`` for tickets, ``ticket_id``
        for rows about a ticket (the reports' milestones).
        """
        rows = CustomFieldValue.objects.filter(ticket_id=OuterRef(ticket), field_id=self.spec.id)
        column = self.spec.column
        if self.spec.type == FieldType.CHECKBOX:
            ticked = Exists(rows.filter(flag=True))
            wanted = set(self.values)
            return Q() if wanted == {True, False} else (Q(ticked) if True in wanted else ~Q(ticked))
        if self.lookup == "exact":
            return Q(Exists(rows.filter(**{f"{column}__in": self.values})))
        return Q(Exists(rows.filter(**{f"{column}__{self.lookup}": self.values[0]})))

    @property
    def parameter(self) -> str:
        """The query parameter it was read from (``cf_amount__gte``)."""
        return FILTER_PREFIX + self.spec.key + ("" if self.lookup == "exact" else f"__{self.lookup}")

    def as_json(self) -> list[str]:
        return [to_text(self.spec, value) for value in self.values]


def field_condition(key: str, lookup: str, value: Any) -> Q:
    """Tickets whose field ``key`` passes ``lookup`` ("exact", "gte", "lte") against ``value``: for rules
    stored by key (automations). A field that is gone or inactive matches no ticket."""
    spec = next((spec for spec in active_fields() if spec.key == key), None)
    if spec is None:
        return Q(pk__in=[])
    return FieldFilter(spec, lookup, (parse_value(spec, value),)).condition()


def parse_filters(user: User | None, params: Mapping[str, Any]) -> list[FieldFilter]:
    """The ``cf_<key>`` filters of a query string (``cf_<key>__gte``/``__lte`` for numbers and dates).

    An unknown key (or one ``user`` may not see), a range on a type without order, or a value the
    field cannot hold is a ``ValidationFailed`` naming the parameter.
    """
    names = sorted(name for name in params if name.startswith(FILTER_PREFIX))
    if not names:
        return []  # without a cf_ parameter the definitions are not even read
    fields = {spec.key: spec for spec in fields_visible_to(user)}
    found: list[FieldFilter] = []
    errors: dict[str, list[str]] = {}
    for name in names:
        key, _, lookup = name.removeprefix(FILTER_PREFIX).partition("__")
        spec = fields.get(key)
        if spec is None:
            errors[name] = [f"There is no custom field {key!r}."]
            continue
        if lookup and (lookup not in RANGE_LOOKUPS or spec.type not in (FieldType.NUMBER, FieldType.DATE)):
            errors[name] = ["Only number and date fields take __gte and __lte."]
            continue
        raw = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        try:
            values = tuple(parse_value(spec, item) for item in raw)
        except ValueError as exc:
            errors[name] = [str(exc)]
            continue
        if any(value is None for value in values) or (lookup and len(values) > 1):
            errors[name] = ["Give one value." if lookup else "Give a value."]
            continue
        found.append(FieldFilter(spec, lookup or "exact", values))
    if errors:
        raise ValidationFailed("Invalid custom field filter.", errors)
    return found
