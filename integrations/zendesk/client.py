"""A thin typed client for the Zendesk Support API (``/api/v2``) of one connection.

    client = ZendeskClient(connection)
    ticket = client.create_ticket({"subject": ..., "comment": {"body": ...}}, external_id="hd-42")
    client.add_comment(ticket["id"], "Thanks", public=True)

Answers are the API's JSON objects (dicts), unwrapped from their envelope. Authentication comes
from the connection: OAuth through ``integrations.tokens`` (a refused token is refreshed once,
then the call is made again) or, until Zendesk ends them on 30 April 2027, an API token.
Timeouts, retries and error types are ``integrations.http``'s; creates and comments are not
repeated after a timeout or 5xx (``TransientError.maybe_applied`` says to look first).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from integrations.credentials import http_for
from integrations.errors import IntegrationError
from integrations.http import DEFAULT_TIMEOUT, JsonHttp, Response, RetryPolicy
from integrations.tokens import with_access_token
from integrations.zendesk.auth import api_token_headers, api_token_warning

if TYPE_CHECKING:
    from integrations.models import Connection

logger = logging.getLogger(__name__)

PAGE_SIZE = 100  # Zendesk's cursor-paging maximum
# Connections warned about in this process, by id and creation time (an id alone can be reused).
_warned: set[tuple[int, object]] = set()


@dataclass(frozen=True)
class CommentAdded:
    """What adding a comment answered: the updated ticket, and the comment's id when the audit names it."""

    ticket: dict[str, Any]
    comment_id: str | None


@dataclass(frozen=True)
class IncrementalPage:
    """One page of the cursor incremental ticket export; pass ``after_cursor`` back for the next."""

    tickets: list[dict[str, Any]]
    after_cursor: str | None
    end_of_stream: bool


