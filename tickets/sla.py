"""SLA arithmetic: pure functions of instants and durations, no database.

All arithmetic happens on UTC instants. Policies currently run on 24x7 time,
where a target is wall-clock time ("5 d" = 120 h).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("SLA arithmetic needs aware datetimes.")
    return moment.astimezone(UTC)


def add_duration(start: datetime, duration: timedelta) -> datetime:
    """The instant at which ``duration`` of SLA time, counted from ``start``, is used up."""
    return _utc(start) + duration


@dataclass(frozen=True)
class Clock:
    """One SLA metric of one ticket: its target, when it is due, and whether it was met."""

    target: timedelta
    due_at: datetime | None
    met_at: datetime | None = None
    breached: bool = False

    def is_breached(self, now: datetime) -> bool:
        # A recorded breach stays recorded; otherwise unmet and past due.
        if self.breached:
            return True
        if self.met_at is not None:
            return self.due_at is not None and self.met_at > self.due_at
        return self.due_at is not None and now > self.due_at

    def used_fraction(self, now: datetime) -> float:
        if self.due_at is None or self.target <= timedelta(0):
            return 0.0
        remaining = self.due_at - now
        return 1.0 - remaining / self.target


def sla_state(
    *,
    now: datetime,
    first_response: Clock | None,
    resolution: Clock | None,
    paused: bool,
    stopped: bool,
    at_risk_fraction: float = 0.8,
) -> SlaState:
    """The one word a queue shows for a ticket's SLA."""
    clocks = [clock for clock in (first_response, resolution) if clock is not None]
    if not clocks:
        return SlaState.OK
    if any(clock.is_breached(now) for clock in clocks):
        return SlaState.BREACHED
    if stopped:
        return SlaState.MET
    if paused:
        return SlaState.PAUSED
    running = [clock for clock in clocks if clock.met_at is None]
    if any(clock.used_fraction(now) >= at_risk_fraction for clock in running):
        return SlaState.AT_RISK
    return SlaState.OK
