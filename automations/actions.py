"""A rule's actions: validated when saved, carried out through the ticket services when it fires.

An action is ``{"type": ..., ...}``:

- ``set_status`` / ``set_priority``: ``value``, as the workflow and the priorities allow.
- ``set_team``: ``value``, a team's id (the assignee is kept); ``assign``: ``value``, an agent's id;
  ``unassign``.
- ``add_tags`` / ``remove_tags``: ``value``, a list of tag names.
- ``comment``: ``body`` (placeholders ``{ticket_number}``, ``{ticket_subject}``, ``{requester_name}``,
  ``{requester_email}``, ``{agent_name}``), ``internal`` (true: an internal note; false: a public reply,
  emailed to the requester as any reply is). A rule's reply is the desk's: it meets no first response.
- ``notify``: ``recipients`` (``assignee``, ``team_lead``, ``requester``, or people's ids) and a
  ``message``: an in-app alert and an email, as the recipients' preferences allow.
- ``set_field``: ``key`` (a custom field's) and ``value`` as the API takes it (``null`` clears it).
- ``webhook``: ``endpoint``, an outbound webhook endpoint's id (webhooks/): a signed ``rule.fired``
  delivery with the rule and the ticket as it is once the rule's earlier actions are done, queued
  in the rule's transaction and retried like any delivery. A paused endpoint refuses it.

Actions run in order, as the desk's automation actor (``User.objects.automation()``), through the
same services a person's change goes through (workflow, permissions, events, SLA, notifications);
all of a rule's actions are one transaction: if one is refused (a status the workflow does not
allow from where the ticket is), none is kept and the firing records why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from helpdesk.errors import ValidationFailed
from tickets import services
from tickets.choices import Priority, Status
from tickets.custom_fields import active_fields, parse_value
from tickets.models import PLACEHOLDERS, EventKind, NotificationKind, Ticket, TicketEvent
from tickets.models.macros import fill_placeholders, unknown_placeholders
from tickets.services.common import lock_ticket, record
from tickets.services.macros import reply_values
from tickets.services.notifications import notify
from webhooks.models import Endpoint, WebhookEvent
from webhooks.services import webhook_send
from webhooks.services.payload import ticket_data

RECIPIENT_ROLES = {"assignee": _("The assignee"), "team_lead": _("The team's lead"), "requester": _("The requester")}
# For the console's rule builder: each action in words and what it is given (the name of a list of
# choices the console hands it, or the name of the action's own editor).
ACTIONS = {
    "set_status": (_("Set status"), "status"),
    "set_priority": (_("Set priority"), "priority"),
    "set_team": (_("Set team"), "team"),
    "assign": (_("Assign to"), "agent"),
    "unassign": (_("Unassign"), ""),
    "add_tags": (_("Add tags"), "tags"),
    "remove_tags": (_("Remove tags"), "tags"),
    "comment": (_("Add a public reply or internal note"), "comment"),
    "notify": (_("Notify"), "notify"),
    "set_field": (_("Set custom field"), "set_field"),
    "webhook": (_("Send webhook"), "endpoint"),
}
MAX_TAGS = 20
MAX_TEXT = 5000


def _fail(index: int, message: str) -> ValidationError:
    return ValidationError(f"Action {index + 1}: {message}")


def _team(value: Any, index: int) -> int:
    try:
        team = Team.objects.get(pk=int(value))
    except (TypeError, ValueError, Team.DoesNotExist):
        raise _fail(index, f"there is no team {value!r}.") from None
    return team.pk


def _agent(value: Any, index: int) -> int:
    try:
        user = User.objects.staff().get(pk=int(value))
    except (TypeError, ValueError, User.DoesNotExist):
        raise _fail(index, f"{value!r} is not an active member of staff.") from None
    return user.pk


def _tags(value: Any, index: int) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > MAX_TAGS:
        raise _fail(index, f"give a list of 1 to {MAX_TAGS} tag names.")
    names = [str(name).strip() for name in value]
    if any(not name or len(name) > 50 for name in names):
        raise _fail(index, "a tag name has 1 to 50 characters.")
    return names


def _template(text: Any, index: int, field: str) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise _fail(index, f"{field} is a text of 1 to {MAX_TEXT} characters.")
    unknown = unknown_placeholders(text)
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise _fail(index, f"unknown placeholder {', '.join(unknown)}; use {known}.")
    return text.strip()


def _clean_one(action: Any, index: int) -> dict[str, Any]:
    if not isinstance(action, dict):
        raise _fail(index, "write it as {type, ...}.")
    kind = action.get("type")
    value = action.get("value")
    if kind == "set_status":
        if value not in Status.values:
            raise _fail(index, f"status cannot be {value!r}; use {', '.join(Status.values)}.")
        return {"type": kind, "value": value}
    if kind == "set_priority":
        if value not in Priority.values:
            raise _fail(index, f"priority cannot be {value!r}; use {', '.join(Priority.values)}.")
        return {"type": kind, "value": value}
    if kind == "set_team":
        return {"type": kind, "value": _team(value, index)}
    if kind == "assign":
        return {"type": kind, "value": _agent(value, index)}
    if kind == "unassign":
        return {"type": kind}
    if kind in ("add_tags", "remove_tags"):
        return {"type": kind, "value": _tags(value, index)}
    if kind == "comment":
        return {
            "type": kind,
            "body": _template(action.get("body"), index, "body"),
            "internal": bool(action.get("internal")),
        }
    if kind == "notify":
        recipients = action.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise _fail(index, f"name who to tell: {', '.join(RECIPIENT_ROLES)} or people's ids.")
        cleaned = [one if one in RECIPIENT_ROLES else _agent(one, index) for one in recipients]
        return {"type": kind, "recipients": cleaned, "message": _template(action.get("message"), index, "message")}
    if kind == "set_field":
        spec = next((spec for spec in active_fields() if spec.key == action.get("key")), None)
        if spec is None:
            raise _fail(index, f"there is no custom field {action.get('key')!r}.")
        try:
            parse_value(spec, value)
        except ValueError as exc:
            raise _fail(index, f"{spec.label}: {exc}") from None
        return {"type": kind, "key": spec.key, "value": value}
    if kind == "webhook":
        endpoint = (
            Endpoint.objects.filter(pk=action.get("endpoint")).first()
            if str(action.get("endpoint")).isdigit()
            else None
        )
        if endpoint is None:
            raise _fail(index, f"there is no webhook endpoint {action.get('endpoint')!r}.")
        return {"type": kind, "endpoint": endpoint.pk}
    raise _fail(index, f"unknown action {kind!r}; use one of {', '.join(HANDLERS)}.")


def describe_actions() -> list[dict[str, str]]:
    """The actions as the console's rule builder offers them, in the order they are listed here."""
    return [{"type": kind, "label": str(label), "values": values} for kind, (label, values) in ACTIONS.items()]


