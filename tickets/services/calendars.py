"""Business calendars: importing holidays from iCalendar (.ics) files."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
from django.db import transaction

from helpdesk.errors import ValidationFailed
from tickets.models import BusinessCalendar, Holiday

MAX_DAYS_PER_EVENT = 366


def _dates(event: icalendar.Event) -> list[date]:
    start = event.decoded("DTSTART")
    start_day = start.date() if isinstance(start, datetime) else start
    end = event.decoded("DTEND", None)
    if end is None:
        return [start_day]
    end_day = end.date() if isinstance(end, datetime) else end
    # DTEND of an all-day event is exclusive: a one-day holiday ends the next day.
    days = max((end_day - start_day).days, 1)
    return [start_day + timedelta(days=n) for n in range(min(days, MAX_DAYS_PER_EVENT))]


def calendar_import_ics(*, calendar: BusinessCalendar, data: bytes) -> int:
    """Add every day of every event in ``data`` as a holiday; return how many were new.

    Days already on the calendar are left as they are, so importing a file
    twice adds nothing.
    """
    try:
        parsed = icalendar.Calendar.from_ical(data)
        holidays = {}
        for event in parsed.walk("VEVENT"):
            name = str(event.get("SUMMARY", ""))[:200]
            for day in _dates(event):
                holidays.setdefault(day, name)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed.on("file", f"This is not an iCalendar (.ics) file we can read: {exc}") from None
    if not holidays:
        raise ValidationFailed.on("file", "The file holds no events.")
    with transaction.atomic():
        existing = set(calendar.holidays.filter(date__in=holidays).values_list("date", flat=True))
        Holiday.objects.bulk_create(
            [Holiday(calendar=calendar, date=day, name=name) for day, name in holidays.items() if day not in existing]
        )
    return len(holidays) - len(existing)
