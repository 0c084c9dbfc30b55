"""How the reports page writes its figures: durations as "45 min", "12 h", "3 d 4 h"."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR


def duration_text(minutes: float | int | None) -> str:
    """A duration in minutes as a person reads it, at the precision that matters for its size.

    Under an hour: whole minutes ("45 min"; "< 1 min" for a few seconds). Under a day: hours and
    minutes ("12 h", "1 h 30 min"). From a day on: days and whole hours ("3 d 4 h"); a day is 24
    hours of the measured time (the policy's working time when it has a calendar). No figure is "—".
    """
    try:
        minutes = float(minutes)
    except (TypeError, ValueError):  # None, or a figure the template could not find ("")
        return "—"
    if minutes < 0:
        return "-" + duration_text(-minutes)
    if 0 < minutes < 0.5:
        return _("< 1 min")
    whole = round(minutes)
    if whole < MINUTES_PER_HOUR:
        return _("%(minutes)d min") % {"minutes": whole}
    if whole < MINUTES_PER_DAY:
        hours, rest = divmod(whole, MINUTES_PER_HOUR)
        if rest:
            return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
        return _("%(hours)d h") % {"hours": hours}
    days, rest = divmod(round(minutes / MINUTES_PER_HOUR), 24)
    if rest:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": rest}
    return _("%(days)d d") % {"days": days}


@register.filter
def duration(minutes: float | int | None) -> str:
    """``{{ row.median_resolution|duration }}``: see ``duration_text``."""
    return duration_text(minutes)
