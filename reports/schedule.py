"""When a subscription's email is due, and which period it covers: pure arithmetic, no database.

- daily at hour H: from H o'clock (local) on day D, the figures of day D-1 (midnight to midnight);
- weekly on weekday W at hour H: from H o'clock on the W of a week, the seven days before that day.

Days and hours are those of the server's time zone (``TIME_ZONE``), so a period spans a DST
change as the calendar does (23 or 25 hours). Only the latest due period counts: after an
outage of beat, one email catches up, not a backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    key: str  # unique per subscription: "daily:2026-03-01", "weekly:2026-02-23"
    start: datetime  # included: local midnight of the first day
    end: datetime  # excluded: local midnight after the last day
    due: datetime  # when its email may be sent


def _at(day: date, hour: int, zone: tzinfo) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)), zone)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def latest_period(*, frequency: str, weekday: int, hour: int, now: datetime, zone: tzinfo | None = None) -> Period:
    """The most recent period whose email is due at ``now`` (its ``due`` is at or before ``now``)."""
    zone = zone or timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    if frequency == "daily":
        day = today if _at(today, hour, zone) <= now else today - timedelta(days=1)
        first = day - timedelta(days=1)
    else:
        day = today - timedelta(days=(today.weekday() - weekday) % 7)
        if _at(day, hour, zone) > now:
            day -= timedelta(days=7)
        first = day - timedelta(days=7)
    return Period(
        key=f"{frequency}:{first.isoformat()}",
        start=_midnight(first, zone),
        end=_midnight(day, zone),
        due=_at(day, hour, zone),
    )


def next_due(*, frequency: str, weekday: int, hour: int, now: datetime, zone: tzinfo | None = None) -> datetime:
    """When the next period's email is due after ``now``."""
    zone = zone or timezone.get_default_timezone()
    latest = latest_period(frequency=frequency, weekday=weekday, hour=hour, now=now, zone=zone)
    step = timedelta(days=1 if frequency == "daily" else 7)
    return _at(timezone.localtime(latest.due, zone).date() + step, hour, zone)
