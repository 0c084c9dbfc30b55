"""A thin typed client for the Zoho Desk API (``/api/v1``) of one connection (one organization and department).

    client = ZohoClient(connection)
    ticket = client.create_ticket({"subject": ..., "contact": {"email": ...}})
    for ticket in client.search_modified_since(watermark): ...

Every call carries ``Authorization: Zoho-oauthtoken <token>`` from ``integrations.tokens`` (a
refused token is refreshed once, then the call made again) and the ``orgId`` header. Answers
are the API's JSON objects; lists come unwrapped from ``{"data": [...]}``, and Zoho's 204
for an empty list is ``[]``. Timeouts, retries and error types are ``integrations.http``'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from integrations.credentials import http_for
from integrations.errors import AuthenticationError, IntegrationError
from integrations.http import DEFAULT_TIMEOUT, JsonHttp, Response, RetryPolicy
from integrations.tokens import with_access_token

if TYPE_CHECKING:
    from integrations.models import Connection


def zoho_time(moment: datetime) -> str:
    """Zoho's timestamp format: UTC with milliseconds, ``2026-11-23T10:00:00.000Z`` (aware datetimes only)."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ZohoClient:
    """Calls to one Zoho Desk organization as the connection's OAuth user."""

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

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
    ) -> Response:
        url = f"{self.connection.api_base()}/{path.lstrip('/')}"

        def send(token: str) -> Response:
            headers = {
                "Authorization": f"Zoho-oauthtoken {token}",
                "orgId": self.connection.org_id,
                "Accept": "application/json",
            }
            try:
                return self.http.request(
                    method, url, headers=headers, params=params, json_body=body, idempotent=idempotent
                )
            except AuthenticationError as exc:
                if "OAUTH_ORG_MISMATCH" not in exc.message:
                    raise
                # The token is fine; the organization is not one it may see. A refresh would not help.
                raise AuthenticationError(
                    f"{self.http.label}: Zoho says the token's account cannot see organization "
                    f"{self.connection.org_id}: check the organization id (orgId) and the data centre in the admin.",
                    status=exc.status,
                ) from None

        return with_access_token(self.connection, send, http=self.http)

    def _object(self, answer: Response) -> dict[str, Any]:
        if not isinstance(answer.data, dict):
            raise IntegrationError(f"{self.http.label}: the desk answered {answer.status} without a JSON object.")
        return answer.data

    @staticmethod
    def _list(answer: Response) -> list[dict[str, Any]]:
        if answer.status == 204 or not isinstance(answer.data, dict):
            return []
        return list(answer.data.get("data") or [])

    # -- tickets -------------------------------------------------------------------------------

    def create_ticket(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """Create a ticket (``subject``, ``contact`` {``email``} or ``contactId``...) in the connection's department."""
        payload = {"departmentId": self.connection.department_id, **ticket}
        return self._object(self._call("POST", "tickets", body=payload))

    def get_ticket(self, ticket_id: str, *, include: list[str] | None = None) -> dict[str, Any]:
        params = {"include": ",".join(include)} if include else None
        return self._object(self._call("GET", f"tickets/{ticket_id}", params=params))

    def update_ticket(self, ticket_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """PATCH the fields in ``changes`` (Zoho has no PUT); setting them twice is harmless, so it is retried."""
        return self._object(self._call("PATCH", f"tickets/{ticket_id}", body=changes, idempotent=True))

    def list_tickets(self, *, from_: int = 0, limit: int = 25, **filters: Any) -> list[dict[str, Any]]:
        """One page of tickets (``limit`` 1-100), newest created first; ``filters``: status, priority, ..."""
        params = {"from": from_, "limit": limit, **filters}
        return self._list(self._call("GET", "tickets", params=params))

    def search_modified_since(
        self,
        since: datetime,
        *,
        until: datetime | None = None,
        from_: int = 0,
        limit: int = 100,
        department: str | None = None,
    ) -> list[dict[str, Any]]:
        """One page of tickets modified in [since, until] (until: now), in ``department`` if given: how Zoho
        is polled. Sorted by modified time, but callers page through the whole window by offset rather
        than trust the order."""
        until = until or datetime.now(UTC)
        params: dict[str, Any] = {
            "modifiedTimeRange": f"{zoho_time(since)},{zoho_time(until)}",
            "sortBy": "modifiedTime",
            "from": from_,
            "limit": limit,
        }
        if department:
            params["departmentId"] = department
        return self._list(self._call("GET", "tickets/search", params=params))

    def myinfo(self) -> dict[str, Any]:
        """The agent the OAuth token acts as (``id``: the commenter id of what we post)."""
        return self._object(self._call("GET", "myinfo"))

    # -- comments and statuses -----------------------------------------------------------------

    def list_comments(self, ticket_id: str, *, from_: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """One page of a ticket's comments, oldest first."""
        params = {"from": from_, "limit": limit, "sortBy": "commentedTime"}
        return self._list(self._call("GET", f"tickets/{ticket_id}/comments", params=params))

    def add_comment(
        self, ticket_id: str, content: str, *, is_public: bool = False, content_type: str = "plainText"
    ) -> dict[str, Any]:
        """Add a comment (private unless ``is_public``); never repeated after a timeout or 5xx."""
        body = {"content": content, "isPublic": is_public, "contentType": content_type}
        return self._object(self._call("POST", f"tickets/{ticket_id}/comments", body=body))

    def statuses(self) -> list[dict[str, str]]:
        """The ticket statuses, ``[{"value": "Open", "statusType": "Open"}, ...]`` (custom ones included)."""
        fields = self._list(self._call("GET", "organizationFields", params={"module": "tickets"}))
        for field in fields:
            if field.get("apiName") == "status":
                return [
                    {"value": str(item.get("value")), "statusType": str(item.get("statusType") or "")}
                    for item in field.get("allowedValues") or []
                ]
        raise IntegrationError(f"{self.http.label}: the ticket fields have no status field.")
