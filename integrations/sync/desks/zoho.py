"""Zoho Desk for the sync engine: tickets and comments in our terms; a lost create found by our key field."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from integrations.errors import PermanentError
from integrations.models import Connection, Provider, RemoteLink
from integrations.sync import mapping
from integrations.sync.desks.common import (
    ZOHO_KEY_FIELD,
    RemoteNote,
    RemoteTicket,
    fields_match,
    own_user_id,
    parse_time,
    pick_comment,
)
from integrations.zoho.client import ZohoClient
from tickets.models import Comment, Ticket

logger = logging.getLogger(__name__)


class ZohoDesk:
    provider = Provider.ZOHO

    def __init__(self, connection: Connection, client: ZohoClient | None = None) -> None:
        self.connection = connection
        self.client = client or ZohoClient(connection)

    @property
    def _overrides(self) -> dict[str, str]:
        return self.connection.status_map_overrides or {}

    def ticket(self, data: dict[str, Any]) -> RemoteTicket:
        email = str(data.get("email") or "")
        contact = data.get("contact") or {}
        name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
        return RemoteTicket(
            id=str(data["id"]),
            subject=str(data.get("subject") or ""),
            description=str(data.get("description") or ""),
            status=mapping.zoho_status_in(data.get("status"), data.get("statusType"), self._overrides),
            priority=mapping.zoho_priority_in(data.get("priority"), self.connection.zoho_priorities or []),
            updated_at=parse_time(data.get("modifiedTime")),
            created_at=parse_time(data.get("createdTime")),
            requester_email=email,
            requester_name=name or email.split("@")[0],
            key=str((data.get("cf") or {}).get(ZOHO_KEY_FIELD) or ""),
            url=str(data.get("webUrl") or ""),
            deleted=bool(data.get("isDeleted") or data.get("isTrashed")),
            raw=data,
        )

    def local_terms(self, ticket: Ticket) -> dict[str, str]:
        """Our status and priority as Zoho names them (lower-cased); no priority without a picklist."""
        terms = {"status": mapping.zoho_status_out(ticket.status, self._overrides).strip().lower()}
        wanted = mapping.zoho_priority_out(ticket.priority, self.connection.zoho_priorities or [])
        if wanted is not None:
            terms["priority"] = wanted.lower()
        return terms

    def remote_terms(self, remote: RemoteTicket) -> dict[str, str]:
        return {
            "status": str(remote.raw.get("status") or "").strip().lower(),
            "priority": str(remote.raw.get("priority") or "").strip().lower(),
        }

    def matches(self, ticket: Ticket, remote: RemoteTicket) -> tuple[bool, bool]:
        return fields_match(self.local_terms(ticket), self.remote_terms(remote))

    def own_user_id(self) -> str:
        return own_user_id(self.connection, lambda: self.client.myinfo().get("id"))

    def get(self, remote_id: str) -> RemoteTicket:
        return self.ticket(self.client.get_ticket(remote_id, include=["contacts"]))

    def requester(self, remote: RemoteTicket) -> tuple[str, str]:
        return remote.requester_email, remote.requester_name

    def _fields(self, ticket: Ticket) -> dict[str, Any]:
        fields: dict[str, Any] = {"status": mapping.zoho_status_out(ticket.status, self._overrides)}
        priority = mapping.zoho_priority_out(ticket.priority, self.connection.zoho_priorities or [])
        if priority is not None:
            fields["priority"] = priority
        return fields

    def create(self, ticket: Ticket, key: str) -> RemoteTicket:
        requester = ticket.requester
        contact = {"email": requester.email, "lastName": requester.get_full_name() or requester.email.split("@")[0]}
        payload = {
            "subject": ticket.subject,
            "description": ticket.description,
            "contact": contact,
            "channel": "Web",
            "cf": {ZOHO_KEY_FIELD: key},
            **self._fields(ticket),
        }
        try:
            return self.ticket(self.client.create_ticket(payload))
        except PermanentError as exc:
            if exc.status != 422 or ZOHO_KEY_FIELD not in exc.details:
                raise
        # The department has no such custom field: create without it (a lost create is then found
        # by its subject, requester and time instead, see find_by_key).
        logger.warning("%s: no custom field %s here; creating without it", self.connection, ZOHO_KEY_FIELD)
        del payload["cf"]
        return self.ticket(self.client.create_ticket(payload))

    def find_by_key(self, key: str, since: datetime, ticket: Ticket) -> RemoteTicket | None:
        """The ticket a lost create made, changed since the attempt began: carrying our key, or (where the
        department has no field for it) with the ticket's subject and requester, created since the attempt."""
        start = 0
        email = ticket.requester.email.lower()
        while True:
            page = self.client.search_modified_since(since - timedelta(minutes=1), from_=start, limit=100)
            for data in page:
                if str((data.get("cf") or {}).get(ZOHO_KEY_FIELD) or "") == key:
                    return self.ticket(data)
                created = parse_time(data.get("createdTime"))
                same = data.get("subject") == ticket.subject and str(data.get("email") or "").lower() == email
                if same and created is not None and created >= since - timedelta(minutes=1):
                    linked = RemoteLink.objects.filter(connection=self.connection, remote_id=str(data.get("id")))
                    if not linked.exists():  # not another of ours with the same subject and requester
                        return self.ticket(data)
            if len(page) < 100:
                return None
            start += 100

    def update(self, remote_id: str, ticket: Ticket) -> RemoteTicket:
        return self.ticket(self.client.update_ticket(remote_id, self._fields(ticket)))

    def add_comment(self, remote_id: str, comment: Comment, mapped: set[str]) -> str:
        answer = self.client.add_comment(remote_id, comment.body, is_public=not comment.is_internal)
        return str(answer["id"])

    def _comments(self, remote_id: str) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self.client.list_comments(remote_id, from_=start, limit=100)
            yield from page
            if len(page) < 100:
                return
            start += 100

    def find_comment(
        self, remote_id: str, comment: Comment, mapped: set[str], since: datetime | None = None
    ) -> str | None:
        candidates = [
            (
                str(data["id"]),
                str(data.get("content") or ""),
                bool(data.get("isPublic")),
                str((data.get("commenter") or {}).get("id") or data.get("commenterId") or ""),
                parse_time(data.get("commentedTime")),
            )
            for data in self._comments(remote_id)
        ]
        return pick_comment(candidates, comment, mapped, self.own_user_id() if since else "", since)

    def notes(self, remote_id: str) -> list[RemoteNote]:
        notes = []
        for data in self._comments(remote_id):
            who = data.get("commenter") or {}
            name = " ".join(p for p in (who.get("firstName"), who.get("lastName")) if p)
            notes.append(
                RemoteNote(
                    id=str(data["id"]),
                    body=str(data.get("content") or ""),
                    public=bool(data.get("isPublic")),
                    author_email=str(who.get("email") or ""),
                    author_name=name,
                    author_is_staff=who.get("type") == "AGENT",
                    created_at=parse_time(data.get("commentedTime")),
                    author_id=str(who.get("id") or data.get("commenterId") or ""),
                )
            )
        return notes
