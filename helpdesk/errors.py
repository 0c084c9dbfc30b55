"""Errors the services raise, each carrying the product's error code.

Every face (API, admin, portal, tasks) catches ``HelpdeskError`` and shows it in
its own way; the API turns it into the one error shape of PRODUCT.md.
"""

from __future__ import annotations

from typing import ClassVar


class HelpdeskError(Exception):
    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.extra = extra


class ValidationFailed(HelpdeskError):
    code = "VALIDATION_ERROR"
    http_status = 400

    @classmethod
    def on(cls, field: str, detail: str) -> ValidationFailed:
        return cls(detail, {field: [detail]})


class PermissionDenied(HelpdeskError):
    code = "FORBIDDEN"
    http_status = 403


class NotFound(HelpdeskError):
    code = "NOT_FOUND"
    http_status = 404


class Conflict(HelpdeskError):
    code = "CONFLICT"
    http_status = 409


class InvalidTransition(HelpdeskError):
    code = "INVALID_TRANSITION"
    http_status = 409


class PreconditionFailed(HelpdeskError):
    code = "PRECONDITION_FAILED"
    http_status = 412


class PayloadTooLarge(HelpdeskError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class UnsupportedMediaType(HelpdeskError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


class ScanPending(HelpdeskError):
    """A file not yet scanned clean by the virus scanner: kept, never served until it is."""

    code = "SCAN_PENDING"
    http_status = 409


class FileRemoved(HelpdeskError):
    """A file the virus scanner deleted after it was stored (infected, or too large to scan)."""

    code = "FILE_REMOVED"
    http_status = 410


class InfectedFile(HelpdeskError):
    """An upload in which the virus scanner found something: refused, nothing kept."""

    code = "INFECTED_FILE"
    http_status = 422


class ServiceUnavailable(HelpdeskError):
    code = "SERVICE_UNAVAILABLE"
    http_status = 503
