"""Signed webhook deliveries, as Zendesk sends them for event subscriptions."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import http.client
import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

DELIVERY_TIMEOUT = 10  # seconds, as the real service


def _event_time() -> str:
    now = datetime.now(tz=UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z"


class WebhooksMixin:
    def _init_webhooks(self) -> None:
        # The signing secret is used as the HMAC key as it stands (it is not base64-decoded first).
        self.webhook_secret = base64.b64encode(secrets.token_bytes(32)).decode()
        self.webhook_id = "01" + secrets.token_hex(12).upper()
        self.webhook_deliveries: list[dict[str, Any]] = []

    def sign_webhook(self, body: bytes, timestamp: str) -> str:
        """base64(HMAC-SHA256(key = signing secret, message = timestamp + body))."""
        digest = hmac.new(self.webhook_secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def webhook_headers(self, body: bytes, timestamp: str | None = None) -> dict[str, str]:
        """The headers a delivery of `body` carries, for posting it yourself (a Django test client)."""
        timestamp = timestamp or datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Account-Id": str(self.account_id),
            "X-Zendesk-Webhook-Id": self.webhook_id,
            "X-Zendesk-Webhook-Invocation-Id": str(uuid.uuid4().int)[:19],
            "X-Zendesk-Webhook-Signature": self.sign_webhook(body, timestamp),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        }

    def webhook_event(
        self,
        kind: str,
        ticket_id: int,
        detail: dict[str, Any] | None = None,
        *,
        event: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ticket event payload, e.g. kind "ticket.status_changed" or "zen:event-type:ticket.comment_added".

        `detail` is built from the stored ticket (ids as strings, enums upper-case, as the real
        payloads) and updated with the given dict; `event` defaults to what `kind` carries.
        """
        kind = kind if kind.startswith("zen:event-type:") else f"zen:event-type:{kind}"
        with self.lock:
            ticket = self.tickets.get(ticket_id) or self.deleted_tickets.get(ticket_id) or {"id": ticket_id}
            payload_detail = self._event_detail(ticket)
            payload_detail.update(detail or {})
            return {
                "account_id": self.account_id,
                "detail": payload_detail,
                "event": copy.deepcopy(event) if event is not None else self._event_body(kind, ticket),
                "id": str(uuid.uuid4()),
                "subject": f"zen:ticket:{ticket_id}",
                "time": _event_time(),
                "type": kind,
                "zendesk_event_version": "2022-11-06",
            }

    def deliver_webhook(
        self, url: str, event_dict: dict[str, Any], *, timestamp: str | None = None
    ) -> tuple[int, bytes]:
        """POST one signed delivery to `url` (http only) and return the receiver's (status, body)."""
        body = json.dumps(event_dict, separators=(",", ":")).encode()
        headers = self.webhook_headers(body, timestamp)
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=DELIVERY_TIMEOUT
        )
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            status, answer = response.status, response.read()
        finally:
            connection.close()
        with self.lock:
            self.webhook_deliveries.append(
                {"url": url, "headers": headers, "body": body, "status": status, "response": answer}
            )
        return status, answer

    # -- payload parts -----------------------------------------------------------------------------

    def _event_detail(self, ticket: dict[str, Any]) -> dict[str, Any]:
        def sid(value: Any) -> str | None:
            return None if value is None else str(value)

        def upper(value: Any) -> str | None:
            return None if value is None else str(value).upper()

        return {
            "actor_id": sid(self.admin_id),
            "assignee_id": sid(ticket.get("assignee_id")),
            "brand_id": sid(ticket.get("brand_id")),
            "created_at": ticket.get("created_at"),
            "custom_status": sid(ticket.get("custom_status_id")),
            "description": ticket.get("description"),
            "external_id": ticket.get("external_id"),
            "form_id": sid(ticket.get("ticket_form_id")),
            "group_id": sid(ticket.get("group_id")),
            "id": sid(ticket.get("id")),
            "is_public": ticket.get("is_public", True),
            "organization_id": sid(ticket.get("organization_id")),
            "priority": upper(ticket.get("priority")),
            "requester_id": sid(ticket.get("requester_id")),
            "status": upper(ticket.get("status")),
            "subject": ticket.get("subject"),
            "submitter_id": sid(ticket.get("submitter_id")),
            "tags": list(ticket.get("tags", [])),
            "type": upper(ticket.get("type")),
            "updated_at": ticket.get("updated_at"),
            "via": {"channel": (ticket.get("via") or {}).get("channel", "web")},
        }

    def _event_body(self, kind: str, ticket: dict[str, Any]) -> dict[str, Any]:
        name = kind.removeprefix("zen:event-type:ticket.")
        field = {"status_changed": "status", "priority_changed": "priority", "subject_changed": "subject"}.get(name)
        if field is not None:
            previous = None
            for audit in reversed(self.audits.get(ticket.get("id", 0), [])):
                change = next(
                    (e for e in audit["events"] if e.get("field_name") == field and e["type"] == "Change"), None
                )
                if change is not None:
                    previous = change["previous_value"]
                    break
            current = ticket.get(field)
            if field != "subject":
                current = None if current is None else str(current).upper()
                previous = None if previous is None else str(previous).upper()
            return {"current": current, "previous": previous}
        if name == "comment_added":
            comments = self.comments.get(ticket.get("id", 0)) or []
            if not comments:
                return {}
            last = comments[-1]
            author = self.users.get(last["author_id"], {})
            return {
                "comment": {
                    "id": str(last["id"]),
                    "body": last["body"],
                    "is_public": last["public"],
                    "author": {
                        "id": str(last["author_id"]),
                        "name": author.get("name"),
                        "is_staff": author.get("role") in ("agent", "admin"),
                    },
                }
            }
        return {}
