"""Validation and state changes shared by the Desk API handlers and the agent-side helpers.

Callers hold ``fake.lock``. Every change stamps ``modifiedTime`` strictly later than any stamp
before it and records the webhook event the real desk would emit (``fake.events``).
"""

from __future__ import annotations

from typing import Any

from ._errors import field_error, invalid_data, parse_iso
from ._serialize import comment_json, thread_json, ticket_json

_TICKET_STRINGS = (
    "subject description channel email phone category subCategory classification language resolution".split()
)
_TICKET_IDS = ("assigneeId", "teamId", "productId", "accountId", "layoutId")
CREATE_KEYS = frozenset(
    [*_TICKET_STRINGS, *_TICKET_IDS, "departmentId", "contactId", "contact", "status", "priority", "cf", "dueDate"]
    + ["secondaryContacts", "uploads", "entitySkills"]
)
UPDATE_KEYS = CREATE_KEYS | {"sharedDepartments"}
_CONTACT_KEYS = frozenset(("firstName", "lastName", "email", "phone", "mobile"))


def _extra(key: str) -> dict[str, str]:
    return field_error(f"/{key}", "invalid", f"An extra parameter '{key}' is found")


def _match(value: Any, choices: list[str]) -> str | None:
    """Zoho picklists match case-insensitively; the stored value is the configured spelling."""
    if isinstance(value, str):
        for choice in choices:
            if choice.lower() == value.strip().lower():
                return choice
    return None


def _check_fields(fake: Any, data: dict[str, Any], allowed: frozenset[str]) -> tuple[list, dict[str, Any]]:
    """Validate the fields present in ``data``; return (errors, normalised values)."""
    errors: list[dict[str, str]] = [_extra(key) for key in data if key not in allowed]
    clean: dict[str, Any] = {}
    for key in _TICKET_STRINGS:
        if key in data:
            if data[key] is not None and not isinstance(data[key], str):
                errors.append(field_error(f"/{key}", "invalid", f"The value of '{key}' must be a string"))
            clean[key] = data[key]
    for key in _TICKET_IDS:
        if key in data:
            clean[key] = None if data[key] in (None, "") else str(data[key])
    if "departmentId" in data:
        clean["departmentId"] = str(data["departmentId"])
        if clean["departmentId"] not in fake.departments:
            errors.append(field_error("/departmentId", "invalid", "No department exists with this id"))
    if clean.get("assigneeId") and clean["assigneeId"] not in fake.agents:
        errors.append(field_error("/assigneeId", "invalid", "No agent exists with this id"))
    if "contactId" in data:
        clean["contactId"] = str(data["contactId"])
        if clean["contactId"] not in fake.contacts:
            errors.append(field_error("/contactId", "invalid", "No contact exists with this id"))
    if "contact" in data:
        contact = data["contact"]
        if not isinstance(contact, dict) or not (contact.get("email") or contact.get("lastName")):
            errors.append(field_error("/contact/lastName", "missing", "The contact needs an email or a lastName"))
        else:
            unknown = [key for key in contact if key not in _CONTACT_KEYS]
            errors += [field_error(f"/contact/{key}", "invalid", "Unknown contact field") for key in unknown]
            if contact.get("email") and "@" not in str(contact["email"]):
                errors.append(field_error("/contact/email", "invalid", "The email address is invalid"))
            clean["contact"] = contact
    if "status" in data:
        clean["status"] = _match(data["status"], list(fake.statuses))
        if clean["status"] is None:
            errors.append(field_error("/status", "invalid", f"'{data['status']}' is not an allowed status"))
    if "priority" in data and data["priority"] is not None:
        clean["priority"] = _match(data["priority"], fake.priorities)
        if clean["priority"] is None:
            errors.append(field_error("/priority", "invalid", f"'{data['priority']}' is not an allowed priority"))
    elif "priority" in data:
        clean["priority"] = None
    if "cf" in data:
        if not isinstance(data["cf"], dict):
            errors.append(field_error("/cf", "invalid", "cf must be an object"))
        else:
            known = fake.custom_fields  # None: any cf_ name is taken (a department with every field)
            errors += [
                field_error(f"/cf/{key}", "invalid", "Unknown custom field")
                for key in data["cf"]
                if not key.startswith("cf_") or (known is not None and key not in known)
            ]
            clean["cf"] = {key: value for key, value in data["cf"].items() if key.startswith("cf_")}
    if "dueDate" in data:
        try:
            clean["dueDate"] = None if data["dueDate"] is None else parse_iso(str(data["dueDate"]))
        except ValueError:
            errors.append(field_error("/dueDate", "invalid", "Use the format yyyy-MM-ddTHH:mm:ss.SSSZ"))
    return errors, clean


