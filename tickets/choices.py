"""The ticket enums, and the seed documents' spellings of them.

Input is accepted in any case and with the seeds' aliases (``P1``, ``WAITING``,
``PENDING_INFO``...); what is stored and answered is always the lower-case value.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING = "pending", _("Pending (waiting on requester)")
    ON_HOLD = "on_hold", _("On hold (waiting on a third party)")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Rank 1 is the most urgent, so ascending order puts urgent (P1) first.
PRIORITY_RANK = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.MEDIUM: 3, Priority.LOW: 4}


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    ADMIN = "admin", _("Agent console")
    EMAIL = "email", _("Email")
    ZENDESK = "zendesk", _("Zendesk")
    ZOHO = "zoho", _("Zoho Desk")


class Environment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    TESTING = "testing", _("Testing")
    DEVELOPMENT = "development", _("Development")


class ImpactLevel(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


_STATUS_ALIASES = {
    "assigned": Status.OPEN,
    "waiting": Status.PENDING,
    "pending_info": Status.PENDING,
    "hold": Status.ON_HOLD,
    "solved": Status.RESOLVED,
}
_PRIORITY_ALIASES = {
    "p1": Priority.URGENT,
    "critical": Priority.URGENT,
    "p2": Priority.HIGH,
    "p3": Priority.MEDIUM,
    "normal": Priority.MEDIUM,
    "p4": Priority.LOW,
}


def _key(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def parse_status(value: str) -> Status | None:
    key = _key(value)
    if key in Status.values:
        return Status(key)
    return _STATUS_ALIASES.get(key)


def parse_priority(value: str) -> Priority | None:
    key = _key(value)
    if key in Priority.values:
        return Priority(key)
    return _PRIORITY_ALIASES.get(key)


def parse_choice(value: str, choices: type[models.TextChoices]) -> str | None:
    key = _key(value)
    return key if key in choices.values else None
