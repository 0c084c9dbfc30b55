"""One face over both desks for the sync engine: their tickets and comments in our terms, and the few writes sync makes.

``desk_for(connection)`` gives a ``ZendeskDesk`` or ``ZohoDesk``. Each turns the desk's JSON into
``RemoteTicket`` / ``RemoteNote`` and knows how to find a ticket or comment that a lost answer
may have created (Zendesk: ``external_id``; Zoho: the ``cf_helpdesk_key`` custom field).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache

from integrations.models import Connection, Provider
from integrations.sync import mapping
from integrations.zendesk.client import ZendeskClient
from integrations.zoho.client import ZohoClient
from tickets.choices import Priority, Status
from tickets.models import Comment, Ticket

# The Zoho custom field that carries our idempotency key (the department needs it as a text field).
ZOHO_KEY_FIELD = "cf_helpdesk_key"


def parse_time(value: Any) -> datetime | None:
    """An ISO time from either desk (``...Z``, with or without milliseconds) as an aware datetime."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class RemoteTicket:
    """A desk's ticket in our terms; ``status``/``priority`` are ours (None: not mapped, keep ours)."""

    id: str
    subject: str
    description: str
    status: Status | None
    priority: Priority | None
    updated_at: datetime | None
    created_at: datetime | None
    requester_email: str
    requester_name: str
    key: str  # the idempotency key we sent, if we created it
    url: str = ""
    deleted: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class RemoteNote:
    """A desk's comment: who wrote it (email, staff or not), public or not, when."""

    id: str
    body: str
    public: bool
    author_email: str
    author_name: str
    author_is_staff: bool
    created_at: datetime | None
    author_id: str = ""


# Who the connection's credentials act as on the desk, kept a day per connection.
_OWN_USER_TTL = 24 * 3600


def _normal(text: str) -> str:
    """Text compared loosely: the desk may re-wrap or re-space what we sent."""
    return " ".join(str(text or "").split())


def own_user_id(connection: Connection, fetch) -> str:
    """The desk's id of the user our credentials act as (``fetch()`` asks the desk once a day)."""
    key = f"integrations:own-user:{connection.pk}:{connection.created_at.timestamp()}"
    value = cache.get(key)
    if value is None:
        value = str(fetch() or "")
        cache.set(key, value, _OWN_USER_TTL)
    return value


def _pick_comment(
    candidates: list[tuple[str, str, bool, str, datetime | None]],
    comment: Comment,
    mapped: set[str],
    own_id: str,
    since: datetime | None,
) -> str | None:
    """Among (id, text, public, author id, created) the desk's copy of ``comment``: the newest unmapped one
    with its text (compared loosely), else the oldest unmapped one by our own user since ``since``."""
    fitting = [c for c in candidates if c[0] not in mapped and c[2] != comment.is_internal]
    for cid, text, _public, _author, _created in reversed(fitting):
        if _normal(text) == _normal(comment.body):
            return cid
    if own_id and since is not None:
        floor = since.replace(microsecond=0)
        for cid, _text, _public, author, created in fitting:
            if author == own_id and created is not None and created >= floor:
                return cid
    return None


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
        return _matches(self.local_terms(ticket), self.remote_terms(remote))

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

    def find_by_key(self, key: str, since: datetime) -> RemoteTicket | None:
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
        return _pick_comment(candidates, comment, mapped, self.own_user_id() if since else "", since)

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
        return _matches(self.local_terms(ticket), self.remote_terms(remote))

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
        return self.ticket(self.client.create_ticket(payload))

    def find_by_key(self, key: str, since: datetime) -> RemoteTicket | None:
        """The ticket a lost create made: changed since the attempt began and carrying our key."""
        start = 0
        while True:
            page = self.client.search_modified_since(since - timedelta(minutes=1), from_=start, limit=100)
            for data in page:
                if str((data.get("cf") or {}).get(ZOHO_KEY_FIELD) or "") == key:
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
        return _pick_comment(candidates, comment, mapped, self.own_user_id() if since else "", since)

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


Desk = ZendeskDesk | ZohoDesk


def _matches(local: dict[str, str], remote: dict[str, str]) -> tuple[bool, bool]:
    """Per field, whether the desk shows our value; a field we do not send (no Zoho picklist) matches."""
    status, priority = (name not in local or local[name] == remote.get(name) for name in ("status", "priority"))
    return status, priority


def desk_for(connection: Connection, **client_options: Any) -> Desk:
    """The desk of ``connection``; ``client_options`` (timeout, retry, sleep) go to its client."""
    if connection.provider == Provider.ZENDESK:
        return ZendeskDesk(connection, ZendeskClient(connection, **client_options))
    return ZohoDesk(connection, ZohoClient(connection, **client_options))