def clean_actions(raw: Any) -> list[dict[str, Any]]:
    """The actions as stored, each checked; a ``ValidationError`` names each wrong one."""
    if not isinstance(raw, list):
        raise ValidationError("Actions are a list of {type, ...}.")
    cleaned, errors = [], []
    for index, action in enumerate(raw):
        try:
            cleaned.append(_clean_one(action, index))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def render(text: str, ticket: Ticket, actor: User) -> str:
    """A template with the ticket's placeholders filled in, as a macro's reply is ({agent_name}: the assignee)."""
    return fill_placeholders(text, reply_values(ticket, ticket.assignee or actor))


# --- Carrying them out -------------------------------------------------------------------------
# Each takes the locked, current ticket and answers it as the action leaves it, and a few words
# for the firing's record.

Handler = Callable[[Ticket, dict[str, Any], User, datetime], tuple[Ticket, str]]


def _set_status(ticket: Ticket, action: dict, actor: User, now: datetime) -> tuple[Ticket, str]:
    if ticket.status == action["value"]:
        return ticket, f"status already {action['value']}"
    return services.ticket_transition(actor=actor, ticket=ticket, to_status=action["value"], now=now), (
        f"status {action['value']}"
    )


def _still_there(model: type, what: str, **lookup: Any) -> Any:
    """The row a rule names, or a refusal the firing records: it was deleted after the rule was saved."""
    found = model.objects.filter(**lookup).first()
    if found is None:
        raise ValidationFailed(f"The {what} this rule names no longer exists: edit the rule.")
    return found


def _update(field: str) -> Handler:
    def handler(ticket: Ticket, action: dict, actor: User, now: datetime) -> tuple[Ticket, str]:
        value = _still_there(Team, "team", pk=action["value"]) if field == "team" else action["value"]
        updated = services.ticket_update(actor=actor, ticket=ticket, changes={field: value}, now=now)
        return updated, f"{field} {value}"

    return handler


