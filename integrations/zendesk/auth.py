"""Zendesk authentication: OAuth authorization code with state and PKCE, rotating refresh, API tokens.

The admin's "connect" view does::

    url, state, verifier = build_authorize_url(connection, redirect_uri)
    # keep the verifier server-side, found again by the state (integrations/api/zendesk_auth.py
    # keys it by the state's digest, once); redirect the browser to url
    ...
    # on the callback: the verifier kept under request.GET["state"], then
    exchange_code(connection, request.GET["code"], verifier, redirect_uri)

Every refresh returns a new refresh token and kills the old pair, so refreshes go through
``integrations.tokens`` (one at a time per connection) and are stored at once.

API tokens (basic auth ``{email}/token:{token}``) still work but Zendesk stops them on
30 April 2027 (no new ones since 27 October 2026): ``api_token_warning`` says so.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from integrations.credentials import Tokens, access_token_expiry, connection_label, http_for, moment_in
from integrations.errors import (
    AuthenticationError,
    IntegrationError,
    PermanentError,
    RefreshTokenInvalid,
    TransientError,
)
from integrations.http import JsonHttp, Response, summarise_error
from integrations.services import connection_tokens_store

if TYPE_CHECKING:
    from integrations.models import Connection

logger = logging.getLogger(__name__)

DEFAULT_SCOPE = "read write"
API_TOKEN_END = "30 April 2027"  # noqa: S105 - a date, not a secret


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode("ascii").rstrip("=")


def build_authorize_url(
    connection: Connection, redirect_uri: str, *, scope: str = DEFAULT_SCOPE
) -> tuple[str, str, str]:
    """(url, state, code_verifier) for sending an admin to Zendesk to authorize ``connection``.

    Keep ``state`` and the verifier server-side (never in the URL or a cookie the browser can
    read); the callback finds the verifier by the state it is given (so only the state we sent
    finds one) and hands it to ``exchange_code``. PKCE uses S256.
    """
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43-128
    query = urlencode(
        {
            "response_type": "code",
            "client_id": connection.client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{connection.accounts_base()}/oauth/authorizations/new?{query}", state, verifier


def _post_token_request(connection: Connection, http: JsonHttp, body: dict[str, str]) -> Response:
    """POST to the token endpoint, repeated only where Zendesk cannot have spent the refresh token.

    A 429, or a 503 with ``Retry-After``, is a refusal before any work: sent again after the wait
    (``http`` does it for the 429). A timeout, a dropped connection or another 5xx after sending
    is not repeated: Zendesk may have rotated the pair already, and a repeat would spend a dead
    refresh token (invalid_grant) and get the connection's tokens cleared.
    """
    url = f"{connection.accounts_base()}/oauth/tokens"
    attempt = 1
    while True:
        try:
            return http.send("POST", url, json_body=body, idempotent=False)
        except TransientError as exc:
            wait = exc.retry_after
            if exc.status != 503 or wait is None or wait > http.retry.max_retry_after:
                raise
            if attempt >= http.retry.max_attempts:
                raise
        logger.warning(
            "%s: POST /oauth/tokens answered 503 (attempt %d), retrying in %.2fs",
            connection_label(connection),
            attempt,
            wait,
        )
        http.sleep(wait)
        attempt += 1


def _token_call(connection: Connection, http: JsonHttp, body: dict[str, str], what: str) -> Tokens:
    label = connection_label(connection)
    answer = _post_token_request(connection, http, body)
    data = answer.data if isinstance(answer.data, dict) else {}
    if answer.ok and data.get("access_token"):
        return Tokens(
            access_token=str(data["access_token"]),
            expires_in=data.get("expires_in"),
            refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
            refresh_token_expires_in=data.get("refresh_token_expires_in"),
        )
    code, details = summarise_error(answer.data, answer.text)
    said = connection.redact(f"{code}: {details}" if details else code or f"HTTP {answer.status}")
    if code == "invalid_client":
        raise AuthenticationError(
            f"Zendesk refused the OAuth client of the {label} ({said}): check its client id and secret in the admin.",
            status=answer.status,
        )
    if code == "invalid_grant":
        raise RefreshTokenInvalid(
            f"Zendesk refused the {what} of the {label} ({said}): reconnect the {label} in the admin.",
            status=answer.status,
        )
    if code == "invalid_scope":
        raise PermanentError(
            f"Zendesk refused the scope asked for by the {label} ({said}): allow it for the OAuth client in Zendesk.",
            status=answer.status,
            code=code,
            details=details,
        )
    raise IntegrationError(f"Zendesk's token endpoint failed for the {label}: {said}.", status=answer.status)


def exchange_code(
    connection: Connection, code: str, verifier: str, redirect_uri: str, *, http: JsonHttp | None = None
) -> Connection:
    """Trade the callback's ``code`` for tokens and store them on ``connection`` (a reconnect replaces any old pair).

    Raises ``RefreshTokenInvalid`` when Zendesk refuses the code (expired after 120 s, used,
    wrong verifier or redirect URI): start again from ``build_authorize_url``.
    """
    http = http or http_for(connection)
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": connection.client_id,
        "client_secret": str(connection.client_secret),
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "scope": DEFAULT_SCOPE,
    }
    tokens = _token_call(connection, http, body, "authorization code")
    # The admin just authorized: these tokens win over whatever a refresh may be storing.
    for _ in range(5):
        connection.refresh_from_db(fields=["token_version"])
        if connection_tokens_store(
            connection=connection,
            expected_version=connection.token_version,
            access_token=tokens.access_token,
            access_token_expires_at=access_token_expiry(tokens.expires_in),
            refresh_token=tokens.refresh_token or "",
            refresh_token_expires_at=moment_in(tokens.refresh_token_expires_in),
        ):
            logger.info("%s: authorized", connection_label(connection))
            return connection
    raise IntegrationError(f"The {connection_label(connection)} kept changing while its tokens were stored: try again.")


def refresh(connection: Connection, http: JsonHttp) -> Tokens:
    """Spend the refresh token for a new pair (the old pair dies). Call through ``integrations.tokens`` only."""
    body = {
        "grant_type": "refresh_token",
        "refresh_token": str(connection.refresh_token),
        "client_id": connection.client_id,
        "client_secret": str(connection.client_secret),
    }
    return _token_call(connection, http, body, "refresh token")


def api_token_headers(connection: Connection) -> dict[str, str]:
    """Basic auth for API-token connections: ``{email}/token:{token}``."""
    if not connection.api_email or not connection.api_token:
        raise AuthenticationError(
            f"The {connection_label(connection)} uses an API token but its API email or token is empty: "
            "fill them in in the admin (or move it to OAuth)."
        )
    raw = f"{connection.api_email}/token:{connection.api_token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def api_token_warning(connection: Connection) -> str | None:
    """The warning to show for a connection still on an API token, or None."""
    if not connection.uses_api_token_warning:
        return None
    return (
        f"The {connection_label(connection)} authenticates with an API token. Zendesk stops API tokens on "
        f"{API_TOKEN_END} (and issues no new ones since 27 October 2026): switch it to OAuth in the admin."
    )
