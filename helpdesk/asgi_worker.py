"""gunicorn's worker for the site under ASGI (``bin/serve web``): uvicorn, as the product needs it.

- ``timeout_graceful_shutdown``: on SIGTERM, requests in flight get this long, then open live
  streams (tickets/live/stream.py) are cancelled; browsers reconnect to another process. It
  stays under gunicorn's ``--graceful-timeout`` (8 s), itself under the 10 s of docker stop.
- ``proxy_headers`` off: the client's address is decided in one place, ``helpdesk/client_ip.py``
  (``TRUSTED_PROXIES``), not by uvicorn trusting ``X-Forwarded-For`` from 127.0.0.1 as well.
- ``lifespan`` off: Django has no startup or shutdown events to run.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker

GRACEFUL_SHUTDOWN_SECONDS = 5


class Worker(UvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "asyncio",
        "http": "h11",
        "lifespan": "off",
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
