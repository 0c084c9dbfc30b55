"""Zoho Accounts: refresh a connection's access token, within Zoho's mint limit.

- ``POST {accounts}/oauth/v2/token`` with ``grant_type=refresh_token``, client id and secret and
  the refresh token, in the query string as Zoho's documentation shows and in a form body too.
  The URL holds secrets, so it is never logged: our HTTP layer logs method and path only, and
  urllib3's URL-per-request debug lines are off (``LOGGING`` in settings).
  ``{accounts}`` is the connection's data centre (``accounts.zoho.eu``...; ``accounts_base()``).
- Zoho reports failures as **HTTP 200 with an ``error`` key**: ``invalid_code`` (the refresh
  token is revoked or not this client's) -> ``RefreshTokenInvalid``; a wrong client ->
  ``AuthenticationError``; ``Access Denied`` (too many mints) -> ``MintLimited``.
- One refresh token mints at most 10 access tokens per 10 minutes. Each mint is recorded in
  the cache (per connection and refresh token) and the 11th is refused here, before Zoho
  refuses it and makes us wait. The record is as shared as the cache: across processes with
  Redis, per process with the local-memory cache; Zoho's own refusal is the backstop.
- The refresh token does not rotate: only the access token (1 hour) is stored, and a refresh
  whose answer was lost (timeout, dropped connection, 5xx) is sent again by the HTTP layer.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from django.core.cache import cache

from integrations.credentials import Tokens, connection_label
from integrations.errors import AuthenticationError, IntegrationError, MintLimited, RefreshTokenInvalid
from integrations.http import JsonHttp, summarise_error

if TYPE_CHECKING:
    from integrations.models import Connection

MINT_LIMIT = 10
MINT_WINDOW_SECONDS = 600.0
_BAD_CLIENT = {"invalid_client", "invalid_client_secret"}


def _mints_key(connection: Connection) -> str:
    # The refresh token's digest, not the token: a new token starts a new window, and the
    # cache never holds a secret.
    digest = hashlib.sha256(str(connection.refresh_token).encode()).hexdigest()[:16]
    return f"integrations:zoho:mints:{connection.pk}:{digest}"


def recent_mints(connection: Connection, *, now: float | None = None) -> list[float]:
    """When (Unix time) access tokens were minted from the connection's refresh token in the last 10 minutes."""
    now = time.time() if now is None else now
    return [moment for moment in cache.get(_mints_key(connection), []) if moment > now - MINT_WINDOW_SECONDS]


def _record_mint(connection: Connection, moments: list[float], now: float) -> None:
    # Called under the connection's refresh lock (integrations.tokens), so this read-modify-write does not race.
    cache.set(_mints_key(connection), [*moments, now], timeout=int(MINT_WINDOW_SECONDS) + 60)


def _mint_limited(connection: Connection, retry_after: float) -> MintLimited:
    return MintLimited(
        f"The {connection_label(connection)} has minted {MINT_LIMIT} access tokens in 10 minutes, Zoho's limit "
        f"per refresh token: the next refresh can be made in {retry_after:.0f} s. Something is refreshing too "
        "often (tokens live an hour); if it persists check that workers share the cache.",
        retry_after=retry_after,
    )


def refresh(connection: Connection, http: JsonHttp) -> Tokens:
    """A new access token from the refresh token. Call through ``integrations.tokens`` only."""
    label = connection_label(connection)
    now = time.time()
    moments = recent_mints(connection, now=now)
    if len(moments) >= MINT_LIMIT:
        raise _mint_limited(connection, max(1.0, min(moments) + MINT_WINDOW_SECONDS - now))
    form = {
        "grant_type": "refresh_token",
        "client_id": connection.client_id,
        "client_secret": str(connection.client_secret),
        "refresh_token": str(connection.refresh_token),
    }
    # In the query string, as Zoho documents it, and in a form body, as OAuth servers read it: a
    # desk (or a proxy, or a fake) reading only one of them still gets every parameter.
    # Safe to repeat after a timeout, a drop or a 5xx: Zoho's refresh token does not rotate, so a
    # lost answer costs at most one extra mint (a mint is recorded only when one is answered).
    answer = http.send("POST", f"{connection.accounts_base()}/oauth/v2/token", params=form, form=form, idempotent=True)
    data = answer.data if isinstance(answer.data, dict) else {}
    error = data.get("error")
    if answer.ok and not error and data.get("access_token"):
        _record_mint(connection, moments, now)
        return Tokens(access_token=str(data["access_token"]), expires_in=data.get("expires_in"))
    code, details = summarise_error(answer.data, answer.text)
    said = connection.redact(f"{code}: {details}" if details else code or f"HTTP {answer.status}")
    if error == "Access Denied":
        # Zoho does not say when; our record may, else assume the whole window.
        retry_after = min(moments) + MINT_WINDOW_SECONDS - now if moments else MINT_WINDOW_SECONDS
        raise _mint_limited(connection, max(1.0, retry_after))
    if error == "invalid_code":
        raise RefreshTokenInvalid(
            f"Zoho refused the refresh token of the {label} ({said}): it was revoked or belongs to another "
            f"client. Reconnect the {label} in the admin.",
            status=answer.status,
        )
    if error in _BAD_CLIENT:
        raise AuthenticationError(
            f"Zoho refused the OAuth client of the {label} ({said}): check its client id and secret in the admin "
            "(and that the data centre is the account's).",
            status=answer.status,
        )
    raise IntegrationError(f"Zoho's token endpoint failed for the {label}: {said}.", status=answer.status)
