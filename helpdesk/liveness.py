"""Are the worker and the beat alive? What ``/health?deep=1`` and the console's dashboard say.

Beat sends ``helpdesk.tasks.heartbeat`` every ``HEARTBEAT_SECONDS``; a worker running it writes
the ``beat`` row. A fresh row proves the whole chain: beat schedules, the broker carries, a worker
runs and reaches the database. The message expires after a minute, so heartbeats queued while
every worker was down cannot make a worker that comes back look alive for long. On Redis the
workers are also asked directly (Celery's broadcast ``ping``), which names each one that answers;
the file-system broker has no broadcast, so there only the heartbeat speaks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from helpdesk.celery import app as celery_app
from helpdesk.models import Heartbeat

HEARTBEAT_SECONDS = 30
# Three missed heartbeats: the beat or every worker is down (or the queue is that far behind).
LATE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
BEAT = "beat"


def heartbeat_record(*, detail: str = "", now: datetime | None = None) -> None:
    """A worker ran the heartbeat that beat sent: both are alive."""
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"seen_at": now or timezone.now(), "detail": detail[:200]})


def workers_answering(timeout: float = 1.0) -> list[str] | None:
    """The node names of the workers that answer a broadcast ping; None where the broker has no broadcast."""
    if not settings.REDIS_URL:
        return None
    try:
        replies = celery_app.control.inspect(timeout=timeout).ping() or {}
    except Exception:  # noqa: BLE001 - a broker that is down: nobody answered
        return []
    return sorted(replies)


def background_state(now: datetime | None = None, *, ask_workers: bool = True) -> dict[str, Any]:
    """``{"status": "ok" | "late" | "never", "last_seen", "age_seconds", "worker", "workers"}``."""
    now = now or timezone.now()
    row = Heartbeat.objects.filter(name=BEAT).first()
    state: dict[str, Any] = {"status": "never", "last_seen": None, "age_seconds": None, "worker": ""}
    if row is not None:
        age = now - row.seen_at
        state.update(
            status="ok" if age <= LATE_AFTER else "late",
            last_seen=row.seen_at.isoformat(),
            age_seconds=max(0, int(age.total_seconds())),
            worker=row.detail,
        )
    if ask_workers:
        state["workers"] = workers_answering()
    return state
