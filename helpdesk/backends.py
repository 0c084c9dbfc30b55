"""Where the cache and the task queue live: Redis when REDIS_URL is set, else memory and files under var/.

Read by ``helpdesk/settings.py``; nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Backends:
    caches: dict[str, dict[str, object]]
    broker_url: str
    transport_options: dict[str, object]
    worker_pool: str | None = None  # None: Celery's default (prefork)


def redis_backends(url: str) -> Backends:
    # Redis away must not fail requests: the cache fails fast and open (helpdesk/cache.py, the README's
    # "Redis away" table), and publishing gives up within a second (helpdesk/queue.py), the work
    # staying in its outbox for the relays.
    return Backends(
        caches={
            "default": {
                "BACKEND": "helpdesk.cache.ResilientRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "outage_seconds": 2},
            }
        },
        broker_url=url,
        transport_options={"visibility_timeout": 3600, "socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    )


def file_backends(var_dir: Path) -> Backends:
    """A queue in files under var/: worker and beat still run as processes of their own and tasks
    survive a restart, with no broker service to install. Makes its folders."""
    celery = var_dir / "celery"
    for folder in ("queue", "processed", "control"):
        (celery / folder).mkdir(parents=True, exist_ok=True)
    return Backends(
        caches={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        broker_url="filesystem://",
        transport_options={
            "data_folder_in": str(celery / "queue"),
            "data_folder_out": str(celery / "queue"),
            "processed_folder": str(celery / "processed"),
            "store_processed": False,
            # Broadcast (pidbox) exchanges; kombu's default is ./control in whatever directory we run from.
            "control_folder": str(celery / "control"),
        },
        # This transport has no event loop, so a prefork worker falls back to billiard's blocking pool,
        # whose children take turns on one shared queue lock. A SIGTERM to the whole process group
        # (systemd, a terminal, `kill -- -PGID`) kills the child holding that lock, and the worker's exit
        # then waits for it forever ("Warm shutdown" that no signal but SIGKILL ends). Threads share
        # no lock with a process that can die, and a stopped worker is gone once its running tasks end.
        worker_pool="threads",
    )
