"""Applying macros: every action through the ticket's own services, all or nothing.

A macro is applied in one transaction, under the ticket's row lock: the assignment first
(taking a ``new`` ticket opens it, and makes the agent allowed to edit it), then priority and
tags, then the reply, then the status, so that "reply and set pending" or "answer and resolve"
read in the history as they happened. If any action is refused (an agent may not hand a ticket
to someone else; the workflow has no such move) nothing of the macro stays, and the error
names the macro and the reason. A ``MACRO_APPLIED`` event (internal: macro names are the desk's
own words) heads the changes in the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import HelpdeskError, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from tickets import access, workflow
from tickets.models import EventKind, Macro, Ticket
from tickets.models.macros import tag_names
from tickets.selectors import macros_for
from tickets.services.comments import comment_add
from tickets.services.common import lock_ticket, record, touch
from tickets.services.status import ticket_transition
from tickets.services.tickets import ticket_assign, ticket_update


def reply_values(ticket: Ticket, agent: User) -> dict[str, str]:
    """What the placeholders of a macro's reply stand for on ``ticket``, sent by ``agent``."""
    return {
        "ticket_number": ticket.number,
        "ticket_subject": ticket.subject,
        "requester_name": ticket.requester.get_full_name(),
        "requester_email": ticket.requester.email,
        "agent_name": agent.get_full_name(),
    }


def _usable(actor: User, macro: Macro) -> Macro:
    """The macro as stored now, if ``actor`` may apply it; checked again as saved (it may predate a rule)."""
    if not actor.is_staff_role:
        raise PermissionDenied("Only staff can apply macros.")
    current = macros_for(actor).filter(pk=macro.pk).first()
    if current is None:
        raise NotFound("Macro not found (inactive, or not shared with your teams).")
    try:
        current.clean()
    except ValidationError as exc:
        details = {field: [str(message) for message in messages] for field, messages in exc.message_dict.items()}
        reason = " ".join(message for messages in details.values() for message in messages)
        raise ValidationFailed(f"The macro {current.name!r} cannot be applied: {reason}", details) from None
    return current


def _new_tags(ticket: Ticket, macro: Macro) -> list[str] | None:
    """The ticket's tags after the macro, or None when they stay as they are."""
    current = {tag.name for tag in ticket.tags.all()}
    wanted = (current - set(tag_names(macro.remove_tags))) | set(tag_names(macro.add_tags))
    return sorted(wanted) if wanted != current else None


def _actions(actor: User, macro: Macro, ticket: Ticket, now: datetime) -> Ticket:
    """Each action through its service, on the ticket locked by the caller's transaction."""
    person = actor if macro.assign_to_me else macro.assignee
    if person is not None:
        ticket = ticket_assign(actor=actor, ticket=ticket, assignee=person, team=macro.team, now=now)
    elif macro.team is not None and macro.team.pk != ticket.team_id:
        ticket = ticket_update(actor=actor, ticket=ticket, changes={"team": macro.team}, now=now)
    changes: dict[str, object] = {}
    if macro.priority and macro.priority != ticket.priority:
        changes["priority"] = macro.priority
    if (tags := _new_tags(ticket, macro)) is not None:
        changes["tags"] = tags
    if changes:
        ticket = ticket_update(actor=actor, ticket=ticket, changes=changes, now=now)
    if macro.reply.strip():
        body = macro.render(reply_values(ticket, actor))
        ticket = comment_add(actor=actor, ticket=ticket, body=body, is_internal=macro.reply_is_internal, now=now).ticket
    if macro.status and macro.status != ticket.status:
        for step in workflow.steps_to(ticket.status, macro.status) or [macro.status]:  # else refused with its reason
            ticket = ticket_transition(actor=actor, ticket=ticket, to_status=step, now=now)
    return ticket


def macro_apply(
    *,
    actor: User,
    macro: Macro,
    ticket: Ticket,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Apply every action of ``macro`` to ``ticket`` as ``actor``, all or nothing; answer the ticket after it.

    ``expected_version`` (the version the agent's page or the API client read) is checked once, under
    the lock: a form sent twice finds the version moved on (applying always moves it) and is refused
    with ``PreconditionFailed`` instead of applying the macro a second time.
    """
    now = now or timezone.now()
    macro = _usable(actor, macro)
    try:
        with transaction.atomic():
            locked = lock_ticket(ticket, expected_version=expected_version)
            if not access.can_view_ticket(actor, locked):
                raise NotFound("Ticket not found.")
            record(
                locked,
                EventKind.MACRO_APPLIED,
                actor=actor,
                now=now,
                field="macro",
                new=macro.name,
                internal=True,
                macro_id=macro.pk,
            )
            touch(locked, now, set())  # even a macro that changes nothing moves the version: applied once per read
            return _actions(actor, macro, locked, now)
    except (NotFound, PreconditionFailed):
        raise
    except HelpdeskError as exc:
        message = f"Macro {macro.name!r} was not applied, nothing changed: {exc.message}"
        raise type(exc)(message, exc.errors, **exc.extra) from exc


@dataclass(frozen=True)
class MacroOutcome:
    """What applying a macro did to one ticket of a bulk action: ``error`` is empty when it was applied."""

    ticket: Ticket
    error: str = ""
    code: str = ""

    @property
    def applied(self) -> bool:
        return not self.error


def macro_apply_many(
    *,
    actor: User,
    macro: Macro,
    tickets: Iterable[Ticket],
    versions: Mapping[int, int] | None = None,
    now: datetime | None = None,
) -> list[MacroOutcome]:
    """Apply ``macro`` to each ticket in its own transaction; one outcome per ticket, in order.

    A ticket the macro cannot be applied to keeps nothing of it and does not stop the others.
    ``versions`` maps ticket ids to the versions the agent chose them at (see ``macro_apply``).
    Must not run inside a transaction: each ticket commits on its own.
    """
    versions = versions or {}
    outcomes = []
    for ticket in tickets:
        try:
            done = macro_apply(
                actor=actor, macro=macro, ticket=ticket, expected_version=versions.get(ticket.pk), now=now
            )
        except HelpdeskError as exc:
            outcomes.append(MacroOutcome(ticket, exc.message, exc.code))
        else:
            outcomes.append(MacroOutcome(done))
    return outcomes
