"""SLA arithmetic: pure functions of instants, durations and a business calendar; no database.

Every instant is handled in UTC: adding a timedelta to a zone-aware datetime
does wall-clock arithmetic, which is wrong across DST changes. A calendar's
weekly hours are local wall-clock intervals (start included, end excluded, none
crossing midnight); each is turned into its two real instants, so an interval
containing a DST jump lasts an hour less or more. Holidays are whole local dates.
Without a calendar (``None``) a policy runs on 24x7 wall time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# A calendar whose next working interval is further away than this is broken (all holidays).
_MAX_IDLE_DAYS = 3 * 366


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"


@dataclass(frozen=True)
class Calendar:
    """Working time: a time zone, hours per weekday (Monday = 0) and holidays."""

    time_zone: str
    weekly: Mapping[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # fails loudly on an unknown zone
        for weekday, intervals in self.weekly.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"Weekday {weekday} is not 0 (Monday) to 6 (Sunday).")
            for start, end in intervals:
                if not start < end:
                    raise ValueError(f"Working hours {start}-{end} must start before they end, within one day.")
        if not any(self.weekly.values()):
            raise ValueError("A calendar needs some working hours.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("SLA arithmetic needs aware datetimes.")
    return moment.astimezone(UTC)


def working_intervals(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's working intervals as UTC instants, in order, from the local day of ``start``."""
    zone = calendar.zone
    day = _utc(start).astimezone(zone).date()
    idle = 0
    while True:
        intervals = () if day in calendar.holidays else calendar.weekly.get(day.weekday(), ())
        for opens, closes in sorted(intervals):
            begin = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            end = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
            if end > begin:
                idle = 0
                yield begin, end
        idle += 1
        if idle > _MAX_IDLE_DAYS:
            raise ValueError("The calendar has no working time in the next three years.")
        day += timedelta(days=1)


def add_duration(start: datetime, duration: timedelta, calendar: Calendar | None = None) -> datetime:
    """The earliest instant at which ``duration`` of SLA time, counted from ``start``, is used up.

    On a calendar, a clock starting outside working hours starts at the next
    opening, and a target used up exactly at a closing time is due at that
    closing time (Mon 09:00 + 8 h = Mon 17:00, not Tue 09:00).
    """
    start = _utc(start)
    if duration < timedelta(0):
        raise ValueError("An SLA duration cannot be negative.")
    if calendar is None:
        return start + duration
    remaining = duration
    for opens, closes in working_intervals(calendar, start):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: working_intervals never ends")  # pragma: no cover


def working_time_between(start: datetime, end: datetime, calendar: Calendar | None = None) -> timedelta:
    """How much SLA time passes from ``start`` to ``end`` (zero when end is not after start)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return timedelta(0)
    if calendar is None:
        return end - start
    total = timedelta(0)
    for opens, closes in working_intervals(calendar, start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def running_time(timeline: Sequence[tuple[datetime, bool]], until: datetime, calendar: Calendar | None) -> timedelta:
    """SLA time during which a clock ran, from its history of (instant, running) changes, up to ``until``."""
    total = timedelta(0)
    ends = [at for at, _ in timeline[1:]] + [until]
    for (at, running), end in zip(timeline, ends, strict=True):
        if running:
            total += working_time_between(at, min(end, until), calendar)
    return total


def resumed_due(
    timeline: Sequence[tuple[datetime, bool]], target: timedelta, calendar: Calendar | None
) -> datetime | None:
    """When a clock with this run/pause history uses up ``target``; None while it is not running.

    The time already counted is kept: a clock resumes, it does not restart. The
    due time is the instant the counted time reached the target, so once passed
    it never moves, however often the clock pauses and resumes afterwards.
    """
    if not timeline[-1][1]:
        return None
    remaining = target
    ends = [at for at, _ in timeline[1:]] + [None]
    for (at, running), end in zip(timeline, ends, strict=True):
        if not running:
            continue
        counted = working_time_between(at, end, calendar) if end is not None else None
        if counted is None or remaining <= counted:
            return add_duration(at, remaining, calendar)
        remaining -= counted
    raise AssertionError("unreachable: the last change is running")  # pragma: no cover


def is_working_time(moment: datetime, calendar: Calendar | None) -> bool:
    """Whether ``moment`` lies inside working hours (start included, end excluded)."""
    if calendar is None:
        return True
    moment = _utc(moment)
    for opens, closes in working_intervals(calendar, moment - timedelta(days=1)):
        if opens > moment:
            return False
        if opens <= moment < closes:
            return True
    return False  # pragma: no cover


@dataclass(frozen=True)
class Clock:
    """One SLA metric of one ticket, as the one rule every face uses judges it.

    ``due_at`` and ``at_risk_at``: the instants the counted time reaches the target and
    the policy's at-risk share of it (None while paused). ``stopped_at``: when the clock
    stopped, met or late (None while it runs). ``breached``: a breach was recorded.
    The SQL conditions in ``tickets/models/ticket.py`` say the same in the database.
    """

    target: timedelta
    due_at: datetime | None
    at_risk_at: datetime | None = None
    stopped_at: datetime | None = None
    breached: bool = False

    def is_breached(self, now: datetime) -> bool:
        # A recorded breach stays recorded; otherwise stopped after, or unstopped and past, its due time.
        if self.breached:
            return True
        if self.due_at is None:
            return False
        return (self.stopped_at if self.stopped_at is not None else now) > self.due_at

    def is_at_risk(self, now: datetime) -> bool:
        """Running and counted time >= the at-risk share of the target (from ``at_risk_at`` on)."""
        return self.stopped_at is None and self.at_risk_at is not None and now >= self.at_risk_at


def sla_state(
    *,
    now: datetime,
    first_response: Clock | None,
    resolution: Clock | None,
    paused: bool,
    stopped: bool,
) -> SlaState:
    """The one word a queue shows for a ticket's SLA: breached, met, paused, at risk or ok, in that order."""
    clocks = [clock for clock in (first_response, resolution) if clock is not None]
    if not clocks:
        return SlaState.OK
    if any(clock.is_breached(now) for clock in clocks):
        return SlaState.BREACHED
    if stopped:
        return SlaState.MET
    if paused:
        return SlaState.PAUSED
    if any(clock.is_at_risk(now) for clock in clocks):
        return SlaState.AT_RISK
    return SlaState.OK
