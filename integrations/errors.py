"""What can go wrong talking to an external desk, as types the sync engine can act on.

- ``AuthenticationError``: the desk refused our credentials; a person must fix them (the
  message says where). Not retried.
- ``PermanentError``: the desk refused the request itself (4xx other than 401/429); sending it
  again changes nothing. Carries the remote's error summarised (never a secret).
- ``TransientError``: 5xx, timeouts, dropped connections, still failing after the retries;
  worth trying again later. ``RateLimited`` (429) and ``MintLimited`` (Zoho's token mint
  limit) say when.

Every message is safe to log and to show in the admin: callers redact secrets before building
one, and no message contains a request's query string or headers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone


class IntegrationError(Exception):
    """Base of every error the integrations' HTTP layer, token manager and clients raise."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuthenticationError(IntegrationError):
    """The desk refused our credentials (401, a revoked or rotated-away refresh token, a wrong client secret).

    ``token_rejected`` is True when an access token was refused by the API, which a fresh
    token may cure (clients refresh once and try again); False when the credentials
    themselves are dead and only a person can help.
    """

    def __init__(self, message: str, *, status: int | None = None, token_rejected: bool = False) -> None:
        super().__init__(message, status=status)
        self.token_rejected = token_rejected


class RefreshTokenInvalid(AuthenticationError):
    """The desk refused the refresh token itself (revoked, expired, already rotated away): reconnect."""


class PermanentError(IntegrationError):
    """The desk refused the request (400, 403, 404, 405, 409, 422, ...): retrying will not help.

    ``code`` is the remote's error name (``RecordInvalid``, ``INVALID_DATA``...) and
    ``details`` its summary of what was wrong, field by field where it says.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str = "", details: str = "") -> None:
        super().__init__(message, status=status)
        self.code = code
        self.details = details


class TransientError(IntegrationError):
    """5xx, a timeout or a dropped connection that outlasted the retries: try again later.

    ``maybe_applied`` is True when a request that is not safe to repeat (a create, a comment)
    may have reached the desk before failing: look before sending it again.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied

    @property
    def retry_at(self) -> datetime | None:
        """When the desk said to come back, if it said."""
        if self.retry_after is None:
            return None
        return timezone.now() + timedelta(seconds=self.retry_after)


class RateLimited(TransientError):
    """429 after the retries, or with a ``Retry-After`` too long to wait for in-line."""


class MintLimited(RateLimited):
    """Zoho refuses (or we refuse locally) a token refresh: 10 mints per refresh token per 10 minutes."""
