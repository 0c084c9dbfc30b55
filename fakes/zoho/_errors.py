"""Answers and error shapes shared by the fake's Accounts and Desk halves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple


class Response(NamedTuple):
    """What a handler answers: ``body`` None means no body at all (204), dict/list is JSON, bytes go raw."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None


class ApiError(Exception):
    """A Desk error, rendered as ``{"errorCode", "message"}`` (+ ``errors`` for INVALID_DATA)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        body: dict[str, Any] = {"errorCode": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return Response(self.status, body, self.headers)


INVALID_DATA_MESSAGE = "The data does not comply to the validation restrictions defined."

TOO_MANY_REQUESTS = {
    "errorCode": "TOO_MANY_REQUESTS",
    "message": "The maximum number of Concurrent API Calls that can be made has been exceeded.",
}
THRESHOLD_EXCEEDED = {
    "errorCode": "THRESHOLD_EXCEEDED",
    "message": "The API credits allotted to your organization for the day have been exhausted.",
}
INTERNAL_SERVER_ERROR = {
    "errorCode": "INTERNAL_SERVER_ERROR",
    "message": "An internal server error occurred while performing this operation.",
}


def field_error(field: str, error_type: str, message: str) -> dict[str, str]:
    """One entry of INVALID_DATA ``errors``; ``field`` is a JSON pointer such as ``/subject``."""
    return {"fieldName": field, "errorType": error_type, "errorMessage": message}


def invalid_data(errors: list[dict[str, str]]) -> ApiError:
    return ApiError(422, "INVALID_DATA", INVALID_DATA_MESSAGE, errors=errors)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, "UNPROCESSABLE_ENTITY", message)


def bad_query_value(name: str) -> ApiError:
    return unprocessable(f"The value passed for the '{name}' query parameter is invalid.")


def not_found() -> ApiError:
    return ApiError(404, "URL_NOT_FOUND", "The URL you requested could not be found.")


def iso(moment: datetime | None) -> str | None:
    """Zoho's timestamp format: UTC with milliseconds, ``2026-11-23T10:00:00.000Z``."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse ``yyyy-MM-ddTHH:mm:ss[.SSS]Z``; raises ValueError on anything else."""
    if not text.endswith("Z"):
        raise ValueError(text)
    return datetime.fromisoformat(text).astimezone(UTC)
