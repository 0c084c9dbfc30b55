"""A rule's conditions: validated when saved, turned into one database condition when run.

A condition is ``{"field": ..., "op": ..., "value": ...}``. Most are conditions on the ticket's
columns and become a ``Q``, so one query tells whether a ticket matches (a trigger) and one
query finds every ticket that matches (an automation, a dry run). Two are about the moment
rather than the ticket and are checked in Python: ``comment`` (the change added a public reply
or an internal note) and ``business_hours`` (now is, or is not, within a calendar's hours).

Fields and their operators:

- ``status``, ``priority``, ``channel``: ``is``, ``is_not`` (one value), ``in``, ``not_in`` (a list).
- ``category`` (slug), ``team``, ``assignee``, ``organization`` (ids): ``is``, ``is_not``, ``is_set``, ``is_empty``.
- ``requester_email``: ``is``, ``ends_with`` (a domain: ``@acme.example``), ``contains``.
- ``subject``, ``description``: ``contains``, ``not_contains`` (any case).
- ``tag``: ``includes``, ``excludes``.
- ``sla``: ``is`` ``ok``, ``at_risk`` or ``breached`` (now, as the ticket's page says).
- ``minutes_since_created``, ``minutes_since_status_changed``, ``minutes_since_updated``: ``gt``, ``lt``
  (whole minutes): "pending for more than 7 days" is status is pending and minutes since status
  changed gt 10080.
- ``comment``: ``is`` ``public`` or ``internal`` (triggers on ``commented``).
- ``business_hours``: ``within`` or ``outside`` a business calendar (its id).
- ``cf:<key>``, a custom field: ``is``, and ``gte`` / ``lte`` for numbers and dates (its value as
  the API takes it). A field removed or switched off since matches no ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team, User
from tickets import sla as sla_rules
from tickets.choices import Channel, Priority, Status
from tickets.custom_fields import FieldSpec, active_fields, field_condition, parse_value
from tickets.models import BusinessCalendar, Category, FieldType, Ticket
from tickets.selectors import sla_at_risk_condition, sla_breached_condition

# What a Python check is given: the moment and the change's own facts (e.g. {"comment": "public"}).
Check = Callable[[datetime, dict[str, Any]], bool]

CHOICE_OPS = ("is", "is_not", "in", "not_in")
RELATION_OPS = ("is", "is_not", "is_set", "is_empty")
# Operators in words, as the console's rule builder offers them.
OPERATORS = {
    "is": _("is"),
    "is_not": _("is not"),
    "in": _("is one of"),
    "not_in": _("is not one of"),
    "is_set": _("is set"),
    "is_empty": _("is empty"),
    "ends_with": _("ends with"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "includes": _("includes"),
    "excludes": _("does not include"),
    "gt": _("more than"),
    "lt": _("less than"),
    "within": _("within the hours of"),
    "outside": _("outside the hours of"),
    "gte": _("is at least"),
    "lte": _("is at most"),
}
SLA_STATES = {"ok": _("on track"), "at_risk": _("at risk"), "breached": _("breached")}
COMMENT_KINDS = {"public": _("a public reply"), "internal": _("an internal note")}
DURATION_FIELDS = {
    "minutes_since_created": "created_at",
    "minutes_since_status_changed": "status_changed_at",
    "minutes_since_updated": "updated_at",
}


def _fail(index: int, message: str) -> ValidationError:
    return ValidationError(f"Condition {index + 1}: {message}")


def _one_of(allowed: Iterable[str], field: str) -> Callable[[Any, int], Any]:
    allowed = list(allowed)

    def parse(value: Any, index: int) -> Any:
        values = value if isinstance(value, list) else [value]
        wrong = [str(one) for one in values if one not in allowed]
        if wrong or not values:
            raise _fail(index, f"{field} cannot be {', '.join(wrong) or 'empty'}; use {', '.join(allowed)}.")
        return value

    return parse


def _row(model: type, field: str, lookup: str = "pk") -> Callable[[Any, int], Any]:
    def parse(value: Any, index: int) -> Any:
        if lookup == "pk":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise _fail(index, f"a {field} is given by its id.") from None
        if value in (None, "") or not model.objects.filter(**{lookup: value}).exists():
            raise _fail(index, f"there is no {field} {value!r}.")
        return value

    return parse


def _text(value: Any, index: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(index, "give a text to compare with.")
    return value.strip()


MAX_MINUTES = 10 * 366 * 24 * 60  # ten years


def _minutes(value: Any, index: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
        raise _fail(index, "give a whole number of minutes, at most ten years' worth.")
    return value


@dataclass(frozen=True)
class Field:
    ops: tuple[str, ...]
    parse: Callable[[Any, int], Any] | None  # None: the operator takes no value
    kinds: tuple[str, ...] = ("trigger", "automation")
    # For the console's rule builder: the field in words, its group, and what its value is
    # ("text", "minutes", or the name of a list of choices the console hands it).
    label: str = ""
    group: str = ""
    values: str = "text"


TICKET, PEOPLE, WORDS, TIME, MOMENT = _("The ticket"), _("People and teams"), _("Text"), _("Time"), _("The moment")
CUSTOM = _("Custom fields")
FIELDS: dict[str, Field] = {
    "status": Field(CHOICE_OPS, _one_of(Status.values, "status"), label=_("Status"), group=TICKET, values="status"),
    "priority": Field(
        CHOICE_OPS, _one_of(Priority.values, "priority"), label=_("Priority"), group=TICKET, values="priority"
    ),
    "channel": Field(
        CHOICE_OPS, _one_of(Channel.values, "channel"), label=_("Channel"), group=TICKET, values="channel"
    ),
    "category": Field(
        RELATION_OPS, _row(Category, "category", "slug"), label=_("Category"), group=TICKET, values="category"
    ),
    "team": Field(RELATION_OPS, _row(Team, "team"), label=_("Team"), group=PEOPLE, values="team"),
    "assignee": Field(RELATION_OPS, _row(User, "agent"), label=_("Assignee"), group=PEOPLE, values="agent"),
    "organization": Field(
        RELATION_OPS, _row(Organization, "organization"), label=_("Organization"), group=PEOPLE, values="organization"
    ),
    "requester_email": Field(("is", "ends_with", "contains"), _text, label=_("Requester email"), group=PEOPLE),
    "subject": Field(("contains", "not_contains"), _text, label=_("Subject"), group=WORDS),
    "description": Field(("contains", "not_contains"), _text, label=_("Description"), group=WORDS),
    "tag": Field(("includes", "excludes"), _text, label=_("Tag"), group=WORDS),
    "sla": Field(("is",), _one_of(SLA_STATES, "sla"), label=_("SLA state"), group=TICKET, values="sla"),
    "minutes_since_created": Field(("gt", "lt"), _minutes, label=_("Time since created"), group=TIME, values="minutes"),
    "minutes_since_status_changed": Field(
        ("gt", "lt"), _minutes, label=_("Time since the status changed"), group=TIME, values="minutes"
    ),
    "minutes_since_updated": Field(("gt", "lt"), _minutes, label=_("Time since updated"), group=TIME, values="minutes"),
    "comment": Field(
        ("is",), _one_of(COMMENT_KINDS, "comment"), ("trigger",), label=_("Comment is"), group=MOMENT, values="comment"
    ),
    "business_hours": Field(
        ("within", "outside"),
        _row(BusinessCalendar, "business calendar"),
        label=_("Business hours"),
        group=MOMENT,
        values="calendar",
    ),
}
CUSTOM_PREFIX = "cf:"
ORDERED_TYPES = (FieldType.NUMBER, FieldType.DATE)
_COLUMN = {
    "category": "category__slug",
    "team": "team_id",
    "assignee": "assignee_id",
    "organization": "organization_id",
}
_PYTHON = frozenset({"comment", "business_hours"})


def custom_ops(spec: FieldSpec) -> tuple[str, ...]:
    """A custom field's operators: ``is``, and ``gte`` / ``lte`` for numbers and dates."""
    return ("is", "gte", "lte") if spec.type in ORDERED_TYPES else ("is",)