def find_or_create_contact(fake: Any, contact: dict[str, Any]) -> str:
    email = (contact.get("email") or "").strip()
    if email:
        for existing in fake.contacts.values():
            if (existing["email"] or "").lower() == email.lower():
                return existing["id"]
    last_name = contact.get("lastName") or email.split("@")[0]
    return fake.add_contact(email=email or None, last_name=last_name, first_name=contact.get("firstName"))


def _enter_status(fake: Any, ticket: dict[str, Any], status: str, moment) -> None:
    old_type = fake.statuses.get(ticket["status"], "Open")
    new_type = fake.statuses[status]
    ticket["status"] = status
    if new_type != old_type:
        ticket["closedTime"] = moment if new_type == "Closed" else None
        ticket["onholdTime"] = moment if new_type == "On Hold" else None


def create_ticket(fake: Any, data: Any, *, actor_id: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise invalid_data([field_error("/", "invalid", "The payload must be a JSON object")])
    errors, clean = _check_fields(fake, data, CREATE_KEYS)
    missing = []
    if not clean.get("subject"):
        missing.append(field_error("/subject", "missing", "subject is mandatory"))
    if "departmentId" not in data:
        missing.append(field_error("/departmentId", "missing", "departmentId is mandatory"))
    if "contactId" not in data and "contact" not in data:
        missing.append(field_error("/contactId", "missing", "contactId or a contact object is mandatory"))
    if missing or errors:
        raise invalid_data(missing + errors)
    contact_id = clean.get("contactId") or find_or_create_contact(fake, clean["contact"])
    now = fake.stamp()
    ticket: dict[str, Any] = {key: None for key in (*_TICKET_STRINGS, *_TICKET_IDS)}
    ticket.update(
        id=fake.next_id(),
        ticketNumber=str(next(fake.ticket_numbers)),
        status="Open",
        priority=None,
        channel="Email",
        language="English",
        cf={},
        dueDate=None,
        createdTime=now,
        modifiedTime=now,
        closedTime=None,
        onholdTime=None,
        customerResponseTime=now,
        createdBy=actor_id,
        modifiedBy=actor_id,
    )
    ticket.update({key: value for key, value in clean.items() if key not in ("contact", "status")})
    ticket["contactId"] = contact_id
    ticket["email"] = ticket["email"] or fake.contacts[contact_id]["email"]
    _enter_status(fake, ticket, clean.get("status", "Open"), now)
    fake.tickets[ticket["id"]] = ticket
    fake.emit("Ticket_Add", ticket_json(fake, ticket))
    return ticket


def update_ticket(fake: Any, ticket: dict[str, Any], data: Any, *, actor_id: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise invalid_data([field_error("/", "invalid", "The payload must be a JSON object")])
    errors, clean = _check_fields(fake, data, UPDATE_KEYS)
    if "subject" in clean and not clean["subject"]:
        errors.append(field_error("/subject", "invalid", "subject cannot be empty"))
    if errors:
        raise invalid_data(errors)
    if "contact" in clean:
        clean["contactId"] = find_or_create_contact(fake, clean.pop("contact"))
    clean.pop("sharedDepartments", None)
    changes = {key: value for key, value in clean.items() if ticket.get(key) != value}
    if not changes:
        return ticket
    before = ticket_json(fake, ticket)
    now = fake.stamp()
    if "status" in changes:
        _enter_status(fake, ticket, changes.pop("status"), now)
    ticket.update(changes)
    ticket["modifiedTime"] = now
    ticket["modifiedBy"] = actor_id
    fake.emit("Ticket_Update", ticket_json(fake, ticket), prev_state=before)
    return ticket


def touch(fake: Any, ticket: dict[str, Any], actor_id: str | None = None) -> None:
    ticket["modifiedTime"] = fake.stamp()
    if actor_id:
        ticket["modifiedBy"] = actor_id


def add_comment(fake: Any, ticket: dict[str, Any], data: Any, commenter: dict[str, Any]) -> dict[str, Any]:
    """``isPublic`` defaults to false: the docs leave it undefined (it follows a per-user preference)."""
    if not isinstance(data, dict):
        raise invalid_data([field_error("/", "invalid", "The payload must be a JSON object")])
    allowed = {"content", "isPublic", "contentType", "attachmentIds"}
    errors = [_extra(key) for key in data if key not in allowed]
    if not isinstance(data.get("content"), str) or not data["content"].strip():
        errors.insert(0, field_error("/content", "missing", "content is mandatory"))
    content_type = data.get("contentType", "html")
    if content_type not in ("plainText", "html"):
        errors.append(field_error("/contentType", "invalid", "contentType must be plainText or html"))
    if not isinstance(data.get("isPublic", False), bool):
        errors.append(field_error("/isPublic", "invalid", "isPublic must be a boolean"))
    if errors:
        raise invalid_data(errors)
    now = fake.stamp()
    comment = {
        "id": fake.next_id(),
        "content": data["content"],
        "contentType": content_type,
        "isPublic": data.get("isPublic", False),
        "commenter": commenter,
        "commentedTime": now,
        "modifiedTime": None,
    }
    fake.comments.setdefault(ticket["id"], []).append(comment)
    ticket["modifiedTime"] = now
    if commenter["type"] == "AGENT":
        ticket["modifiedBy"] = commenter["id"]
    fake.emit("Ticket_Comment_Add", {**comment_json(fake, comment), "ticketId": ticket["id"]})
    return comment


def update_comment(fake: Any, ticket: dict[str, Any], comment: dict[str, Any], data: Any) -> dict[str, Any]:
    """Only ``content`` (and ``contentType``) may change; ``isPublic`` is fixed at creation."""
    if not isinstance(data, dict):
        raise invalid_data([field_error("/", "invalid", "The payload must be a JSON object")])
    errors = [_extra(key) for key in data if key not in ("content", "contentType")]
    if not isinstance(data.get("content"), str) or not data["content"].strip():
        errors.insert(0, field_error("/content", "missing", "content is mandatory"))
    if data.get("contentType", "html") not in ("plainText", "html"):
        errors.append(field_error("/contentType", "invalid", "contentType must be plainText or html"))
    if errors:
        raise invalid_data(errors)
    comment["content"] = data["content"]
    comment["contentType"] = data.get("contentType", comment["contentType"])
    comment["modifiedTime"] = fake.stamp()
    ticket["modifiedTime"] = comment["modifiedTime"]
    fake.emit("Ticket_Comment_Update", {**comment_json(fake, comment), "ticketId": ticket["id"]})
    return comment


def add_thread(fake: Any, ticket: dict[str, Any], thread: dict[str, Any]) -> dict[str, Any]:
    """Record a reply; a customer's reply reopens an On Hold or Closed ticket (the desk's default)."""
    before = ticket_json(fake, ticket)
    now = fake.stamp()
    thread = {"id": fake.next_id(), "createdTime": now, "isDescriptionThread": False, **thread}
    fake.threads.setdefault(ticket["id"], []).append(thread)
    ticket["modifiedTime"] = now
    fake.emit("Ticket_Thread_Add", {**thread_json(fake, thread, with_content=True), "ticketId": ticket["id"]})
    if thread["direction"] == "in":
        ticket["customerResponseTime"] = now
        if fake.reopen_on_customer_reply and fake.statuses.get(ticket["status"]) in ("On Hold", "Closed"):
            _enter_status(fake, ticket, fake.default_status, now)
            fake.emit("Ticket_Update", ticket_json(fake, ticket), prev_state=before)
    return thread


def check_status_type(status_type: str) -> None:
    if status_type not in ("Open", "On Hold", "Closed"):
        raise ValueError(f"statusType must be Open, On Hold or Closed, not {status_type!r}")
