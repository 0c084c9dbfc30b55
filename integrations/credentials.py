"""What the desks' sign-in code and the token keeper share: the tokens a desk answers, the HTTP
client named for a connection, and when a stored access token counts as ended.

Below both ``integrations.tokens`` (which refreshes) and the desks' ``auth`` modules (which know
each desk's token endpoint), so neither imports the other's module to reach these.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from integrations.http import DEFAULT_TIMEOUT, JsonHttp, RetryPolicy
from integrations.models.connection import ACCESS_TOKEN_MARGIN

if TYPE_CHECKING:
    from integrations.models import Connection


@dataclass(frozen=True)
class Tokens:
    """What a desk's token endpoint answered. ``refresh_token`` None: the old one stays (Zoho)."""

    access_token: str
    expires_in: float | None
    refresh_token: str | None = None
    refresh_token_expires_in: float | None = None


def connection_label(connection: Connection) -> str:
    """``Zendesk connection 'Acme'``: how messages name a connection."""
    return f"{connection.get_provider_display()} connection '{connection.name}'"


def http_for(
    connection: Connection,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> JsonHttp:
    """A ``JsonHttp`` that names ``connection`` in its messages and redacts its secrets."""
    return JsonHttp(
        label=connection_label(connection), timeout=timeout, retry=retry, redact=connection.redact, sleep=sleep
    )


def moment_in(seconds: float | None) -> datetime | None:
    """Now plus ``seconds``; None stays None (an unknown lifetime)."""
    return None if seconds is None else timezone.now() + timedelta(seconds=float(seconds))


def access_token_expiry(expires_in: float | None) -> datetime | None:
    """The ``access_token_expires_at`` to store for an access token that lives ``expires_in`` seconds from now.

    Readers refresh ``ACCESS_TOKEN_MARGIN`` (60 s) before the stored end. For a token living at
    least four margins that is its real end. A shorter-lived token would be stale at birth, so
    the margin it gets is a quarter of its life and its stored end is moved later to match: a
    45 s token is used for 33.75 s, then refreshed. None stays None.
    """
    if expires_in is None:
        return None
    lifetime = timedelta(seconds=float(expires_in))
    margin = min(ACCESS_TOKEN_MARGIN, lifetime / 4)
    return timezone.now() + lifetime - margin + ACCESS_TOKEN_MARGIN
