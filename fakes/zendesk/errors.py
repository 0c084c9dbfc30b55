"""Zendesk's error envelopes, exactly as the API answers them.

Zendesk uses several incompatible shapes; each builder below names the one it reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """One HTTP answer: a JSON-able body (or raw bytes), a status and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised anywhere inside a handler to answer with an error envelope."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.reply = Reply(status, body, dict(headers or {}))


def unauthenticated() -> ApiError:
    return ApiError(401, {"error": "Couldn't authenticate you"})


def forbidden() -> ApiError:
    # A token without the scope for this call: the object-shaped error envelope.
    return ApiError(
        403,
        {
            "error": {
                "title": "Forbidden",
                "message": "You do not have access to this page. Please contact the account owner of this "
                "help desk for further help.",
            }
        },
    )


def not_found() -> ApiError:
    return ApiError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid_endpoint() -> ApiError:
    # An unknown path, distinct from an unknown id.
    return ApiError(404, {"error": "InvalidEndpoint", "description": "Not found"})


def record_invalid(details: dict[str, list[dict[str, str]]]) -> ApiError:
    return ApiError(422, {"error": "RecordInvalid", "description": "Record validation errors", "details": details})


def problem(description: str, error: str = "InvalidValue", **extra: str) -> dict[str, str]:
    """One entry of a RecordInvalid `details` list."""
    return {"description": description, "error": error, **extra}


def bad_request(error: str, description: str) -> ApiError:
    return ApiError(400, {"error": error, "description": description})


def parameter_missing(name: str) -> ApiError:
    return bad_request("ParameterMissing", f"param is missing or the value is empty: {name}")


def pagination_parameter(description: str) -> ApiError:
    return bad_request("InvalidPaginationParameter", description)


def pagination_depth() -> ApiError:
    # Offset paging past the first 10,000 records: the array-shaped error envelope.
    return ApiError(
        400,
        {
            "errors": [
                {
                    "code": "InvalidPaginationDepth",
                    "title": "Pagination requests using Offset Pagination are limited to page 100 or up to "
                    "10000 records (page * per_page)",
                    "detail": "Use cursor based pagination to retrieve more than 10000 records.",
                }
            ]
        },
    )


def search_limit() -> ApiError:
    return ApiError(
        422,
        {
            "error": "invalid",
            "description": "Invalid search: Requested response size was greater than Search Response Limits",
        },
    )


def rate_limited(retry_after: int, description: str) -> ApiError:
    return ApiError(
        429, {"error": "APIRateLimitExceeded", "description": description}, {"Retry-After": str(retry_after)}
    )


def oauth_error(status: int, error: str, description: str) -> ApiError:
    """RFC 6749 shape, used by /oauth/* only."""
    return ApiError(
        status,
        {"error": error, "error_description": description},
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