def _assign(ticket: Ticket, action: dict, actor: User, now: datetime) -> tuple[Ticket, str]:
    agent = None
    if action["type"] == "assign":
        agent = User.objects.staff().filter(pk=action["value"]).first()
        if agent is None:
            raise ValidationFailed("The agent this rule assigns to is gone or no longer active staff: edit the rule.")
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket, "assignee unchanged"
    team = ticket.team
    updated = services.ticket_assign(actor=actor, ticket=ticket, assignee=agent, team=team, now=now)
    return updated, f"assigned to {agent.email}" if agent else "unassigned"


def _tags_changed(ticket: Ticket, action: dict, actor: User, now: datetime) -> tuple[Ticket, str]:
    have = list(ticket.tags.values_list("name", flat=True))
    lowered = {name.lower() for name in action["value"]}
    if action["type"] == "add_tags":
        wanted = have + [name for name in action["value"] if name.lower() not in {h.lower() for h in have}]
    else:
        wanted = [name for name in have if name.lower() not in lowered]
    if wanted == have:
        return ticket, "tags unchanged"
    updated = services.ticket_update(actor=actor, ticket=ticket, changes={"tags": wanted}, now=now)
    return updated, f"tags {', '.join(wanted) or 'none'}"


def _set_field(ticket: Ticket, action: dict, actor: User, now: datetime) -> tuple[Ticket, str]:
    updated = services.ticket_set_custom_field(
        actor=actor, ticket=ticket, key=action["key"], value=action["value"], now=now
    )
    return updated, f"{action['key']} {action['value']}"


def _comment(ticket: Ticket, action: dict, actor: User, now: datetime) -> tuple[Ticket, str]:
    body = render(action["body"], ticket, actor)
    services.comment_add(actor=actor, ticket=ticket, body=body, is_internal=action["internal"], now=now)
    return lock_ticket(ticket.pk), "internal note" if action["internal"] else "public reply"


def _notify(ticket: Ticket, action: dict, actor: User, now: datetime, event: TicketEvent) -> tuple[Ticket, str]:
    ids = [one for one in action["recipients"] if isinstance(one, int)]
    people: list[User | None] = list(User.objects.filter(pk__in=ids))
    if "assignee" in action["recipients"]:
        people.append(ticket.assignee)
    if "team_lead" in action["recipients"] and ticket.team_id:
        people.append(ticket.team.lead)
    if "requester" in action["recipients"]:
        people.append(ticket.requester)
    told = notify(event=event, kind=NotificationKind.RULE_NOTICE, recipients=people)
    return ticket, f"told {told}"


def _webhook(ticket: Ticket, action: dict, actor: User, now: datetime, event: TicketEvent) -> tuple[Ticket, str]:
    endpoint = _still_there(Endpoint, "webhook endpoint", pk=action["endpoint"])
    rule = {"id": event.metadata.get("rule_id"), "name": event.new_value}
    webhook_send(
        endpoint=endpoint,
        event=WebhookEvent.RULE_FIRED,
        payload={"rule": rule, "ticket": ticket_data(ticket.pk)},
        ticket_id=ticket.pk,
    )
    return ticket, f"webhook {endpoint.name}"


def rule_event(
    ticket: Ticket, *, rule_name: str, actions: list[dict[str, Any]], actor: User, now: datetime
) -> TicketEvent:
    """The ticket's history entry of a rule firing, with the message its first ``notify`` sends (internal:
    customers do not see the desk's rules, only what they did)."""
    message = next((render(a["message"], ticket, actor) for a in actions if a["type"] == "notify"), "")
    return record(ticket, EventKind.RULE_APPLIED, actor=None, now=now, new=rule_name, internal=True, message=message)


HANDLERS: dict[str, Handler] = {
    "set_status": _set_status,
    "set_priority": _update("priority"),
    "set_team": _update("team"),
    "assign": _assign,
    "unassign": _assign,
    "add_tags": _tags_changed,
    "remove_tags": _tags_changed,
    "comment": _comment,
    "set_field": _set_field,
    "notify": _notify,  # given the firing's event too
    "webhook": _webhook,  # likewise
}


def carry_out(
    ticket: Ticket, actions: list[dict[str, Any]], *, actor: User, now: datetime, event: TicketEvent
) -> tuple[Ticket, list[str]]:
    """Every action in order on the locked ``ticket`` (in the caller's transaction): the ticket after, what was done."""
    done = []
    for action in actions:
        if action["type"] in ("notify", "webhook"):
            ticket, said = HANDLERS[action["type"]](ticket, action, actor, now, event)
        else:
            ticket, said = HANDLERS[action["type"]](ticket, action, actor, now)
        done.append(said)
    return ticket, done
