"""How a delivery is signed, and how a receiver checks it (the README's recipe does the same).

``X-Helpdesk-Signature: sha256=<hex>`` where ``<hex>`` is HMAC-SHA256 keyed with the endpoint's
secret over ``f"{timestamp}.{body}"``: the ``X-Helpdesk-Timestamp`` header (Unix seconds, new on
every attempt) and the exact bytes of the body. Signing the timestamp lets a receiver refuse an old
request replayed by someone who captured it; the delivery id (``X-Helpdesk-Delivery``) lets it drop
a second copy of one it already handled.
"""

from __future__ import annotations

import hashlib
import hmac

# A receiver's default tolerance for the timestamp (seconds either way).
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Helpdesk-Signature`` value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, header: str, *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True when ``header`` signs ``body`` at ``timestamp`` with ``secret`` and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), header or "")
