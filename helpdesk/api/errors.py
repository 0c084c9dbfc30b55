"""One error shape for every API error (PRODUCT.md):

{"status": "error", "code": "VALIDATION_ERROR", "message": "...", "errors": {"field": ["detail"]}}
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from helpdesk.errors import HelpdeskError

logger = logging.getLogger("helpdesk.api")

CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "THROTTLED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    500: "Something went wrong on our side. The request id identifies it in the logs.",
    503: "The service is briefly unavailable (its database cannot be reached). Retry in a few seconds.",
}
# Django's wrappers, and psycopg's own for code that talks to it directly.
try:
    import psycopg

    _OPERATIONAL: tuple[type[BaseException], ...] = (OperationalError, psycopg.OperationalError)
    _INTERFACE: tuple[type[BaseException], ...] = (InterfaceError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - an SQLite-only install
    _OPERATIONAL, _INTERFACE = (OperationalError,), (InterfaceError,)
# SQLSTATE classes of a connection that failed or a server going away (PostgreSQL's appendix A).
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")
# SQLite's words for a database it cannot reach right now.
_SQLITE_AWAY = ("database is locked", "unable to open database", "disk i/o error", "database table is locked")


def database_down(exc: BaseException) -> bool:
    """The database is unreachable, restarting or locked: nothing is wrong with the request, a retry can succeed.

    Only connection-level failures count: a missing table, a statement timeout or a query too big
    is a bug or a limit that a retry will not cure, and stays a 500 with its traceback.
    """
    if not isinstance(exc, _OPERATIONAL + _INTERFACE):
        return False
    if isinstance(exc, _INTERFACE):
        return True  # the connection is closed or unusable
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith(_CONNECTION_STATES)
    if type(cause).__module__.startswith("sqlite3"):
        return any(words in str(cause).lower() for words in _SQLITE_AWAY)
    return True  # psycopg without a SQLSTATE: no server answered at all


RETRY_AFTER_SECONDS = 5


def error_body(
    http_status: int, message: str, errors: dict[str, Any] | None = None, code: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = {
        "status": "error",
        "code": code or CODES.get(http_status, "ERROR"),
        "message": message,
        "errors": errors or {},
    }
    body.update(extra)
    return body


def _as_lists(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error details, flattened to field -> list of strings."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _as_lists(value).items():
                    flat[f"{field}.{sub}"] = messages
            else:
                flat[str(field)] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return flat
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def _first_message(errors: dict[str, list[str]], fallback: str) -> str:
    for field, messages in errors.items():
        if messages:
            prefix = "" if field == "non_field_errors" else f"{field}: "
            return f"{prefix}{messages[0]}"
    return fallback


def _respond(body: dict[str, Any], http_status: int, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=http_status, headers=headers)
    # Read by the request log middleware, so every failure names its reason.
    response.log_reason = f"{body['code']}: {body['message']}"
    return response


def _unavailable_reason(exc: BaseException) -> str:
    """The database error's class and first line (host and port at most; never a password)."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"SERVICE_UNAVAILABLE: {type(exc).__name__}: {first_line}"


def _mark_unavailable(response: HttpResponse, exc: BaseException) -> HttpResponse:
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.log_reason = _unavailable_reason(exc)  # type: ignore[attr-defined]
    # The request log middleware writes the one (warning) line; Django's own would repeat it as an error.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's hook: every exception raised in an API view becomes the one shape."""
    headers: dict[str, str] = {}
    if isinstance(exc, HelpdeskError):
        set_rollback()
        extra = {k: v for k, v in exc.extra.items() if k in ("allowed", "current", "current_version")}
        body = error_body(exc.http_status, exc.message, exc.errors, code=exc.code, **extra)
        # A dependency that is away (503) says when to try again, as a lost database does.
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.http_status == 503 else None
        return _respond(body, exc.http_status, retry)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return _respond(error_body(413, "The request body is too large."), 413)
    if database_down(exc):
        set_rollback()
        return _mark_unavailable(Response(error_body(503, MESSAGES[503]), status=503), exc)
    if not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        logger.exception("Unhandled error in %s %s", getattr(request, "method", "?"), getattr(request, "path", "?"))
        set_rollback()
        return _respond(error_body(500, MESSAGES[500]), 500)

    set_rollback()
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    http_status = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_lists(exc.detail)
        message = _first_message(errors, MESSAGES[400])
    else:
        errors = {}
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else MESSAGES.get(http_status, "Error.")
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed) and http_status == 403:
        http_status = status.HTTP_401_UNAUTHORIZED
    return _respond(error_body(http_status, message, errors), http_status, headers)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown URLs under /api/ answer in the API's shape, not Django's HTML page."""
    return JsonResponse(error_body(404, f"There is no API endpoint at {request.path}."), status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure view: the API's shape under /api/, the plain page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(403, f"CSRF check failed: {reason}"), status=403)
    return csrf.csrf_failure(request, reason)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: the API's shape under /api/, the plain page elsewhere; 503 when the database is down.

    Django calls it while handling the exception, so ``sys.exc_info`` names it.
    """
    exc = sys.exc_info()[1]
    if exc is not None and database_down(exc):
        if request.path.startswith("/api/"):
            return _mark_unavailable(JsonResponse(error_body(503, MESSAGES[503]), status=503), exc)
        # Rendered without a request: no context processor may touch the database.
        return _mark_unavailable(HttpResponse(loader.get_template("503.html").render(), status=503), exc)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(500, MESSAGES[500]), status=500)
    return defaults.server_error(request)
