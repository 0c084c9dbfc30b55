"""Zoho Accounts: ``POST /oauth/v2/token`` and ``POST /oauth/v2/token/revoke``.

Parameters come as query parameters (Zoho's examples) or a form body; both are merged. Every
failure is HTTP 200 with an ``error`` key, except where a knob says otherwise.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from ._errors import Response

ACCESS_DENIED = {
    "error": "Access Denied",
    "error_description": "You have made too many requests continuously. Please try again after some time.",
    "status": "failure",
}
SCOPE = "Desk.tickets.ALL,Desk.contacts.READ,Desk.basic.READ,Desk.settings.READ,Desk.search.READ,Desk.events.ALL"


def _params(query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> dict[str, str]:
    merged = {key: values[-1] for key, values in query.items()}
    if body and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        merged.update({key: values[-1] for key, values in form.items()})
    return merged


def _grant(fake: Any, access_token: str, refresh_token: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"access_token": access_token}
    if refresh_token:
        answer["refresh_token"] = refresh_token
    if fake.token_response_extras:
        # The real value is e.g. https://www.zohoapis.com; a client that follows it must stay on the fake.
        answer["scope"] = SCOPE
        answer["api_domain"] = fake.base_url
    answer["token_type"] = "Bearer"  # noqa: S105 - a token type, not a secret
    answer["expires_in"] = fake.access_token_lifetime
    return answer


def token(fake: Any, method: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Response:
    if method != "POST":
        return Response(405, {"error": "invalid_request", "error_description": "Use POST"})
    params = _params(query, headers, body)
    client_id = params.get("client_id", "")
    with fake.lock:
        if client_id not in fake.clients:
            fake.counters["token_error"] += 1
            return Response(200, {"error": "invalid_client"})
        if fake.clients[client_id] != params.get("client_secret"):
            fake.counters["token_error"] += 1
            return Response(200, {"error": fake.bad_secret_error})
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            code = fake.grant_codes.pop(params.get("code", ""), None)
            if code is None or code["client_id"] != client_id:
                fake.counters["token_error"] += 1
                return Response(200, {"error": "invalid_code"})
            refresh_token = fake.add_refresh_token(client_id)
            fake.counters["token_exchange"] += 1
            return Response(200, _grant(fake, fake.mint_access_token(refresh_token), refresh_token))
        if grant_type != "refresh_token":
            fake.counters["token_error"] += 1
            return Response(200, {"error": "unsupported_grant_type"})
        refresh_token = params.get("refresh_token", "")
        record = fake.refresh_tokens.get(refresh_token)
        if record is None or record["revoked"] or record["client_id"] != client_id:
            fake.counters["token_error"] += 1
            return Response(200, {"error": "invalid_code"})
        now = fake.clock()
        record["mints"] = [moment for moment in record["mints"] if moment > now - fake.mint_window]
        if len(record["mints"]) >= fake.mint_limit:
            fake.counters["token_throttled"] += 1
            return Response(fake.mint_limit_status, dict(ACCESS_DENIED))
        fake.counters["token_refresh"] += 1
        return Response(200, _grant(fake, fake.mint_access_token(refresh_token)))


def revoke(fake: Any, method: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Response:
    if method != "POST":
        return Response(405, {"error": "invalid_request", "error_description": "Use POST"})
    params = _params(query, headers, body)
    if fake.revoke_refresh_token(params.get("token", "")):
        fake.counters["token_revoke"] += 1
        return Response(200, {"status": "success"})
    return Response(200, {"error": "invalid_token"})
