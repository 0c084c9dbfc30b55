"""One POST to a receiver: the URL rules, the address check, the timeouts and what is kept of the answer.

No redirect is followed (a 3xx is a failure the admin must fix: the signed request would otherwise
go somewhere nobody registered). With ``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` off, the host is resolved
just before the request and refused when any of its addresses is not public (loopback, private,
link-local, multicast, reserved). The check and the connection resolve the name separately, so a
name whose DNS answer changes in between (rebinding) is not fully covered; keep the setting on only
where every reachable address is one you would let an admin call.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
# What is kept of a response body: enough to see the receiver's error, never a whole page.
RESPONSE_KEEP_BYTES = 2048
USER_AGENT = "Helpdesk-Webhooks/1"


class RefusedURL(ValueError):
    """A URL the product will not call: its message says why (shown to admins)."""


def check_url(url: str) -> None:
    """Raise ``RefusedURL`` unless ``url`` is http(s), has a host and carries no user or password."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise RefusedURL("The URL is not valid.") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedURL("Only http:// and https:// URLs are allowed.")
    if not parts.hostname:
        raise RefusedURL("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise RefusedURL("The URL must not carry a user name or password; the signature authenticates us.")
    if port == 0:
        raise RefusedURL("The URL's port is not valid.")


def check_address(url: str) -> None:
    """Raise ``RefusedURL`` when private addresses are not allowed and the host has one (or does not resolve)."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise ConnectionError(f"The host {parts.hostname} does not resolve ({exc}).") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise RefusedURL(
                f"Refused: {parts.hostname} resolves to {address}, which is not a public address "
                "(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is off)."
            )


@dataclass(frozen=True)
class Answer:
    """What one POST came to: a status code and the start of the body, or the error that stopped it."""

    status_code: int | None
    body: str
    error: str
    duration_ms: int
    # Refused before sending (a URL or address the rules forbid): trying again changes nothing.
    refused: bool = False


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``; never raises for the receiver's failures (they are the answer)."""
    began = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - began) * 1000)

    try:
        check_url(url)
        check_address(url)
        with requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
        ) as response:
            start = response.raw.read(RESPONSE_KEEP_BYTES, decode_content=True) or b""
            text = start.decode(response.encoding or "utf-8", errors="replace")
            return Answer(response.status_code, text, "", took())
    except RefusedURL as exc:
        return Answer(None, "", str(exc), took(), refused=True)
    except requests.Timeout:
        return Answer(None, "", f"Timed out (connect {CONNECT_TIMEOUT:g} s, read {READ_TIMEOUT:g} s).", took())
    except (requests.RequestException, ConnectionError, OSError) as exc:
        return Answer(None, "", f"{type(exc).__name__}: {_short(exc)}", took())


def _short(exc: BaseException) -> str:
    # requests nests the socket error deep in its message; the URL is in it, never a secret (none in URLs).
    return str(exc)[:400]
