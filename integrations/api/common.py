"""What every integration endpoint shares: which connection, who may call, and the desks' errors in our shape.

Remote failures become the product's error codes (PRODUCT.md has no 502/503, so none is invented):

| the desk said / did                               | we answer                                   |
|---------------------------------------------------|---------------------------------------------|
| 404                                               | 404 NOT_FOUND                               |
| 400 / 422 (its validation)                        | 400 VALIDATION_ERROR, ``errors.remote``     |
| 403 (the connection's scopes or role)             | 403 FORBIDDEN                               |
| 409 and other 4xx                                 | 409 CONFLICT                                |
| 401 / refused credentials or refresh token        | 409 CONFLICT: the *connection* needs an     |
|                                                   | admin to reconnect it; not our 401, which   |
|                                                   | would tell the caller its own login failed  |
| 429 (still, after the retries) / Zoho mint limit  | 429 THROTTLED with ``Retry-After``          |
| 5xx, timeouts, dropped connections                | 500 INTERNAL_ERROR naming the desk          |

Every message comes from ``integrations.errors``, whose messages are redacted and safe to show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import Throttled
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from helpdesk.errors import Conflict, HelpdeskError, NotFound, PermissionDenied, ValidationFailed
from integrations.errors import AuthenticationError, IntegrationError, PermanentError, RateLimited
from integrations.models import Connection, Provider

logger = logging.getLogger("integrations.api")

CONNECTION_PARAMETER = OpenApiParameter(
    "connection",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    required=False,
    description="The connection's id; leave it out when the provider has exactly one active connection.",
)
REMOTE_ERRORS = {
    400: OpenApiResponse(description="VALIDATION_ERROR: bad input, no or several connections, or the desk refused it"),
    401: OpenApiResponse(description="UNAUTHORIZED"),
    403: OpenApiResponse(description="FORBIDDEN: your role, or the desk refused the connection's scopes"),
    404: OpenApiResponse(description="NOT_FOUND: no such record on the desk"),
    409: OpenApiResponse(description="CONFLICT: the connection's credentials were refused (reconnect it)"),
    429: OpenApiResponse(description="THROTTLED: the desk's rate limit; see Retry-After"),
    500: OpenApiResponse(description="INTERNAL_ERROR: the desk failed or did not answer"),
}


class RemoteUnavailable(HelpdeskError):
    """The desk answered 5xx, timed out or cut the connection, even after the retries."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500


class IsAdminRole(BasePermission):
    message = "Only admins can manage a connection's authorization."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_admin_role)


def connection_for(request: Request, provider: Provider, *, active_only: bool = True) -> Connection:
    """The connection named by ``?connection=``, or the provider's single active connection.

    400 VALIDATION_ERROR (field ``connection``) when the id is not one of the provider's
    connections, when it is inactive (unless ``active_only`` is False: an admin may authorize an
    inactive connection), or when none or several are active and none is named.
    """
    label = provider.label
    raw = request.query_params.get("connection")
    if raw not in (None, ""):
        try:
            pk = int(raw)
        except ValueError:
            raise ValidationFailed.on("connection", "A connection id is a whole number.") from None
        found = Connection.objects.filter(pk=pk, provider=provider).first()
        if found is None:
            raise ValidationFailed.on("connection", f"There is no {label} connection with id {pk}.")
        if active_only and not found.is_active:
            raise ValidationFailed.on("connection", f"The {label} connection {found.name!r} is inactive.")
        return found
    active = list(Connection.objects.filter(provider=provider, is_active=True)[:2])
    if not active:
        raise ValidationFailed.on("connection", f"There is no active {label} connection; an admin must add one.")
    if len(active) > 1:
        raise ValidationFailed.on(
            "connection", f"There are several active {label} connections: name one with ?connection=<id>."
        )
    return active[0]


def remote_error(exc: IntegrationError, *, prefix: str = "") -> Exception:
    """The product's error for a desk's failure (module table); ``prefix`` goes before its message."""
    logger.warning("Desk call failed: %s", exc.message)
    message = f"{prefix}{exc.message}"
    if isinstance(exc, RateLimited):
        return Throttled(wait=exc.retry_after, detail=message)
    if isinstance(exc, AuthenticationError):
        return Conflict(message)
    if isinstance(exc, PermanentError):
        if exc.status == 404:
            return NotFound(message)
        if exc.status in (400, 422):
            return ValidationFailed(message, {"remote": [exc.details or exc.message]})
        if exc.status == 403:
            return PermissionDenied(message)
        return Conflict(message)
    return RemoteUnavailable(message)


@contextmanager
def remote_errors() -> Iterator[None]:
    """Turn the desk's failures raised inside the block into the product's error shape (module table)."""
    try:
        yield
    except IntegrationError as exc:
        raise remote_error(exc) from exc
