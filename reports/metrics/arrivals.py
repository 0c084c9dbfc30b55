"""``arrivals``: when work comes in, as the tickets created in the range per local weekday and hour.

The grid a manager staffs from (the heatmap on the reports page): one row per weekday and hour
of the server's time zone, Monday (1) to Sunday (7) as ISO numbers them, hours 0 to 23, zeros
included, so every answer has the same 168 rows. ``totals`` sums them per weekday and per hour;
``busiest`` is the (weekday, hour) with most arrivals, ``null`` when nothing arrived. A daylight
saving change puts an hour's tickets in the hour the local clock showed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from reports.metrics.expressions import in_range
from reports.params import ReportParams
from reports.subject import Subject

COLUMNS = ("weekday", "hour", "count")
WEEKDAYS = range(1, 8)
HOURS = range(24)


def arrivals(subject: Subject, params: ReportParams, now: datetime) -> dict[str, Any]:
    """Tickets created per (weekday, hour) in one GROUP BY over the range's creation index."""
    zone = timezone.get_current_timezone()
    counted = {
        (row["weekday"], row["hour"]): row["count"]
        for row in subject.tickets.filter(in_range("created_at", params))
        .annotate(weekday=ExtractIsoWeekDay("created_at", tzinfo=zone), hour=ExtractHour("created_at", tzinfo=zone))
        .values("weekday", "hour")
        .annotate(count=Count("*"))
        .order_by()
    }
    rows = [
        {"weekday": weekday, "hour": hour, "count": counted.get((weekday, hour), 0)}
        for weekday in WEEKDAYS
        for hour in HOURS
    ]
    busiest = max(rows, key=lambda row: row["count"]) if counted else None
    return {
        "results": rows,
        "totals": {
            "by_weekday": {str(day): sum(n for (d, _h), n in counted.items() if d == day) for day in WEEKDAYS},
            "by_hour": {str(hour): sum(n for (_d, h), n in counted.items() if h == hour) for hour in HOURS},
            "created": sum(counted.values()),
        },
        "busiest": {"weekday": busiest["weekday"], "hour": busiest["hour"]} if busiest else None,
    }
