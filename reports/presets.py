"""The date ranges the reports page offers in one click, as local dates for its from and to fields.

``to`` is a day included in the range (the reports read a date as "up to the end of that day").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    start: date
    end: date


def _quarter_start(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def date_presets(today: date) -> list[Preset]:
    """Today, the last 7 and 30 days (today included), this month so far, and the last whole quarter."""
    this_quarter = _quarter_start(today)
    last_quarter = _quarter_start(this_quarter - timedelta(days=1))
    return [
        Preset("today", str(_("Today")), today, today),
        Preset("7d", str(_("7 days")), today - timedelta(days=6), today),
        Preset("30d", str(_("30 days")), today - timedelta(days=29), today),
        Preset("month", str(_("This month")), today.replace(day=1), today),
        Preset("quarter", str(_("Last quarter")), last_quarter, this_quarter - timedelta(days=1)),
    ]
