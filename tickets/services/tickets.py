"""Creating, editing, assigning and deleting tickets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Team, User
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from tickets import access, workflow
from tickets.choices import Channel, Environment, ImpactLevel, Priority, parse_choice, parse_priority
from tickets.models import Category, EventKind, MilestoneKind, NotificationKind, Tag, Ticket
from tickets.selectors import staff_who_may_see
from tickets.services.common import lock_ticket, record, touch
from tickets.services.custom_fields import (
    custom_fields_clean,
    custom_fields_drop_inapplicable,
    custom_fields_store,
)
from tickets.services.milestones import milestone_record
from tickets.services.notifications import Notice, notify, notify_many
from tickets.services.numbering import ticket_number_next
from tickets.services.routing import auto_assign
from tickets.services.sla import sla_apply
from tickets.services.status import apply_status

# Fields ``ticket_update`` may change; status, assignee and priority-only moves have their own services.
EDITABLE_FIELDS = frozenset(
    {
        "subject",
        "description",
        "category",
        "priority",
        "team",
        "organization",
        "tags",
        "environment",
        "affected_service",
        "impact_level",
        "custom_fields",
    }
)
# A change to any of these can make another SLA policy match, or move the due times.
_SLA_INPUTS = frozenset({"priority", "category", "team", "organization"})


def _clean_subject(subject: str) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise ValidationFailed.on("subject", "A subject is required.")
    if len(subject) > 255:
        raise ValidationFailed.on("subject", "A subject has at most 255 characters.")
    return subject


def _clean_priority(value: str) -> str:
    priority = parse_priority(str(value))
    if priority is None:
        allowed = ", ".join(Priority.values)
        raise ValidationFailed.on("priority", f"{value!r} is not a priority. Use one of: {allowed} (or P1-P4).")
    return priority.value


def _clean_optional_choice(field: str, value: str, choices: type) -> str:
    if not value:
        return ""
    parsed = parse_choice(str(value), choices)
    if parsed is None:
        raise ValidationFailed.on(field, f"{value!r} is not valid. Use one of: {', '.join(choices.values)}.")
    return parsed


def _clean_category(category: Category) -> Category:
    if not category.is_active:
        raise ValidationFailed.on("category", f"The category {category.name!r} is no longer in use.")
    return category


def _clean_assignee(assignee: User | None) -> User | None:
    if assignee is not None and not (assignee.is_active and assignee.is_staff_role):
        raise ValidationFailed.on("assignee_id", "Tickets can only be assigned to active staff.")
    return assignee


def _tags(names: Iterable[str]) -> list[Tag]:
    """The tags named, created where new; a fixed number of queries whatever the count."""
    wanted = sorted({Tag.normalize(name) for name in names if name and name.strip()})
    if not wanted:
        return []
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=wanted))


def ticket_create(
    *,
    actor: User,
    subject: str,
    category: Category,
    description: str = "",
    priority: str = Priority.MEDIUM,
    requester: User | None = None,
    organization: Organization | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    tags: Iterable[str] = (),
    channel: str = Channel.API,
    environment: str = "",
    affected_service: str = "",
    impact_level: str = "",
    custom_fields: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a new ticket with its number, SLA due times and ``created`` event.

    Customers open tickets for themselves only and cannot route them; staff
    may open a ticket for a requester and assign it (assigning opens it).
    ``custom_fields`` ({key: value}) is given by callers with a form, which must
    fill the required fields; None (email, external desks) asks for none
    (tickets/services/custom_fields.py).
    """
    now = now or timezone.now()
    requester = requester or actor
    if not actor.is_staff_role:
        if requester.pk != actor.pk:
            raise PermissionDenied("Customers can only open tickets for themselves.")
        if team is not None or assignee is not None:
            raise PermissionDenied("Customers cannot choose a team or an assignee.")
    if parse_choice(str(channel), Channel) is None:
        raise ValidationFailed.on("channel", f"{channel!r} is not a channel.")
    custom = (
        []
        if custom_fields is None
        else custom_fields_clean(actor=actor, category_id=category.pk, raw=custom_fields, creating=True)
    )
    ticket = Ticket(
        subject=_clean_subject(subject),
        description=(description or "").strip(),
        category=_clean_category(category),
        priority=_clean_priority(priority),
        requester=requester,
        organization=organization or requester.organization,
        team=team,
        channel=parse_choice(str(channel), Channel),
        environment=_clean_optional_choice("environment", environment, Environment),
        affected_service=(affected_service or "").strip()[:200],
        impact_level=_clean_optional_choice("impact_level", impact_level, ImpactLevel),
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    if assignee is not None:
        _clean_assignee(assignee)
        if not access.can_assign(actor, ticket, assignee, team.pk if team else None):
            raise PermissionDenied("You may not assign this ticket to that person.")
    with transaction.atomic():
        ticket.number = ticket_number_next(now)
        sla_apply(ticket)
        ticket.save()
        ticket.tags.add(*_tags(tags))  # a new ticket has none yet: nothing to read or remove
        ticket._custom_values = {}  # none yet either
        custom_fields_store(ticket=ticket, cleaned=custom, actor=actor, now=now, record_events=False)
        created = record(ticket, EventKind.CREATED, actor=actor, now=now, new=ticket.number, channel=ticket.channel)
        team_members = list(team.members.all()) if team is not None else []
        others = [user for user in team_members if user.pk != actor.pk]
        notices: list[Notice] = [(created, NotificationKind.TICKET_CREATED, [requester, *others])]
        if team is None and assignee is None:
            # No team's queue: the staff who may see it hear in the app (a live alert), not by email.
            staff = [user for user in staff_who_may_see(ticket) if user.pk != actor.pk]
            notices.append((created, NotificationKind.TICKET_CREATED, staff, False))
        notify_many(notices)
        if assignee is not None:
            ticket.assignee = assignee
            event = record(ticket, EventKind.ASSIGNED, actor=actor, now=now, field="assignee", new=assignee.email)
            milestone_record(ticket, MilestoneKind.ASSIGNED, at=now)
            notify(event=event, kind=NotificationKind.TICKET_ASSIGNED, recipients=[assignee], exclude=actor)
            changed = {"assignee"}
            if (target := workflow.target_after_assignment(ticket.status)) is not None:
                changed |= apply_status(ticket, target, actor=actor, now=now, reason="assigned")
        else:
            changed = auto_assign(ticket, now=now)
        if changed:
            ticket.save(update_fields=changed)
    return ticket


def _display(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "tags":
        return ", ".join(sorted(tag.name for tag in value))
    return str(value)


def ticket_update(
    *,
    actor: User,
    ticket: Ticket,
    changes: dict[str, Any],
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Change a ticket's fields; one event per field that really changed.

    ``changes`` maps field names of ``EDITABLE_FIELDS`` to new values (model
    instances for category, team and organization; tag names for tags;
    {key: value} of custom fields for ``custom_fields``, applied after a
    category change, which drops the values the new category does not carry).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed here.", {name: ["This field cannot be changed here."] for name in unknown}
        )
    now = now or timezone.now()
    cleaners = {
        "subject": _clean_subject,
        "description": lambda v: (v or "").strip(),
        "category": _clean_category,
        "priority": _clean_priority,
        "environment": lambda v: _clean_optional_choice("environment", v, Environment),
        "impact_level": lambda v: _clean_optional_choice("impact_level", v, ImpactLevel),
        "affected_service": lambda v: (v or "").strip()[:200],
        "tags": _tags,
    }
    with transaction.atomic():
        locked = lock_ticket(ticket, expected_version=expected_version)
        if not access.can_view_ticket(actor, locked):
            raise NotFound("Ticket not found.")
        if not access.can_edit_ticket(actor, locked):
            raise PermissionDenied("You may not edit this ticket.")
        changed: set[str] = set()
        for field, raw in changes.items():
            if field == "custom_fields":
                continue
            value = cleaners.get(field, lambda v: v)(raw)
            if field == "tags":
                old_tags = list(locked.tags.all())
                if {t.pk for t in old_tags} != {t.pk for t in value}:
                    locked.tags.set(value)
                    record(
                        locked,
                        EventKind.UPDATED,
                        actor=actor,
                        now=now,
                        field="tags",
                        old=_display("tags", old_tags),
                        new=_display("tags", value),
                    )
                continue
            old = getattr(locked, field)
            if old == value:
                continue
            setattr(locked, field, value)
            changed.add(field)
            kind = EventKind.PRIORITY_CHANGED if field == "priority" else EventKind.UPDATED
            record(
                locked, kind, actor=actor, now=now, field=field, old=_display(field, old), new=_display(field, value)
            )
        if "category" in changed:
            custom_fields_drop_inapplicable(ticket=locked, actor=actor, now=now)
        if "custom_fields" in changes:
            cleaned = custom_fields_clean(
                actor=actor, category_id=locked.category_id, raw=changes["custom_fields"], creating=False
            )
            custom_fields_store(ticket=locked, cleaned=cleaned, actor=actor, now=now, record_events=True)
        if changed & _SLA_INPUTS:
            changed |= sla_apply(locked)
        if "team" in changed:
            changed |= auto_assign(locked, now=now)
        touch(locked, now, changed)
    return locked


def ticket_set_custom_field(
    *,
    actor: User,
    ticket: Ticket,
    key: str,
    value: Any,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Set (or, with None, clear) one custom field: ``ticket_update`` with its checks, event and version."""
    return ticket_update(
        actor=actor, ticket=ticket, changes={"custom_fields": {key: value}}, expected_version=expected_version, now=now
    )


def ticket_assign(
    *,
    actor: User,
    ticket: Ticket,
    assignee: User | None,
    team: Team | None = None,
    notes: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Assign a ticket to a person (and optionally a team); assigning a ``new`` ticket opens it.

    ``assignee=None`` unassigns. Agents may take tickets themselves, team leads
    assign within their teams, managers and admins assign anyone.
    """
    now = now or timezone.now()
    _clean_assignee(assignee)
    with transaction.atomic():
        locked = lock_ticket(ticket, expected_version=expected_version)
        if not access.can_view_ticket(actor, locked):
            raise NotFound("Ticket not found.")
        if not access.can_assign(actor, locked, assignee, team.pk if team else None):
            raise PermissionDenied("You may not assign this ticket to that person.")
        changed: set[str] = set()
        if team is not None and team.pk != locked.team_id:
            old_team = locked.team
            locked.team = team
            changed.add("team")
            record(
                locked,
                EventKind.UPDATED,
                actor=actor,
                now=now,
                field="team",
                old=_display("team", old_team),
                new=team.name,
            )
            changed |= sla_apply(locked)
        if locked.assignee_id != (assignee.pk if assignee else None):
            old = locked.assignee
            locked.assignee = assignee
            changed.add("assignee")
            event = record(
                locked,
                EventKind.ASSIGNED,
                actor=actor,
                now=now,
                field="assignee",
                old=old.email if old else "",
                new=assignee.email if assignee else "",
                notes=notes,
            )
            if assignee is not None:
                milestone_record(locked, MilestoneKind.ASSIGNED, at=now)
            notify(event=event, kind=NotificationKind.TICKET_ASSIGNED, recipients=[assignee], exclude=actor)
        if assignee is not None and (target := workflow.target_after_assignment(locked.status)) is not None:
            changed |= apply_status(locked, target, actor=actor, now=now, reason="assigned")
        if assignee is None and "team" in changed:
            changed |= auto_assign(locked, now=now)
        if changed:
            touch(locked, now, changed)
    return locked


def ticket_delete(*, actor: User, ticket: Ticket, expected_version: int | None = None) -> None:
    """Delete a ticket with its conversation and files (admins only)."""
    with transaction.atomic():
        locked = lock_ticket(ticket, expected_version=expected_version)
        if not access.can_view_ticket(actor, locked):
            raise NotFound("Ticket not found.")
        if not access.can_delete_ticket(actor, locked):
            raise PermissionDenied("Only admins may delete tickets.")
        files = [attachment.file for attachment in locked.attachments.all()]
        locked.delete()
        # Files go only once the rows are surely gone.
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
