"""The status workflow: the one table of allowed moves, and the rules around it.

Pure: no database, no settings. ``ticket_transition`` in the services enforces it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tickets.choices import Status

S = Status

# PRODUCT.md, "Status workflow". Nothing else in the code decides which moves exist.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.OPEN, S.IN_PROGRESS, S.CLOSED}),
    S.OPEN: frozenset({S.IN_PROGRESS, S.PENDING, S.ON_HOLD, S.ESCALATED, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.ESCALATED, S.RESOLVED}),
    S.PENDING: frozenset({S.OPEN, S.IN_PROGRESS, S.CLOSED}),
    S.ON_HOLD: frozenset({S.OPEN, S.IN_PROGRESS}),
    S.ESCALATED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.OPEN, S.IN_PROGRESS, S.RESOLVED}),
}

# The resolution clock runs, pauses or stops by status (PRODUCT.md, "SLA rules").
SLA_RUNNING = frozenset({S.NEW, S.OPEN, S.IN_PROGRESS, S.ESCALATED, S.REOPENED})
SLA_PAUSED = frozenset({S.PENDING, S.ON_HOLD})
SLA_STOPPED = frozenset({S.RESOLVED, S.CLOSED})

# Tickets still waiting for work (queues, aging, "open" filters).
ACTIVE_STATUSES = SLA_RUNNING | SLA_PAUSED
DONE_STATUSES = SLA_STOPPED

# Statuses in a stable, human order for menus and error messages.
ORDER = list(Status)


def allowed_targets(current: Status | str) -> list[Status]:
    """The statuses a ticket in ``current`` may move to, in workflow order."""
    targets = TRANSITIONS[Status(current)]
    return [status for status in ORDER if status in targets]


def is_allowed(current: Status | str, target: Status | str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def steps_to(current: Status | str, target: Status | str) -> list[Status] | None:
    """The moves from ``current`` to ``target``: direct, or through ``open`` (a new ticket is resolved
    or escalated by opening it first, as the table allows); None if neither."""
    if is_allowed(current, target):
        return [Status(target)]
    if is_allowed(current, S.OPEN) and is_allowed(S.OPEN, target):
        return [S.OPEN, Status(target)]
    return None


def reopen_window_open(closed_at: datetime | None, now: datetime, window_days: int) -> bool:
    """A closed ticket may be reopened only within ``window_days`` of closing."""
    if closed_at is None:
        return True
    return now - closed_at <= timedelta(days=window_days)


def target_after_assignment(current: Status | str) -> Status | None:
    """Assigning a ``new`` ticket opens it; other statuses are left alone."""
    return S.OPEN if Status(current) == S.NEW else None


def target_after_requester_reply(
    current: Status | str, *, closed_at: datetime | None, now: datetime, window_days: int
) -> Status | None:
    """Where a public reply from the requester moves the ticket (PRODUCT.md, the workflow).

    ``pending`` goes back to ``open``; ``resolved``, and ``closed`` within the reopen window, go to
    ``reopened``; anything else stays where it is. A closed ticket past the window is not moved:
    the reply opens a follow-up ticket instead (``needs_follow_up``).
    """
    current = Status(current)
    if current == S.PENDING:
        return S.OPEN
    if current == S.RESOLVED or (current == S.CLOSED and reopen_window_open(closed_at, now, window_days)):
        return S.REOPENED
    return None


def needs_follow_up(current: Status | str, *, closed_at: datetime | None, now: datetime, window_days: int) -> bool:
    """A requester's reply to a ticket closed longer ago than the window opens a new, linked ticket."""
    return Status(current) == S.CLOSED and not reopen_window_open(closed_at, now, window_days)