def describe_fields(custom: Iterable[FieldSpec]) -> list[dict[str, Any]]:
    """The fields as the console's rule builder offers them, from ``FIELDS`` and the given custom fields:
    name, words, group, operators, what the value is, and the kinds of rule that may use them."""
    described = [
        {
            "name": name,
            "label": str(field.label),
            "group": str(field.group),
            "ops": list(field.ops),
            "values": field.values,
            "kinds": list(field.kinds),
        }
        for name, field in FIELDS.items()
    ]
    described += [
        {
            "name": f"{CUSTOM_PREFIX}{spec.key}",
            "label": spec.label,
            "group": str(CUSTOM),
            "ops": list(custom_ops(spec)),
            "values": spec.type,
            "choices": list(spec.choices),
            "kinds": ["trigger", "automation"],
        }
        for spec in custom
    ]
    return described


def clean_conditions(raw: Any, *, kind: str) -> list[dict[str, Any]]:
    """The conditions as stored, each checked (field, operator, value); a ``ValidationError`` names each wrong one."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError("Conditions are a list of {field, op, value}.")
    cleaned, errors = [], []
    for index, condition in enumerate(raw):
        try:
            cleaned.append(_clean_one(condition, index, kind))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_custom(condition: dict[str, Any], index: int) -> dict[str, Any]:
    key, op = condition["field"].removeprefix(CUSTOM_PREFIX), condition.get("op")
    spec = next((spec for spec in active_fields() if spec.key == key), None)
    if spec is None:
        raise _fail(index, f"there is no custom field {key!r}.")
    if op not in custom_ops(spec):
        raise _fail(index, f"{spec.label} takes {', '.join(custom_ops(spec))}, not {op!r}.")
    try:
        parse_value(spec, condition.get("value"))
    except ValueError as exc:
        raise _fail(index, f"{spec.label}: {exc}") from None
    return {"field": condition["field"], "op": op, "value": condition.get("value")}


def _clean_one(condition: Any, index: int, kind: str) -> dict[str, Any]:
    if not isinstance(condition, dict):
        raise _fail(index, "write it as {field, op, value}.")
    if isinstance(condition.get("field"), str) and condition["field"].startswith(CUSTOM_PREFIX):
        return _clean_custom(condition, index)
    name, op = condition.get("field"), condition.get("op")
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        raise _fail(index, f"unknown field {name!r}; use one of {', '.join(FIELDS)} or cf:<a custom field's key>.")
    if kind not in field.kinds:
        raise _fail(index, f"{name} is about a change: only triggers can use it.")
    if op not in field.ops:
        raise _fail(index, f"{name} takes {', '.join(field.ops)}, not {op!r}.")
    if op in ("is_set", "is_empty"):
        return {"field": name, "op": op}
    if op in ("in", "not_in") and not isinstance(condition.get("value"), list):
        raise _fail(index, f"{op} takes a list of values.")
    return {"field": name, "op": op, "value": field.parse(condition.get("value"), index)}


def _has_tag(name: str) -> Exists:
    through = Ticket.tags.through
    return Exists(through.objects.filter(ticket_id=OuterRef("pk"), tag__name__iexact=name))


def condition_q(condition: dict[str, Any], now: datetime) -> Q:
    """One stored (ticket) condition as a ``Q`` on tickets at ``now``."""
    name, op, value = condition["field"], condition["op"], condition.get("value")
    if name.startswith(CUSTOM_PREFIX):
        try:
            return field_condition(name.removeprefix(CUSTOM_PREFIX), "exact" if op == "is" else op, value)
        except ValueError:  # the field changed type since: matches nothing
            return Q(pk__in=[])
    if name in ("status", "priority", "channel"):
        values = value if isinstance(value, list) else [value]
        matched = Q(**{f"{name}__in": values})
        return ~matched if op in ("is_not", "not_in") else matched
    if name in _COLUMN:
        column = _COLUMN[name]
        if op == "is_set":
            return Q(**{f"{name}__isnull": False})
        if op == "is_empty":
            return Q(**{f"{name}__isnull": True})
        matched = Q(**{column: value})
        return ~matched | Q(**{f"{name}__isnull": True}) if op == "is_not" else matched
    if name == "requester_email":
        lookup = {"is": "iexact", "ends_with": "iendswith", "contains": "icontains"}[op]
        return Q(**{f"requester__email__{lookup}": value})
    if name in ("subject", "description"):
        matched = Q(**{f"{name}__icontains": value})
        return ~matched if op == "not_contains" else matched
    if name == "tag":
        return Q(_has_tag(value)) if op == "includes" else ~Q(_has_tag(value))
    if name == "sla":
        at_risk, breached = sla_at_risk_condition(now), sla_breached_condition(now)
        return {"at_risk": at_risk, "breached": breached}.get(value, ~at_risk & ~breached)
    column = DURATION_FIELDS[name]
    since = now - timedelta(minutes=min(value, MAX_MINUTES))
    return Q(**{f"{column}__lt": since}) if op == "gt" else Q(**{f"{column}__gte": since})


def python_check(condition: dict[str, Any]) -> Check:
    """A stored condition about the moment (``comment``, ``business_hours``) as a check of (now, the change)."""
    if condition["field"] == "comment":
        return lambda now, change: change.get("comment") == condition["value"]
    calendar = BusinessCalendar.objects.prefetch_related("hours", "holidays").filter(pk=condition["value"]).first()
    within = condition["op"] == "within"
    if calendar is None:  # deleted since: matches nothing rather than everything
        return lambda now, change: False
    try:
        rules = calendar.rules
    except ValueError:  # its hours were all removed since: no time is within them
        return lambda now, change: not within
    return lambda now, change: sla_rules.is_working_time(now, rules) == within


@dataclass(frozen=True)
class Compiled:
    """A rule's conditions at one moment: ``where`` on tickets and the Python checks (all, any)."""

    where: Q
    checks: tuple[Check, ...]
    any_checks: tuple[Check, ...]
    any_given: bool

    def passes_checks(self, now: datetime, change: dict[str, Any], any_matched_in_db: bool) -> bool:
        if not all(check(now, change) for check in self.checks):
            return False
        if not self.any_given:
            return True
        return any_matched_in_db or any(check(now, change) for check in self.any_checks)


def compile_conditions(all_of: Iterable[dict], any_of: Iterable[dict], now: datetime) -> tuple[Compiled, Q]:
    """(the compiled rule, the ``Q`` of its "any" conditions on tickets, ``~Q()`` matching none when it has none)."""
    where, checks = Q(), []
    for condition in all_of:
        if condition["field"] in _PYTHON:
            checks.append(python_check(condition))
        else:
            where &= condition_q(condition, now)
    any_where, any_checks, any_given = Q(pk__in=[]), [], False
    for condition in any_of:
        any_given = True
        if condition["field"] in _PYTHON:
            any_checks.append(python_check(condition))
        else:
            any_where |= condition_q(condition, now)
    return Compiled(where, tuple(checks), tuple(any_checks), any_given), any_where


def duration_anchor(conditions: Iterable[dict]) -> str | None:
    """The ticket column an automation's episode is counted from: its first duration condition's."""
    for condition in conditions:
        if condition["field"] in DURATION_FIELDS:
            return DURATION_FIELDS[condition["field"]]
    return None
