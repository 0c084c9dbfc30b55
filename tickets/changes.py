"""A desk-wide "tickets changed" number, bumped once after every committed ticket write.

Caches of figures that describe the tickets as they are now (the reports' unassigned, overdue and
open-by-status figures, any range that reaches the present) put this number in their key: the first
read after a write misses and computes afresh, while figures of past ranges stay cached.

It lives in the default cache under ``KEY``. Every save or delete of a ``Ticket`` and every recorded
``TicketEvent`` notes a change (``tickets/apps.py`` connects the receivers); the few services that
write tickets with ``QuerySet.update`` or ``bulk_create`` (the SLA sweep, a merge) call
``note_tickets_changed`` themselves. The bump runs after the transaction commits, once per
transaction, and never fails the write: a cache that is away or broken is logged and ignored (the
cache then forgets what it is given anyway, see ``helpdesk/cache.py``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

KEY = "tickets:changed"


def _fresh_value() -> int:
    # A key that was lost (evicted, Redis flushed) starts again from a number never used before,
    # so an answer cached under an old number can never be served as current.
    return time.time_ns()


def tickets_changed_version() -> int:
    """The current number; one cache read (and one write the first time, or after the key was lost)."""
    version = cache.get(KEY)
    if version is None:
        fresh = _fresh_value()
        cache.add(KEY, fresh, timeout=None)
        version = cache.get(KEY, fresh)
    return int(version)


def _bump() -> None:
    try:
        try:
            cache.incr(KEY)
        except ValueError:  # no such key (never set, evicted) or the cache is unreachable
            cache.set(KEY, _fresh_value(), timeout=None)
    except Exception:
        # The write has committed; a stale figure for a minute is better than an error after it.
        logger.exception("Could not note a ticket change in the cache; live report figures may lag.")


def _bump_once() -> Any:
    """One transaction's commit hook, marked as ours and knowing whether it ran
    (a test's captured hooks stay listed after running)."""

    def bump_tickets_changed() -> None:
        bump_tickets_changed.ran = True  # type: ignore[attr-defined]
        _bump()

    bump_tickets_changed.ran = False  # type: ignore[attr-defined]
    return bump_tickets_changed


def is_pending_bump(hook: Any) -> bool:
    return getattr(hook, "__name__", "") == "bump_tickets_changed" and not getattr(hook, "ran", True)


def note_tickets_changed(using: str | None = None) -> None:
    """Bump the number after the current transaction commits (now, outside one); once per transaction."""
    connection = transaction.get_connection(using)
    pending = connection.run_on_commit if connection.in_atomic_block else ()
    if any(is_pending_bump(hook) for _sids, hook, _robust in pending):
        return
    transaction.on_commit(_bump_once(), using=using, robust=True)


def ticket_saved(sender: Any, instance: Any = None, raw: bool = False, using: str | None = None, **kwargs: Any) -> None:
    """Receiver for ``post_save``/``post_delete`` of tickets and their events."""
    if not raw:
        note_tickets_changed(using)
