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
