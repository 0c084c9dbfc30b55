"""Badges for the agent console's templates."""

from django import template

from tickets.admin import display

register = template.Library()


@register.filter
def status_badge(ticket):
    return display.status_badge(ticket)


@register.filter
def priority_badge(ticket):
    return display.priority_badge(ticket)


@register.filter
def ago(when):
    """``{{ comment.created_at|ago }}``: "3 h ago", the exact time on hover."""
    return display.relative_time(when)


@register.filter
def due_in(when):
    """``{{ timer.due|due_in }}``: "in 3h 20m" or "2h 5m late"."""
    return display.due_words(when)
