"""Statuses and priorities, ours to the desks' and back (EXTERNAL-APIS.md, "Mapping"). Pure: no database.

Zendesk has no ``escalated`` status: it is ``open`` with the tag ``escalated``; ``on_hold`` is
``hold`` only where the account has switched the hold status on (``hold_enabled``), else ``pending``.
Zoho maps by ``statusType`` (Open / On Hold / Closed), so custom statuses map too; a
connection's ``status_map_overrides`` names the remote status for a local one where the default
does not fit, and is read backwards on the way in.

Whether a remote value differs from ours is decided in the desk's terms (``*_status_out(ours) ==
theirs``): ``in_progress`` and ``open`` are both Zendesk ``open``, so a pull never turns one into the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tickets.choices import Priority, Status

ESCALATED_TAG = "escalated"
PRIORITIES: tuple[str, ...] = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)

_ZENDESK_OUT = {
    Status.NEW: "new",
    Status.OPEN: "open",
    Status.IN_PROGRESS: "open",
    Status.REOPENED: "open",
    Status.ESCALATED: "open",
    Status.PENDING: "pending",
    Status.ON_HOLD: "hold",
    Status.RESOLVED: "solved",
    Status.CLOSED: "closed",
}
_ZENDESK_IN = {
    "new": Status.NEW,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "hold": Status.ON_HOLD,
    "solved": Status.RESOLVED,
    "closed": Status.CLOSED,
}
_ZENDESK_PRIORITY = {Priority.LOW: "low", Priority.MEDIUM: "normal", Priority.HIGH: "high", Priority.URGENT: "urgent"}

_ZOHO_OUT = {
    Status.NEW: "Open",
    Status.OPEN: "Open",
    Status.IN_PROGRESS: "Open",
    Status.REOPENED: "Open",
    Status.ESCALATED: "Escalated",
    Status.PENDING: "On Hold",
    Status.ON_HOLD: "On Hold",
    Status.RESOLVED: "Closed",
    Status.CLOSED: "Closed",
}
# By statusType. "On Hold" is on_hold (a third party) rather than pending: Zoho's one waiting status
# covers both, and comparing in Zoho's terms keeps a local pending ticket pending.
_ZOHO_TYPE_IN = {"open": Status.OPEN, "on hold": Status.ON_HOLD, "closed": Status.CLOSED}
_REOPENING = {Status.OPEN, Status.NEW}
_DONE = {Status.RESOLVED, Status.CLOSED}


@dataclass(frozen=True)
class ZendeskStatus:
    status: str
    escalated: bool  # whether the ticket carries the ``escalated`` tag


def zendesk_status_out(status: str, *, hold_enabled: bool) -> ZendeskStatus:
    """Our status as Zendesk's status and whether the ``escalated`` tag belongs on the ticket."""
    remote = _ZENDESK_OUT[Status(status)]
    if remote == "hold" and not hold_enabled:
        remote = "pending"
    return ZendeskStatus(remote, status == Status.ESCALATED)


def zendesk_status_in(status: str | None, tags: Sequence[str] = ()) -> Status | None:
    """Zendesk's status (and tags) as ours; None for what we do not map (``deleted``, missing)."""
    local = _ZENDESK_IN.get(str(status or "").lower())
    if local == Status.OPEN and ESCALATED_TAG in {str(tag).lower() for tag in tags}:
        return Status.ESCALATED
    return local


def zendesk_status_matches(local: str, remote: str | None, tags: Sequence[str], *, hold_enabled: bool) -> bool:
    """True when Zendesk already shows our status (so there is nothing to pull or push)."""
    out = zendesk_status_out(local, hold_enabled=hold_enabled)
    remote = str(remote or "").lower()
    # "hold" arriving while hold is off still means waiting: compare it as pending.
    if remote == "hold" and not hold_enabled:
        remote = "pending"
    return out.status == remote and out.escalated == (ESCALATED_TAG in {str(t).lower() for t in tags})


def zendesk_priority_out(priority: str) -> str:
    return _ZENDESK_PRIORITY[Priority(priority)]


def zendesk_priority_in(priority: str | None) -> Priority | None:
    """Zendesk's priority as ours; None when the ticket has none (keep ours)."""
    for local, remote in _ZENDESK_PRIORITY.items():
        if remote == str(priority or "").lower():
            return local
    return None


def zoho_status_out(status: str, overrides: Mapping[str, str] | None = None) -> str:
    """Our status as a Zoho status name (the connection's override first)."""
    overrides = overrides or {}
    return overrides.get(str(status)) or _ZOHO_OUT[Status(status)]


def zoho_status_in(
    status: str | None, status_type: str | None, overrides: Mapping[str, str] | None = None
) -> Status | None:
    """A Zoho status (name and statusType) as ours: an override read backwards, Escalated, else by statusType."""
    name = str(status or "").strip().lower()
    for local, remote in (overrides or {}).items():
        if remote.strip().lower() == name:
            return Status(local)
    if name == "escalated":
        return Status.ESCALATED
    # Without a statusType (some answers leave it out) the default statuses are known by name.
    return _ZOHO_TYPE_IN.get(str(status_type or "").strip().lower() or name)


def zoho_status_matches(local: str, remote: str | None, overrides: Mapping[str, str] | None = None) -> bool:
    return zoho_status_out(local, overrides).lower() == str(remote or "").strip().lower()


def zoho_priority_out(priority: str, picklist: Sequence[str]) -> str | None:
    """Our priority as the department's picklist value (lowest first); None without a picklist."""
    if not picklist:
        return None
    return picklist[min(PRIORITIES.index(Priority(priority)), len(picklist) - 1)]


def zoho_priority_in(priority: str | None, picklist: Sequence[str]) -> Priority | None:
    """A Zoho picklist value as ours, by its place in the list (case-insensitive); None if unknown."""
    wanted = str(priority or "").strip().lower()
    for index, name in enumerate(picklist):
        if name.lower() == wanted:
            return Priority(PRIORITIES[min(index, len(PRIORITIES) - 1)])
    return None


def reopening_target(current: str, target: Status) -> Status:
    """A remote reopen of a ticket we hold as resolved or closed arrives as ``reopened``, the workflow's word."""
    if current in _DONE and target in _REOPENING:
        return Status.REOPENED
    return target
