"""What both desks share: the remote records in our terms, timestamps, our own user, comment matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from integrations.models import Connection
from tickets.choices import Priority, Status
from tickets.models import Comment

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


def pick_comment(
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


def fields_match(local: dict[str, str], remote: dict[str, str]) -> tuple[bool, bool]:
    """Per field, whether the desk shows our value; a field we do not send (no Zoho picklist) matches."""
    status, priority = (name not in local or local[name] == remote.get(name) for name in ("status", "priority"))
    return status, priority
