"""The shapes of Zendesk records, and the clock they are stamped with.

Stores hold the API's own field names and values (ISO 8601 "Z" timestamps, ids as numbers),
without `url`, which depends on the host the client used and is added when a record is sent.
"""

from __future__ import annotations

import copy
import html
import re
from datetime import UTC, datetime
from typing import Any

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("problem", "incident", "question", "task")
USER_ROLES = ("end-user", "agent", "admin")

# Real ids: tickets count up from 1 per account, everything else is a large account-wide number
# (well past 2**31), so code that mixes them up or stores them in 32-bit columns fails here too.
FIRST_IDS = {
    "ticket": 1,
    "user": 21_000_000_000_001,
    "organization": 22_000_000_000_001,
    "comment": 23_000_000_000_001,
    "audit": 24_000_000_000_001,
    "event": 25_000_000_000_001,
    "group": 26_000_000_000_001,
    "brand": 27_000_000_000_001,
    "custom_status": 28_000_000_000_001,
}
CUSTOM_STATUS_IDS = {status: FIRST_IDS["custom_status"] + n for n, status in enumerate(STATUSES)}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def to_epoch(value: float | datetime | None, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def via(channel: str) -> dict[str, Any]:
    return {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}}


def html_body(text: str) -> str:
    """Zendesk's rendering of a plain-text comment: paragraphs, <br> for single newlines."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p]
    inner = "".join('<p dir="auto">' + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return f'<div class="zd-comment" dir="auto">{inner}</div>'


def plain_from_html(markup: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", markup, flags=re.I)
    text = re.sub(r"</p\s*>", "\n\n", text, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def normalize_tags(tags: Any) -> list[str]:
    """Tags are lower-cased and whitespace separates tags, as in Zendesk."""
    if isinstance(tags, str):
        tags = [tags]
    out: list[str] = []
    for tag in tags or []:
        for part in str(tag).lower().split():
            if part not in out:
                out.append(part)
    return out


def new_user(
    user_id: int, *, name: str, email: str | None, role: str, now: float, organization_id: int | None = None
) -> dict[str, Any]:
    stamp = iso(now)
    return {
        "id": user_id,
        "name": name,
        "email": email,
        "created_at": stamp,
        "updated_at": stamp,
        "time_zone": "UTC",
        "iana_time_zone": "Etc/UTC",
        "phone": None,
        "shared_phone_number": None,
        "photo": None,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": organization_id,
        "role": role,
        "verified": True,
        "external_id": None,
        "tags": [],
        "alias": "",
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": False,
        "signature": None,
        "details": "",
        "notes": "",
        "role_type": None,
        "custom_role_id": None,
        "moderator": role != "end-user",
        "ticket_restriction": None if role != "end-user" else "requested",
        "only_private_comments": False,
        "restricted_agent": False,
        "suspended": False,
        "default_group_id": None,
        "report_csv": role == "admin",
        "user_fields": {},
    }


def new_organization(org_id: int, *, name: str, now: float) -> dict[str, Any]:
    stamp = iso(now)
    return {
        "id": org_id,
        "name": name,
        "shared_tickets": False,
        "shared_comments": False,
        "external_id": None,
        "created_at": stamp,
        "updated_at": stamp,
        "domain_names": [],
        "details": "",
        "notes": "",
        "group_id": None,
        "tags": [],
        "organization_fields": {},
    }


def new_ticket(ticket_id: int, *, now: float, channel: str, brand_id: int) -> dict[str, Any]:
    stamp = iso(now)
    return {
        "id": ticket_id,
        "external_id": None,
        "via": via(channel),
        "created_at": stamp,
        "updated_at": stamp,
        "generated_timestamp": int(now),
        "type": None,
        "subject": "",
        "raw_subject": "",
        "description": "",
        "priority": None,
        "status": "new",
        "recipient": None,
        "requester_id": None,
        "submitter_id": None,
        "assignee_id": None,
        "organization_id": None,
        "group_id": None,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": [],
        "custom_fields": [],
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "custom_status_id": CUSTOM_STATUS_IDS["new"],
        "fields": [],
        "followup_ids": [],
        "ticket_form_id": None,
        "brand_id": brand_id,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }


def new_comment(
    comment_id: int, *, author_id: int, body: str, public: bool, audit_id: int, now: float, channel: str
) -> dict[str, Any]:
    return {
        "id": comment_id,
        "type": "Comment",
        "author_id": author_id,
        "body": body,
        "html_body": html_body(body),
        "plain_body": body,
        "public": public,
        "attachments": [],
        "audit_id": audit_id,
        "via": via(channel),
        "created_at": iso(now),
        "metadata": {"system": {"client": "FakeZendesk", "ip_address": "127.0.0.1"}, "custom": {}},
    }


def public_view(kind: str, record: dict[str, Any], base: str) -> dict[str, Any]:
    """A deep copy of a stored record with the `url` the real API puts first."""
    out: dict[str, Any] = {}
    if kind in ("ticket", "user", "organization"):
        out["url"] = f"{base}/api/v2/{kind}s/{record['id']}.json"
    out.update(copy.deepcopy(record))
    return out
