"""OpenAPI schema tweaks: PRODUCT.md's paths and the one error body on every operation."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of every endpoint.",
    "required": ["status", "code", "message", "errors"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "code": {
            "type": "string",
            "enum": [
                "VALIDATION_ERROR",
                "UNAUTHORIZED",
                "FORBIDDEN",
                "NOT_FOUND",
                "METHOD_NOT_ALLOWED",
                "INVALID_TRANSITION",
                "CONFLICT",
                "PRECONDITION_FAILED",
                "PAYLOAD_TOO_LARGE",
                "UNSUPPORTED_MEDIA_TYPE",
                "THROTTLED",
                "INTERNAL_ERROR",
            ],
        },
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "allowed": {"type": "array", "items": {"type": "string"}, "description": "INVALID_TRANSITION: targets."},
        "current": {"type": "string", "description": "INVALID_TRANSITION: the ticket's status."},
        "current_version": {"type": "integer", "description": "PRECONDITION_FAILED: the ticket's version."},
    },
}
# Errors any endpoint can give; endpoints document their specific ones (409, 412, 413, 415) themselves.
COMMON_ERRORS = {
    "400": "VALIDATION_ERROR: the request is not valid",
    "401": "UNAUTHORIZED: no or bad credentials",
    "403": "FORBIDDEN: your role may not do this",
    "404": "NOT_FOUND: no such resource, or one you may not see",
    "429": "THROTTLED: too many requests; see Retry-After",
    "500": "INTERNAL_ERROR",
}
_REF = {"$ref": "#/components/schemas/Error"}
_METHODS = ("get", "post", "put", "patch", "delete")


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _REF}}}


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Document paths as PRODUCT.md writes them (both forms are served) and every error's body."""
    paths = {(path.rstrip("/") if path != "/" else path): item for path, item in result.get("paths", {}).items()}
    for item in paths.values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(status, _error_response(description))
            for status, response in responses.items():
                if status.startswith(("4", "5")) and "content" not in response:
                    response["content"] = _error_response(response.get("description", ""))["content"]
    result["paths"] = paths
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    return result
