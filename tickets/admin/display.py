"""How the console shows a ticket's status, priority, SLA and times: badges, countdowns, "3 h ago"."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
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


def ticket_cell(ticket: Ticket) -> SafeString:
    """The queue's first column: the subject, and under it the number and the requester."""
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    requester = ticket.requester
    return format_html(
        '<a class="hd-subject" href="{}">{}</a>'
        '<span class="hd-cell-sub"><a class="hd-number" href="{}">{}</a> · {}</span>',
        url,
        ticket.subject,
        url,
        ticket.number,
        person_name(requester),
    )


def owner_cell(ticket: Ticket) -> SafeString:
    """Who holds the ticket, and its team under the name."""
    name = person_name(ticket.assignee) if ticket.assignee_id else _("Unassigned")
    team = ticket.team.name if ticket.team_id else ""
    css = "hd-owner" if ticket.assignee_id else "hd-owner hd-muted"
    if not team:
        return format_html('<span class="{}">{}</span>', css, name)
    return format_html('<span class="{}">{}</span><span class="hd-cell-sub">{}</span>', css, name, team)


def person_name(user) -> str:
    """A person as people call them: the full name, the email only when there is no name."""
    if user is None:
        return "—"
    return user.get_full_name() or user.email


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


def due_words(due_at: datetime, now: datetime | None = None) -> str:
    left = due_at - (now or timezone.now())
    if left >= timedelta(0):
        return _("in %(time)s") % {"time": duration_words(left)}
    return _("%(time)s late") % {"time": duration_words(left)}


def countdown(ticket: Ticket, due_at: datetime | None, now: datetime | None = None) -> SafeString:
    """The SLA cell: time left (or late) to the next due time, coloured by the ticket's SLA state."""
    now = now or timezone.now()
    state = ticket.sla_state(now)
    if due_at is None:
        words = {"paused": _("paused"), "met": _("met"), "breached": _("breached")}.get(state, "—")
        return format_html('<span class="hd-sla hd-sla-{}">{}</span>', state, words)
    text = due_words(due_at, now)
    return format_html(
        '<time class="hd-sla hd-sla-{}" datetime="{}" title="{}" data-due="{}">{}</time>',
        state,
        due_at.isoformat(),
        _("due %(when)s") % {"when": date_format(timezone.localtime(due_at), "DATETIME_FORMAT")},
        due_at.isoformat(),
        text,
    )


def ago_words(when: datetime, now: datetime) -> str:
    """'just now', '12 min ago', '3 h ago', '2 d ago', 'in 2 h'; a date once it is weeks away."""
    seconds = (now - when).total_seconds()
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        amount = _("%(count)d min") % {"count": minutes}
    elif minutes < 24 * 60:
        amount = _("%(count)d h") % {"count": minutes // 60}
    elif minutes < 14 * 24 * 60:
        amount = _("%(count)d d") % {"count": minutes // (24 * 60)}
    else:
        local = timezone.localtime(when)
        return date_format(local, "M j" if local.year == timezone.localtime(now).year else "M j, Y")
    return _("%(amount)s ago") % {"amount": amount} if seconds >= 0 else _("in %(amount)s") % {"amount": amount}


def relative_time(when: datetime | None, now: datetime | None = None) -> SafeString:
    """A time as words relative to now, the exact time on hover; tickets.js keeps the words current."""
    if when is None:
        return format_html("{}", "—")
    now = now or timezone.now()
    return format_html(
        '<time class="hd-ago" datetime="{}" title="{}">{}</time>',
        when.isoformat(),
        date_format(timezone.localtime(when), "DATETIME_FORMAT"),
        ago_words(when, now),
    )