class ZendeskClient:
    """Calls to one Zendesk account as the connection's OAuth user or API-token user."""

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.http: JsonHttp = http_for(connection, timeout=timeout, retry=retry, sleep=sleep)
        warning = api_token_warning(connection)
        once = (connection.pk, connection.created_at)
        if warning and once not in _warned:
            _warned.add(once)
            logger.warning("%s", warning)

    # -- plumbing ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.connection.api_base()}/api/v2/{path.lstrip('/')}"

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
    ) -> Response:
        url = self._url(path)
        accept = {"Accept": "application/json"}

        def send(headers: dict[str, str], auth_hint: str | None = None) -> Response:
            return self.http.request(
                method,
                url,
                headers={**accept, **headers},
                params=params,
                json_body=body,
                idempotent=idempotent,
                auth_hint=auth_hint,
            )

        if self.connection.auth_method == self.connection.AuthMethod.API_TOKEN:
            # Nothing to refresh: a person must fix the token (or, better, move to OAuth).
            hint = "Check the API email and token in the admin, or switch the connection to OAuth."
            return send(api_token_headers(self.connection), hint)
        return with_access_token(
            self.connection, lambda token: send({"Authorization": f"Bearer {token}"}), http=self.http
        )

    def _get(self, path: str, key: str, params: dict[str, Any] | None = None) -> Any:
        data = self._call("GET", path, params=params).data or {}
        if key not in data:
            raise IntegrationError(f"{self.http.label}: GET {path} answered without '{key}'.")
        return data[key]

    def _cursor_pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {**(params or {}), "page[size]": PAGE_SIZE}
        while True:
            data = self._call("GET", path, params=query).data or {}
            yield from data.get(key) or []
            meta = data.get("meta") or {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return
            # The cursor, not the `links.next` URL: our token must never follow a link to another host.
            query = {**query, "page[after]": meta["after_cursor"]}

    # -- users and organizations ---------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The user the credentials act as (``id`` None means they were not accepted as anyone)."""
        return self._get("users/me.json", "user")

    def get_user(self, user_id: int) -> dict[str, Any]:
        return self._get(f"users/{int(user_id)}.json", "user")

    def list_users(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every user (cursor paging); ``filters`` such as ``role="agent"``."""
        return self._cursor_pages("users.json", "users", filters)

    def get_organization(self, organization_id: int) -> dict[str, Any]:
        return self._get(f"organizations/{int(organization_id)}.json", "organization")

    def list_organizations(self) -> Iterator[dict[str, Any]]:
        return self._cursor_pages("organizations.json", "organizations")

    # -- tickets -------------------------------------------------------------------------------

    def get_ticket(self, ticket_id: int) -> dict[str, Any]:
        return self._get(f"tickets/{int(ticket_id)}.json", "ticket")

    def create_ticket(self, ticket: dict[str, Any], *, external_id: str | None = None) -> dict[str, Any]:
        """Create a ticket (``subject``, ``comment``: {``body``, ``public``}, ``requester``, ...).

        ``external_id`` (our ticket's reference) lets a caller that got ``maybe_applied`` find
        the ticket with ``search(f"external_id:{external_id}")`` instead of creating it twice.
        """
        payload = dict(ticket)
        if external_id is not None:
            payload["external_id"] = external_id
        data = self._call("POST", "tickets.json", body={"ticket": payload}).data or {}
        return data["ticket"]

    def update_ticket(self, ticket_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields of a ticket (a closed one answers ``PermanentError`` 422)."""
        # Safe to repeat without a comment: setting the same fields twice is harmless.
        idempotent = "comment" not in changes
        data = (
            self._call("PUT", f"tickets/{int(ticket_id)}.json", body={"ticket": changes}, idempotent=idempotent).data
            or {}
        )
        return data["ticket"]

    def add_comment(
        self, ticket_id: int, body: str, *, public: bool = True, author_id: int | None = None, html: bool = False
    ) -> CommentAdded:
        """Add a comment (Zendesk's only way: an update carrying ``comment``).

        The answer's audit names the new comment's id (its ``Comment`` event); without an audit
        the id is None and the caller finds the comment in the ticket's list.
        """
        comment: dict[str, Any] = {"html_body" if html else "body": body, "public": public}
        if author_id is not None:
            comment["author_id"] = author_id
        path = f"tickets/{int(ticket_id)}.json"
        data = self._call("PUT", path, body={"ticket": {"comment": comment}}, idempotent=False).data or {}
        events = (data.get("audit") or {}).get("events") or []
        ids = [str(event["id"]) for event in events if event.get("type") == "Comment" and event.get("id") is not None]
        return CommentAdded(ticket=data["ticket"], comment_id=ids[0] if ids else None)

    def tickets_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        """The tickets carrying ``external_id`` (``GET /tickets.json?external_id=``, which, unlike
        search, sees a ticket the moment it is created: how a lost create is found)."""
        return self._get("tickets.json", "tickets", params={"external_id": external_id})

    def list_comments(self, ticket_id: int) -> list[dict[str, Any]]:
        """Every comment of a ticket, oldest first."""
        return list(self._cursor_pages(f"tickets/{int(ticket_id)}/comments.json", "comments"))

    def search(self, query: str, *, limit: int = 1000) -> Iterator[dict[str, Any]]:
        """Search results (at most 1,000: Zendesk's limit; use ``incremental_tickets`` for more)."""
        page, seen = 1, 0
        while seen < limit:
            data = self._call("GET", "search.json", params={"query": query, "page": page, "per_page": 100}).data or {}
            results = data.get("results") or []
            yield from results[: limit - seen]
            seen += len(results)
            if not results or not data.get("next_page"):
                return
            page += 1

    def incremental_tickets(
        self, *, cursor: str | None = None, start_time: int | None = None, per_page: int | None = None
    ) -> IncrementalPage:
        """One page of tickets changed since ``start_time`` (Unix seconds) or after ``cursor``.

        Zendesk allows 10 of these a minute; its 429s are retried after their Retry-After.
        """
        if (cursor is None) == (start_time is None):
            raise ValueError("pass exactly one of cursor and start_time")
        params: dict[str, Any] = {"cursor": cursor} if cursor is not None else {"start_time": int(start_time or 0)}
        if per_page is not None:
            params["per_page"] = per_page
        data = self._call("GET", "incremental/tickets/cursor.json", params=params).data or {}
        after = data.get("after_cursor")
        if after is None and data.get("after_url"):
            after = (parse_qs(urlsplit(data["after_url"]).query).get("cursor") or [None])[0]
        return IncrementalPage(
            tickets=list(data.get("tickets") or []), after_cursor=after, end_of_stream=bool(data.get("end_of_stream"))
        )
