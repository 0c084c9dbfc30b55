"""What the ticket page shows: the conversation timeline, the SLA timers, and what changed since."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from tickets import workflow
from tickets.admin.display import status_label
from tickets.choices import Environment, ImpactLevel, Priority
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.selectors import comments_visible_to, events_visible_to

# Shown as the comment or file itself, not as a line of history.
_SHOWN_AS_CONTENT = {EventKind.COMMENT_ADDED, EventKind.ATTACHMENT_ADDED}


@dataclass(frozen=True)
class Entry:
    kind: str  # "reply", "note", "file" or "event"
    at: datetime
    item: Any
    text: str = ""


# Fields whose stored values are enum values: shown by their labels ("In progress", not "in_progress").
_CHOICES: dict[str, Callable[[str], str]] = {
    "status": status_label,
    "priority": lambda value: Priority(value).label,
    "environment": lambda value: Environment(value).label,
    "impact_level": lambda value: ImpactLevel(value).label,
}
_FIELD_NAMES = {"impact_level": gettext_lazy("Impact"), "guest_link": gettext_lazy("Guest link")}


def value_label(field: str, value: str) -> str:
    """A stored value as people read it; a value the enum no longer knows is shown as stored."""
    if not value:
        return "—"
    try:
        return str(_CHOICES[field](value)) if field in _CHOICES else value
    except ValueError:
        return value


def people_names(events: list[TicketEvent]) -> dict[str, str]:
    """The names of the people assignment events name by email; one query."""
    emails = {value for e in events if e.kind == EventKind.ASSIGNED for value in (e.old_value, e.new_value) if value}
    if not emails:
        return {}
    people = User.objects.filter(email__in=emails).values_list("email", "full_name")
    return {email: name for email, name in people if name}


def event_text(event: TicketEvent, names: dict[str, str] | None = None) -> str:
    """One line of history in words: 'Status: Open → Pending', 'Assigned to Alex Agent'."""
    names = names or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return _("Created %(number)s") % {"number": event.new_value}
    if kind == EventKind.ASSIGNED:
        if not event.new_value:
            return _("Unassigned (was %(old)s)") % {"old": names.get(event.old_value, event.old_value)}
        return _("Assigned to %(new)s") % {"new": names.get(event.new_value, event.new_value)}
    if kind == EventKind.RATED and event.new_value:
        return _("Rated the support %(score)s of 5") % {"score": event.new_value}
    if kind in (EventKind.SLA_BREACHED, EventKind.SLA_AT_RISK):
        metric = str(event.metadata.get("metric") or event.field or "").replace("_", " ")
        label = _("SLA breached") if kind == EventKind.SLA_BREACHED else _("SLA at risk")
        return f"{label}: {metric}" if metric else label
    if kind == EventKind.MERGED:
        if event.field == "merged_into":
            return _("Merged into %(number)s") % {"number": event.new_value}
        return _("%(number)s was merged into this ticket") % {"number": event.new_value}
    if kind == EventKind.MACRO_APPLIED:
        return _("Macro “%(name)s” applied") % {"name": event.new_value}
    if kind == EventKind.FOLLOWED_UP:
        return _("A reply after the reopen window opened %(number)s") % {"number": event.new_value}
    if kind == EventKind.COMMENT_ADDED:
        return _("Added an internal note") if event.is_internal else _("Added a reply")
    if kind == EventKind.RULE_APPLIED:
        done = ", ".join(event.metadata.get("done") or [])
        text = _("Rule “%(name)s” applied") % {"name": event.new_value}
        return f"{text}: {done}" if done else str(text)
    if kind == EventKind.ATTACHMENT_DELETED and event.metadata.get("reason") == "infected":
        return _("Deleted %(name)s: the virus scanner found %(signature)s") % {
            "name": event.old_value,
            "signature": event.metadata.get("detail", "a virus"),
        }
    if kind in (EventKind.ATTACHMENT_ADDED, EventKind.ATTACHMENT_DELETED):
        name = event.new_value or event.old_value
        return (_("Attached %(name)s") if kind == EventKind.ATTACHMENT_ADDED else _("Removed %(name)s")) % {
            "name": name
        }
    label = EventKind(kind).label if kind in EventKind.values else kind
    if event.field and (event.old_value or event.new_value):
        # A custom field's event carries its label as it was then (the field may be renamed later).
        label = event.metadata.get("label") if event.field.startswith("cf_") else None
        field = str(_FIELD_NAMES.get(event.field) or label or event.field.replace("_", " ").capitalize())
        old, new = value_label(event.field, event.old_value), value_label(event.field, event.new_value)
        return f"{field}: {old} → {new}"
    return str(label)


def entries(user: User, ticket: Ticket) -> list[Entry]:
    """Replies, internal notes, files and history in time order; five queries whatever the length."""
    found: list[Entry] = []
    for comment in comments_visible_to(user, ticket):
        found.append(Entry("note" if comment.is_internal else "reply", comment.created_at, comment))
    loose_files = ticket.attachments.filter(comment__isnull=True).select_related("uploaded_by")
    found.extend(Entry("file", attachment.created_at, attachment) for attachment in loose_files)
    events = list(events_visible_to(user, ticket).exclude(kind__in=_SHOWN_AS_CONTENT))
    names = people_names(events)
    found.extend(Entry("event", event.created_at, event, event_text(event, names)) for event in events)
    order = {"event": 0, "reply": 1, "note": 1, "file": 2}
    return sorted(found, key=lambda entry: (entry.at, order[entry.kind], entry.item.pk))


def last_event_id(user: User, ticket: Ticket) -> int:
    return events_visible_to(user, ticket).aggregate(last=Max("id"))["last"] or 0


def changes_since(user: User, ticket: Ticket, event_id: int) -> list[dict[str, Any]]:
    """What others did after the page was opened, for the collision message."""
    changes = list(events_visible_to(user, ticket).filter(id__gt=event_id).order_by("created_at", "id"))
    names = people_names(changes)
    return [
        {"at": event.created_at, "actor": event.actor, "field": event.field, "text": event_text(event, names)}
        for event in changes
    ]


def sla_summary(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    """The two SLA timers of the header, each with its due time, state and whether it is met.

    With ``SLA_ENABLED`` off both timers are blank ("—"), even on a ticket given due times before.
    """
    now = now or timezone.now()
    if not settings.SLA_ENABLED:
        blank = {"due": None, "met": None, "paused": False, "breached": False}
        return {"state": ticket.sla_state(now), "policy": None, "first_response": blank, "resolution": blank}
    first_response, resolution = ticket.first_response_clock(), ticket.resolution_clock()
    return {
        "state": ticket.sla_state(now),
        "policy": ticket.sla_policy,
        "first_response": {
            "due": ticket.first_response_due_at,
            "met": ticket.first_response_stopped_at,
            "breached": first_response is not None and first_response.is_breached(now),
        },
        "resolution": {
            "due": ticket.resolution_due_at,
            "met": resolution.stopped_at if resolution is not None else None,
            "paused": ticket.status in workflow.SLA_PAUSED,
            "breached": resolution is not None and resolution.is_breached(now),
        },
    }
