"""Tickets, their comments and audits: the API endpoints and the agent-side helpers share one path."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from fakes.zendesk import errors
from fakes.zendesk.errors import ApiError, Reply, problem
from fakes.zendesk.paging import cursor_page, offset_page, paged, uses_cursor
from fakes.zendesk.records import (
    CUSTOM_STATUS_IDS,
    PRIORITIES,
    STATUSES,
    TICKET_TYPES,
    iso,
    new_comment,
    new_ticket,
    normalize_tags,
    plain_from_html,
    to_epoch,
    via,
)

if TYPE_CHECKING:
    from datetime import datetime

    from fakes.zendesk.wire import Request

_PLAIN_FIELDS = (
    "subject",
    "status",
    "priority",
    "type",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "group_id",
    "organization_id",
    "external_id",
    "due_at",
    "problem_id",
)
_STAFF = ("agent", "admin")


class TicketsMixin:
    def _init_tickets(self) -> None:
        self.tickets: dict[int, dict[str, Any]] = {}
        self.deleted_tickets: dict[int, dict[str, Any]] = {}  # still in the incremental export
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.audits: dict[int, list[dict[str, Any]]] = {}
        self._ticket_meta: dict[int, dict[str, int]] = {}  # seq (order of changes), updated (epoch)
        self._seq = 0

    # -- helpers: what an agent does in Zendesk ----------------------------------------------------

    def create_ticket(
        self,
        subject: str = "Help",
        body: str = "Something is wrong.",
        *,
        requester_email: str | None = None,
        requester_name: str | None = None,
        public: bool = True,
        created_at: float | datetime | None = None,
        channel: str = "web",
        **fields: Any,
    ) -> dict[str, Any]:
        """Create a ticket as an agent would (other fields as the API's: status, priority, tags, ...).

        `created_at` (epoch or aware datetime) backdates it. Invalid input raises ApiError, as the
        API would answer 422.
        """
        data: dict[str, Any] = {"subject": subject, "comment": {"body": body, "public": public}, **fields}
        if requester_email or requester_name:
            data["requester"] = {"email": requester_email, "name": requester_name}
        with self.lock:
            now = to_epoch(created_at, self._now())
            ticket, _ = self._ticket_create(data, actor=self.users[self.admin_id], channel=channel, now=now)
            return self._view("ticket", ticket, self.base_url)

    def add_comment(
        self, ticket_id: int, body: str, public: bool = True, author_id: int | None = None
    ) -> dict[str, Any]:
        """Add a comment as `author_id` (the admin by default); a requester's reply reopens the ticket."""
        with self.lock:
            ticket = self._live_ticket(ticket_id)
            author = self.users[author_id or self.admin_id]
            comment = {"body": body, "public": public, "author_id": author["id"]}
            self._ticket_update(ticket, {"comment": comment}, actor=author, channel="web")
            return copy.deepcopy(self.comments[ticket_id][-1])

    def set_status(self, ticket_id: int, status: str) -> dict[str, Any]:
        return self.update_ticket(ticket_id, status=status)

    def update_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        """Change fields as an agent would; a closed ticket raises ApiError (422), as in Zendesk."""
        with self.lock:
            ticket = self._live_ticket(ticket_id)
            self._ticket_update(ticket, fields, actor=self.users[self.admin_id], channel="web")
            return self._view("ticket", ticket, self.base_url)

    def delete_ticket(self, ticket_id: int) -> None:
        with self.lock:
            self._ticket_delete(self._live_ticket(ticket_id))

    # -- the shared write path ---------------------------------------------------------------------

    def _live_ticket(self, ticket_id: int | str) -> dict[str, Any]:
        ticket = self.tickets.get(int(ticket_id))
        if ticket is None:
            raise errors.not_found()
        return ticket

    def _touch(self, ticket: dict[str, Any], now: float) -> None:
        # updated_at moves forward on every change, even twice in one second, so a client that
        # compares timestamps sees each change; the incremental export orders by `seq`.
        meta = self._ticket_meta.setdefault(ticket["id"], {"updated": int(now) - 1})
        self._seq += 1
        meta["seq"] = self._seq
        meta["updated"] = max(int(now), meta["updated"] + 1)
        ticket["updated_at"] = iso(meta["updated"])
        ticket["generated_timestamp"] = meta["updated"]

    def _validate_values(self, data: dict[str, Any], details: dict[str, list[dict[str, str]]]) -> None:
        for field, allowed, label in (
            ("status", STATUSES, "Status"),
            ("priority", (*PRIORITIES, None, ""), "Priority"),
            ("type", (*TICKET_TYPES, None, ""), "Type"),
        ):
            if field in data and data[field] not in allowed:
                details[field] = [problem(f"{label}: {data[field]} is not valid", "InvalidValue")]
        for field in ("assignee_id", "submitter_id", "requester_id"):
            if data.get(field) is not None and data[field] not in self.users:
                details[field.removesuffix("_id")] = [problem(f"{field[:-3].capitalize()}: is invalid", "InvalidValue")]
        if data.get("assignee_id") in self.users and self.users[data["assignee_id"]]["role"] not in _STAFF:
            details["assignee"] = [problem("Assignee: is not an agent", "InvalidValue")]
        if data.get("group_id") is not None and data["group_id"] not in self.groups:
            details["group"] = [problem("Group: is invalid", "InvalidValue")]
        if data.get("organization_id") is not None and data["organization_id"] not in self.organizations:
            details["organization"] = [problem("Organization: is invalid", "InvalidValue")]

    @staticmethod
    def _comment_text(comment: Any) -> str | None:
        if isinstance(comment, str):
            return comment
        if not isinstance(comment, dict):
            return None
        if comment.get("body"):
            return str(comment["body"])
        if comment.get("html_body"):
            return plain_from_html(str(comment["html_body"]))
        return None

    def _ticket_create(
        self, data: dict[str, Any], *, actor: dict[str, Any], channel: str, now: float
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        comment = data.get("comment") if isinstance(data.get("comment"), dict) else {}
        body = self._comment_text(data.get("comment")) or data.get("description")
        details: dict[str, list[dict[str, str]]] = {}
        if self.require_subject and not str(data.get("subject") or "").strip():
            details.setdefault("base", []).append(
                problem("Subject: cannot be blank", "BlankValue", field_key="subject")
            )
        if not str(body or "").strip():
            details.setdefault("base", []).append(
                problem("Description: cannot be blank", "BlankValue", field_key="description")
            )
        spec = data.get("requester")
        if spec is not None and (not isinstance(spec, dict) or not (spec.get("email") or spec.get("name"))):
            details["requester"] = [problem("Requester: is invalid", "InvalidValue")]
        self._validate_values(data, details)
        if details:
            raise errors.record_invalid(details)

        if isinstance(spec, dict):
            requester = self._user_by_email(spec.get("email")) or self._create_user(
                name=spec.get("name") or str(spec["email"]).split("@")[0], email=spec.get("email")
            )
        else:
            requester = self.users[data["requester_id"]] if data.get("requester_id") else actor
        submitter = self.users[data["submitter_id"]] if data.get("submitter_id") else requester
        ticket = new_ticket(self._new_id("ticket"), now=now, channel=channel, brand_id=self.brand_id)
        public = bool(comment.get("public", True))
        fields = {key: data[key] for key in _PLAIN_FIELDS if key in data}
        fields.update(requester_id=requester["id"], submitter_id=submitter["id"])
        fields.setdefault("organization_id", requester.get("organization_id"))
        fields.setdefault("status", "open" if fields.get("assignee_id") else "new")
        fields["subject"] = str(fields.get("subject") or "")
        ticket.update(fields, raw_subject=fields["subject"], description=str(body), is_public=public)
        ticket["tags"] = normalize_tags(data.get("tags"))
        ticket["custom_fields"] = [dict(f) for f in data.get("custom_fields") or []]
        self._derive(ticket, actor, explicit_status=True)
        self.tickets[ticket["id"]] = ticket
        self.comments[ticket["id"]] = []
        self.audits[ticket["id"]] = []
        self._ticket_meta[ticket["id"]] = {"updated": int(now) - 1}
        self._touch(ticket, now)
        ticket["created_at"] = ticket["updated_at"]
        audit = self._audit(ticket, actor, channel, now)
        author = comment.get("author_id") if comment.get("author_id") in self.users else submitter["id"]
        self._append_comment(ticket, audit, author, str(body), public, channel, now)
        for field in ("subject", "status", "priority", "type", "requester_id", "assignee_id", "group_id", "tags"):
            audit["events"].append(
                {"id": self._new_id("event"), "type": "Create", "field_name": field, "value": ticket[field]}
            )
        return ticket, audit

    def _derive(self, ticket: dict[str, Any], actor: dict[str, Any], *, explicit_status: bool) -> None:
        """Consequences Zendesk applies by itself: assigning opens a new ticket, solving assigns."""
        ticket["priority"], ticket["type"] = ticket["priority"] or None, ticket["type"] or None
        if not explicit_status and ticket["status"] == "new" and ticket["assignee_id"]:
            ticket["status"] = "open"
        if ticket["status"] in ("solved", "closed") and not ticket["assignee_id"] and actor["role"] in _STAFF:
            ticket["assignee_id"] = actor["id"]
        if ticket["assignee_id"] and not ticket["group_id"]:
            ticket["group_id"] = self.users[ticket["assignee_id"]].get("default_group_id") or self.default_group_id
        ticket["custom_status_id"] = CUSTOM_STATUS_IDS.get(ticket["status"], ticket["custom_status_id"])
        ticket["fields"] = copy.deepcopy(ticket["custom_fields"])

    def _ticket_update(
        self, ticket: dict[str, Any], data: dict[str, Any], *, actor: dict[str, Any], channel: str
    ) -> dict[str, Any]:
        if ticket["status"] == "closed":
            raise errors.record_invalid({"status": [problem("Status: closed prevents ticket update", "InvalidValue")]})
        if data.get("safe_update") and data.get("updated_stamp") != ticket["updated_at"]:
            raise ApiError(
                409,
                {
                    "error": "UpdateConflict",
                    "description": "Safe Update prevented the update due to outdated ticket data. "
                    "Please fetch the latest ticket data and try again.",
                },
            )
        details: dict[str, list[dict[str, str]]] = {}
        self._validate_values(data, details)
        if details:
            raise errors.record_invalid(details)
        now = self._now()
        before = copy.deepcopy(ticket)
        for key in _PLAIN_FIELDS:
            if key in data:
                ticket[key] = data[key]
        if "subject" in data:
            ticket["raw_subject"] = ticket["subject"] = str(data["subject"] or "")
        if "tags" in data:
            ticket["tags"] = normalize_tags(data["tags"])
        ticket["tags"] += [t for t in normalize_tags(data.get("additional_tags")) if t not in ticket["tags"]]
        removed = normalize_tags(data.get("remove_tags"))
        ticket["tags"] = [t for t in ticket["tags"] if t not in removed]
        for field in data.get("custom_fields") or []:
            current = next((f for f in ticket["custom_fields"] if f["id"] == field.get("id")), None)
            if current is None:
                ticket["custom_fields"].append(dict(field))
            else:
                current["value"] = field.get("value")
        text = self._comment_text(data.get("comment"))
        comment = data["comment"] if isinstance(data.get("comment"), dict) else {}
        author_id = comment.get("author_id") if comment.get("author_id") in self.users else actor["id"]
        if text and "status" not in data:
            author = self.users[author_id]
            if (
                author_id == ticket["requester_id"]
                and author["role"] == "end-user"
                and ticket["status"] in ("pending", "solved")
            ):
                ticket["status"] = "open"  # the requester's reply reopens the ticket
        self._derive(ticket, actor, explicit_status="status" in data)
        changed = [
            f for f in ticket if ticket[f] != before[f] and f not in ("fields", "raw_subject", "custom_status_id")
        ]
        audit = self._audit(ticket, actor, channel, now, keep=bool(changed or text))
        if not changed and not text:
            return audit
        self._touch(ticket, now)
        if text:
            # `public` left out inherits the ticket's first comment, as in Zendesk.
            public = bool(comment.get("public", ticket["is_public"]))
            self._append_comment(ticket, audit, author_id, text, public, channel, now)
            self.counters["comment_add"] += 1
        for field in changed:
            audit["events"].append(
                {
                    "id": self._new_id("event"),
                    "type": "Change",
                    "field_name": field,
                    "value": ticket[field],
                    "previous_value": before[field],
                }
            )
        return audit

    def _audit(
        self, ticket: dict[str, Any], actor: dict[str, Any], channel: str, now: float, keep: bool = True
    ) -> dict[str, Any]:
        audit = {
            "id": self._new_id("audit"),
            "ticket_id": ticket["id"],
            "created_at": iso(now),
            "author_id": actor["id"],
            "metadata": {"system": {"client": "FakeZendesk", "ip_address": "127.0.0.1"}, "custom": {}},
            "via": via(channel),
            "events": [],
        }
        if keep:
            self.audits.setdefault(ticket["id"], []).append(audit)
        return audit

    def _append_comment(
        self,
        ticket: dict[str, Any],
        audit: dict[str, Any],
        author_id: int,
        body: str,
        public: bool,
        channel: str,
        now: float,
    ) -> None:
        comment = new_comment(
            self._new_id("comment"),
            author_id=author_id,
            body=body,
            public=public,
            audit_id=audit["id"],
            now=now,
            channel=channel,
        )
        self.comments.setdefault(ticket["id"], []).append(comment)
        event = {k: v for k, v in comment.items() if k not in ("via", "created_at", "metadata")}
        audit["events"].insert(0, copy.deepcopy(event))

    def _ticket_delete(self, ticket: dict[str, Any]) -> None:
        del self.tickets[ticket["id"]]
        ticket["status"] = "deleted"
        self._touch(ticket, self._now())
        self.deleted_tickets[ticket["id"]] = ticket

    # -- endpoints ---------------------------------------------------------------------------------

    @staticmethod
    def _actor(req: Request) -> dict[str, Any]:
        if req.user is None:
            raise errors.unauthenticated()
        return req.user

    def api_tickets_list(self, req: Request) -> Reply:
        external_id = req.arg("external_id")
        items = [t for t in self.tickets.values() if external_id is None or t["external_id"] == external_id]
        return Reply(200, paged(req, items, "tickets", lambda t: self._view("ticket", t, req.base)))

    def api_ticket_show(self, req: Request, ticket_id: str) -> Reply:
        return Reply(200, {"ticket": self._view("ticket", self._live_ticket(ticket_id), req.base)})

    def api_tickets_show_many(self, req: Request) -> Reply:
        found = [self.tickets[i] for i in self._ids_arg(req) if i in self.tickets]
        return Reply(
            200,
            {
                "tickets": [self._view("ticket", t, req.base) for t in found],
                "next_page": None,
                "previous_page": None,
                "count": len(found),
            },
        )

    def api_ticket_create(self, req: Request) -> Reply:
        ticket, audit = self._ticket_create(req.root("ticket"), actor=self._actor(req), channel="api", now=self._now())
        self.counters["ticket_create"] += 1
        view = self._view("ticket", ticket, req.base)
        return Reply(201, {"ticket": view, "audit": copy.deepcopy(audit)}, {"Location": view["url"]})

    def api_ticket_update(self, req: Request, ticket_id: str) -> Reply:
        ticket = self._live_ticket(ticket_id)
        audit = self._ticket_update(ticket, req.root("ticket"), actor=self._actor(req), channel="api")
        self.counters["ticket_update"] += 1
        return Reply(200, {"ticket": self._view("ticket", ticket, req.base), "audit": copy.deepcopy(audit)})

    def api_ticket_delete(self, req: Request, ticket_id: str) -> Reply:
        self._ticket_delete(self._live_ticket(ticket_id))
        self.counters["ticket_delete"] += 1
        return Reply(204)

    def api_ticket_comments(self, req: Request, ticket_id: str) -> Reply:
        ticket = self._live_ticket(ticket_id)
        desc = (req.arg("sort_order") or "asc") == "desc"
        sign = -1 if desc else 1
        items = sorted(self.comments[ticket["id"]], key=lambda c: sign * c["id"])
        if uses_cursor(req):
            chunk, envelope = cursor_page(req, items, lambda c: [sign * c["id"]])
        else:
            chunk, envelope = offset_page(req, items)
        body: dict[str, Any] = {"comments": copy.deepcopy(chunk), **envelope}
        if "users" in (req.arg("include") or "").split(","):
            authors = {c["author_id"] for c in chunk}
            body["users"] = [self._view("user", self.users[a], req.base) for a in sorted(authors) if a in self.users]
        return Reply(200, body)
