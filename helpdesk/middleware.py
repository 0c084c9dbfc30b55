"""Request ids and one log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("helpdesk.requests")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestLogMiddleware:
    """Takes ``X-Request-ID`` from the request (or makes one), returns it, and logs the request once.

    The line names the request id, user, method, path, status and duration;
    failures (4xx/5xx) also carry the reason the response gave. Query strings
    and bodies are never logged: they can hold tokens and personal data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = request_id
        who = _who(request)
        reason = getattr(response, "log_reason", "") or ""
        level = logging.WARNING if response.status_code >= 400 else logging.INFO
        # 503 is a dependency down (the database), not a fault of ours: a warning, like a 4xx.
        if response.status_code >= 500 and response.status_code != 503:
            level = logging.ERROR
        logger.log(
            level,
            "request_id=%s %s method=%s path=%s status=%s duration_ms=%.1f%s",
            request_id,
            who,
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            f" reason={reason!r}" if reason else "",
        )
        return response


def _who(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    try:
        return f"user={user.pk}" if user is not None and user.is_authenticated else "user=-"
    except DatabaseError:  # the session's user cannot be loaded: the database is why this request failed
        return "user=?"
