"""The client's address, the one rule every throttle and the login lockout key on.

``X-Forwarded-For`` is written by whoever sends the request, so it is read only when the
connection comes from a proxy named in ``TRUSTED_PROXIES`` (addresses or networks; none by
default). Then the header is read from the right, skipping our own proxies: the first address
that is not one of them is the client as our outermost proxy saw it. Anything a client put to
the left of that is never read, so forging the header changes nothing.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _address(text: str) -> Address | None:
    """An address as proxies write it: bare, ``1.2.3.4:5678``, ``[::1]:5678``; IPv4-mapped IPv6 as IPv4."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # an IPv4 address with a port (some cloud load balancers)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (``REMOTE_ADDR`` unless it is a trusted proxy)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))

    def trusted(address: Address | None) -> bool:
        return address is not None and any(address in network for network in networks)

    nearest = _address(remote)
    if not trusted(nearest):
        return str(nearest) if nearest is not None else remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            # Our proxies write addresses; anything else came from the client: stop at the last proxy.
            break
        nearest = address
        if not trusted(address):
            break
    return str(nearest)
