"""One POST to a receiver: the URL rules, the address check, the timeouts and what is kept of the answer.

No redirect is followed (a 3xx is a failure the admin must fix: the signed request would otherwise
go somewhere nobody registered), and no proxy from the environment is used. With
``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` off, the host is resolved when the connection is made and
refused when any of its addresses is not public (loopback, private, link-local, multicast, reserved);
the connection then goes to the address that was checked (TLS still checks the certificate against the
host name), so a DNS answer that changes between the check and the connection (rebinding) cannot
slip a private address through.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError

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


def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: its first, once every one it resolves to is public.

    Raises ``RefusedURL`` for a host with an address that is not public, ``OSError`` for one that
    does not resolve (tried again later: DNS can come back).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    for address in addresses:
        if not address.is_global:
            raise RefusedURL(
                f"Refused: {host} resolves to {address}, which is not a public address "
                "(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is off)."
            )
    return str(addresses[0])


class _Checked:
    """A connection that checks the address it is about to open, and opens exactly that one."""

    def _new_conn(self):  # type: ignore[no-untyped-def]
        if not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
            try:
                self._dns_host = public_address(self._dns_host, self.port)  # type: ignore[attr-defined]
            except socket.gaierror as exc:  # as urllib3 reports a name that does not resolve
                raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[attr-defined, arg-type]
        return super()._new_conn()  # type: ignore[misc]


class _CheckedHTTPConnection(_Checked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the address checked is the one called
    adapter = _CheckedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


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
        with (
            _session() as session,
            session.post(
                url,
                data=body,
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
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
    """The root of a connection failure ("[Errno 111] Connection refused"), not requests' nesting of it."""
    root, seen = exc, set()
    while id(root) not in seen:
        seen.add(id(root))
        inner = getattr(root, "reason", None) or root.__cause__
        if inner is None and root.args and isinstance(root.args[0], BaseException):
            inner = root.args[0]
        if not isinstance(inner, BaseException):
            break
        root = inner
    return str(root)[:400]
