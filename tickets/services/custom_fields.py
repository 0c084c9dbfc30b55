"""Custom field values on tickets: checked, stored and recorded, as part of ``ticket_create``/``ticket_update``.

The rules, decided once here:

- A caller sets only the fields it sees (``fields_visible_to``): a customer naming a staff-only
  field gets the same "no such field" as for a field that does not exist.
- A field set on a ticket must apply to its category (after the same request's category change).
  Null, an empty text or an unticked checkbox clears the value.
- Required fields are asked when a ticket is opened by a caller with a form (the API, the
  console, the portal, which pass ``custom_fields``, even empty): a customer only for the
  customer-visible ones, as a staff-only field must never block a customer. Callers that cannot ask
  (email, the external desks, follow-ups) pass none and are never refused. Afterwards a required
  field cannot be cleared, but a ticket moved to a category with a required field is not refused
  for leaving it empty (the person moving it may not know the value).
- When a ticket changes category, the values of fields that no longer apply are dropped, each with
  its history entry (old value -> empty): a value a category does not carry would otherwise linger,
  unseen in the forms, yet match filters and reports.
- Every change is a ``TicketEvent`` (``updated``, field ``cf_<key>``, the label in its metadata), internal
  for staff-only fields, so the history says who changed what; the ticket's version moves with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.models import User
from helpdesk.errors import ValidationFailed
from tickets.custom_fields import (
    FieldSpec,
    active_fields,
    fields_visible_to,
    is_empty,
    parse_value,
    to_text,
    values_of,
)
from tickets.models import CustomFieldValue, EventKind, Ticket
from tickets.services.common import record

Cleaned = list[tuple[FieldSpec, Any]]


def error_key(key: str) -> str:
    """The name a field's error is given under in the error shape (``custom_fields.invoice_number``)."""
    return f"custom_fields.{key}"


def custom_fields_clean(
    *,
    actor: User | None,
    category_id: int | None,
    raw: Any,
    creating: bool,
) -> Cleaned:
    """Check ``raw`` ({key: value}) for a ticket of ``category_id``; every problem at once, nothing written.

    On create, the required fields ``actor`` sees that apply to the category must have a value.
    """
    if not isinstance(raw, dict):
        raise ValidationFailed.on("custom_fields", "Give an object of {field key: value}.")
    visible = {spec.key: spec for spec in fields_visible_to(actor)}
    errors: dict[str, list[str]] = {}
    cleaned: Cleaned = []
    for key, value in raw.items():
        spec = visible.get(str(key))
        if spec is None:
            errors[error_key(str(key))] = [f"There is no custom field {key!r}."]
            continue
        try:
            parsed = parse_value(spec, value)
        except ValueError as exc:
            errors[error_key(spec.key)] = [str(exc)]
            continue
        if not spec.applies_to(category_id) and not is_empty(spec, parsed):
            errors[error_key(spec.key)] = [f"{spec.label} is not a field of this ticket's category."]
        elif spec.required and is_empty(spec, parsed) and spec.applies_to(category_id):
            errors[error_key(spec.key)] = [f"{spec.label} is required."]
        else:
            cleaned.append((spec, parsed))
    if creating:
        for spec in visible.values():
            if spec.required and spec.applies_to(category_id) and spec.key not in raw:
                errors[error_key(spec.key)] = [f"{spec.label} is required."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first if len(errors) == 1 else "Some custom fields are not valid.", errors)
    return cleaned


def custom_fields_store(
    *, ticket: Ticket, cleaned: Cleaned, actor: User | None, now: datetime, record_events: bool
) -> bool:
    """Write checked values on ``ticket`` (in the caller's transaction); True when any changed.

    ``record_events`` is off for a new ticket: its ``created`` event stands for its first values.
    """
    current = values_of(ticket)
    changed = False
    for spec, value in cleaned:
        old = current.get(spec.id)
        if (is_empty(spec, old) and is_empty(spec, value)) or old == value:
            continue
        if is_empty(spec, value):
            CustomFieldValue.objects.filter(ticket=ticket, field_id=spec.id).delete()
            current.pop(spec.id, None)
        else:
            CustomFieldValue.objects.update_or_create(ticket=ticket, field_id=spec.id, defaults={spec.column: value})
            current[spec.id] = value
        changed = True
        if record_events:
            _record(ticket, spec, old, value, actor=actor, now=now)
    return changed


def custom_fields_drop_inapplicable(*, ticket: Ticket, actor: User | None, now: datetime) -> bool:
    """After a category change: drop the values of active fields the new category does not carry."""
    current = values_of(ticket)
    gone = [spec for spec in active_fields() if spec.id in current and not spec.applies_to(ticket.category_id)]
    if not gone:
        return False
    CustomFieldValue.objects.filter(ticket=ticket, field_id__in=[spec.id for spec in gone]).delete()
    for spec in gone:
        _record(ticket, spec, current.pop(spec.id), None, actor=actor, now=now)
    return True


def _record(ticket: Ticket, spec: FieldSpec, old: Any, new: Any, *, actor: User | None, now: datetime) -> None:
    record(
        ticket,
        EventKind.UPDATED,
        actor=actor,
        now=now,
        field=f"cf_{spec.key}",
        old="" if is_empty(spec, old) and spec.type != "checkbox" else to_text(spec, old),
        new="" if is_empty(spec, new) and spec.type != "checkbox" else to_text(spec, new),
        internal=not spec.customer_visible,
        label=spec.label,
        custom_field=spec.key,
    )
