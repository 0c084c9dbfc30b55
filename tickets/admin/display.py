"""How the console shows a ticket's status, priority and SLA: badges and countdowns."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.choices import Status
from tickets.models import Ticket


def badge(kind: str, value: str, label: str) -> SafeString:
    return format_html('<span class="hd-badge hd-{}-{}">{}</span>', kind, value, label)


# Badges are small: the long labels explain who is waited on; the colour says it already.
_SHORT_STATUS = {Status.PENDING: gettext_lazy("Pending"), Status.ON_HOLD: gettext_lazy("On hold")}


def status_label(status: str) -> str:
    return str(_SHORT_STATUS.get(status) or Status(status).label)


def status_badge(ticket: Ticket) -> SafeString:
    return badge("status", ticket.status, status_label(ticket.status))


def priority_badge(ticket: Ticket) -> SafeString:
    return badge("priority", ticket.priority, ticket.get_priority_display())


def duration_words(delta: timedelta) -> str:
    """'2d 3h', '3h 20m', '12m': two units at most, for a queue cell."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def countdown(ticket: Ticket, due_at: datetime | None, now: datetime | None = None) -> SafeString:
    """The SLA cell: time left (or late) to the next due time, coloured by the ticket's SLA state."""
    now = now or timezone.now()
    state = ticket.sla_state(now)
    if due_at is None:
        words = {"paused": _("paused"), "met": _("met"), "breached": _("breached")}.get(state, "—")
        return format_html('<span class="hd-sla hd-sla-{}">{}</span>', state, words)
    left = due_at - now
    text = (
        _("in %(time)s") % {"time": duration_words(left)}
        if left >= timedelta(0)
        else _("%(time)s late") % {"time": duration_words(left)}
    )
    return format_html(
        '<time class="hd-sla hd-sla-{}" datetime="{}" title="{}" data-due="{}">{}</time>',
        state,
        due_at.isoformat(),
        _("due %(when)s") % {"when": date_format(timezone.localtime(due_at), "DATETIME_FORMAT")},
        due_at.isoformat(),
        text,
    )
