"""One page at a time from Zendesk for the API's lists (``ZendeskClient`` iterates every page).

Our cursor (``?cursor=``) wraps Zendesk's: its ``after_cursor``/``before_cursor`` for the cursor-paged
lists, the page number for search (which Zendesk pages by offset, 100 a page, 1,000 results at most).
Cursors are opaque to callers and carry no secret.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from helpdesk import safejson
from helpdesk.errors import ValidationFailed
from integrations.http import JsonHttp
from integrations.zendesk.client import ZendeskClient

SEARCH_RESULT_LIMIT = 1000  # Zendesk answers 422 past the 1,000th result


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    previous_cursor: str | None
    count: int | None = None  # search only: how many results match in all


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    try:
        value = safejson.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise ValidationFailed.on("cursor", "This cursor is not valid; start again from the first page.")
    return value


class ZendeskPages(ZendeskClient):
    """``ZendeskClient`` plus single pages, user creation and token revocation."""

    def cursor_page(self, path: str, key: str, *, size: int, cursor: str | None, **params: Any) -> Page:
        """One cursor-paged page of ``path`` (``tickets.json``...); ``cursor`` is ours from a previous page."""
        position = decode_cursor(cursor)
        query: dict[str, Any] = {**params, "page[size]": size}
        if position.get("after"):
            query["page[after]"] = str(position["after"])
        elif position.get("before"):
            query["page[before]"] = str(position["before"])
        data = self._call("GET", path, params=query).data or {}
        meta = data.get("meta") or {}
        after, before = meta.get("after_cursor"), meta.get("before_cursor")
        going_back = bool(position.get("before"))
        has_next = bool(after) and (bool(meta.get("has_more")) or going_back)
        has_previous = bool(before) and bool(position) and (bool(meta.get("has_more")) or not going_back)
        return Page(
            items=list(data.get(key) or []),
            next_cursor=encode_cursor({"after": after}) if has_next else None,
            previous_cursor=encode_cursor({"before": before}) if has_previous else None,
        )

    def search_page(self, query: str, *, size: int, cursor: str | None) -> Page:
        """One page of ``search.json`` results; never past the 1,000th result, Zendesk's limit."""
        page = decode_cursor(cursor).get("page", 1)
        if not isinstance(page, int) or page < 1 or page * size > SEARCH_RESULT_LIMIT:
            raise ValidationFailed.on("cursor", "This cursor is not valid; start again from the first page.")
        params = {"query": query, "page": page, "per_page": size}
        data = self._call("GET", "search.json", params=params).data or {}
        more = bool(data.get("next_page")) and (page + 1) * size <= SEARCH_RESULT_LIMIT
        count = data.get("count")
        return Page(
            items=list(data.get("results") or []),
            next_cursor=encode_cursor({"page": page + 1}) if more else None,
            previous_cursor=encode_cursor({"page": page - 1}) if page > 1 else None,
            count=int(count) if isinstance(count, int) else None,
        )

    def create_user(self, user: dict[str, Any]) -> dict[str, Any]:
        data = self._call("POST", "users.json", body={"user": user}).data or {}
        return data["user"]

    def revoke_current_token(self, http: JsonHttp | None = None) -> bool:
        """Revoke the connection's OAuth token pair at Zendesk (``DELETE /api/v2/oauth/tokens/current``).

        Sent once with the stored access token, without refreshing it (a refresh would mint
        the very pair being revoked). True when Zendesk confirmed.
        """
        token = str(self.connection.access_token)
        if not token:
            return False
        answer = (http or self.http).send(
            "DELETE",
            self._url("oauth/tokens/current.json"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        return answer.ok
