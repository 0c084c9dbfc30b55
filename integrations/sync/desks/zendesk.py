"""Zendesk for the sync engine: tickets and comments in our terms; a lost create found by ``external_id``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.models import Connection, Provider
from integrations.sync import mapping
from integrations.sync.desks.common import (
    RemoteNote,
    RemoteTicket,
    fields_match,
    own_user_id,
    parse_time,
    pick_comment,
)
from integrations.zendesk.client import ZendeskClient
from tickets.models import Comment, Ticket


class ZendeskDesk:
    provider = Provider.ZENDESK

    def __init__(self, connection: Connection, client: ZendeskClient | None = None) -> None:
        self.connection = connection
        self.client = client or ZendeskClient(connection)
        self._users: dict[int, dict[str, Any]] = {}

    def _user(self, user_id: Any) -> dict[str, Any]:
        if not user_id:
            return {}
        uid = int(user_id)
        if uid not in self._users:
            self._users[uid] = self.client.get_user(uid)
        return self._users[uid]

    def ticket(self, data: dict[str, Any]) -> RemoteTicket:
        return RemoteTicket(
            id=str(data["id"]),
            subject=str(data.get("subject") or data.get("raw_subject") or ""),
            description=str(data.get("description") or ""),
            status=mapping.zendesk_status_in(data.get("status"), data.get("tags") or []),
            priority=mapping.zendesk_priority_in(data.get("priority")),
            updated_at=parse_time(data.get("updated_at")),
            created_at=parse_time(data.get("created_at")),
            requester_email="",
            requester_name="",
            key=str(data.get("external_id") or ""),
            url=str(data.get("url") or ""),
            deleted=data.get("status") == "deleted",
            raw=data,
        )

    def local_terms(self, ticket: Ticket) -> dict[str, str]:
        """Our status and priority as the desk would show them (``open+escalated`` for the tag)."""
        out = mapping.zendesk_status_out(ticket.status, hold_enabled=self.connection.hold_enabled)
        status = out.status + ("+escalated" if out.escalated else "")
        return {"status": status, "priority": mapping.zendesk_priority_out(ticket.priority)}

    def remote_terms(self, remote: RemoteTicket) -> dict[str, str]:
        status = str(remote.raw.get("status") or "").lower()
        if status == "hold" and not self.connection.hold_enabled:
            status = "pending"  # hold arriving while hold is off still means waiting
        if mapping.ESCALATED_TAG in {str(tag).lower() for tag in remote.raw.get("tags") or []}:
            status += "+escalated"
        return {"status": status, "priority": str(remote.raw.get("priority") or "").lower()}

    def matches(self, ticket: Ticket, remote: RemoteTicket) -> tuple[bool, bool]:
        """(status matches, priority matches): whether the desk already shows our values."""
        return fields_match(self.local_terms(ticket), self.remote_terms(remote))

    def own_user_id(self) -> str:
        return own_user_id(self.connection, lambda: self.client.me().get("id"))

    def get(self, remote_id: str) -> RemoteTicket:
        return self.ticket(self.client.get_ticket(int(remote_id)))

    def requester(self, remote: RemoteTicket) -> tuple[str, str]:
        """(email, name) of the ticket's requester (one user lookup, cached for this desk object)."""
        user = self._user(remote.raw.get("requester_id"))
        return str(user.get("email") or ""), str(user.get("name") or "")

    def _fields(self, ticket: Ticket) -> dict[str, Any]:
        out = mapping.zendesk_status_out(ticket.status, hold_enabled=self.connection.hold_enabled)
        fields: dict[str, Any] = {"status": out.status, "priority": mapping.zendesk_priority_out(ticket.priority)}
        fields["additional_tags" if out.escalated else "remove_tags"] = [mapping.ESCALATED_TAG]
        return fields

    def create(self, ticket: Ticket, key: str) -> RemoteTicket:
        requester = ticket.requester
        fields = self._fields(ticket)
        tags = fields.pop("additional_tags", [])
        fields.pop("remove_tags", None)
        payload = {
            "subject": ticket.subject,
            "comment": {"body": ticket.description or ticket.subject, "public": True},
            "requester": {"email": requester.email, "name": requester.get_full_name() or requester.email},
            "tags": tags,
            **fields,
        }
        return self.ticket(self.client.create_ticket(payload, external_id=key))

    def find_by_key(self, key: str, since: datetime, ticket: Ticket) -> RemoteTicket | None:
        """The ticket a lost create made, by its ``external_id`` (not search: search lags behind a create)."""
        for data in self.client.tickets_by_external_id(key):
            if str(data.get("external_id")) == key:
                return self.ticket(data)
        return None

    def update(self, remote_id: str, ticket: Ticket) -> RemoteTicket:
        return self.ticket(self.client.update_ticket(int(remote_id), self._fields(ticket)))

    def add_comment(self, remote_id: str, comment: Comment, mapped: set[str]) -> str:
        added = self.client.add_comment(int(remote_id), comment.body, public=not comment.is_internal)
        found = added.comment_id or self.find_comment(remote_id, comment, mapped)
        if found is None:
            raise LookupError(f"the comment just added to ticket {remote_id} is not in its list")
        return found

    def find_comment(
        self, remote_id: str, comment: Comment, mapped: set[str], since: datetime | None = None
    ) -> str | None:
        """The desk's copy of a comment whose push answer was lost: by its text (loosely), else by our own
        user since ``since`` with its visibility."""
        candidates = [
            (
                str(data["id"]),
                str(data.get("plain_body") or data.get("body") or ""),
                bool(data.get("public")),
                str(data.get("author_id") or ""),
                parse_time(data.get("created_at")),
            )
            for data in self.client.list_comments(int(remote_id))[1:]
        ]
        return pick_comment(candidates, comment, mapped, self.own_user_id() if since else "", since)

    def notes(self, remote_id: str) -> list[RemoteNote]:
        """The comments after the first (which is the ticket's description), oldest first."""
        notes = []
        for data in self.client.list_comments(int(remote_id))[1:]:
            author = self._user(data.get("author_id"))
            notes.append(
                RemoteNote(
                    id=str(data["id"]),
                    body=str(data.get("plain_body") or data.get("body") or ""),
                    public=bool(data.get("public", True)),
                    author_email=str(author.get("email") or ""),
                    author_name=str(author.get("name") or ""),
                    author_is_staff=author.get("role") in ("agent", "admin"),
                    created_at=parse_time(data.get("created_at")),
                    author_id=str(data.get("author_id") or ""),
                )
            )
        return notes
