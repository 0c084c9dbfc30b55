"""The audit history: one row per change to a ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ASSIGNED = "assigned", _("Assigned")
    UPDATED = "updated", _("Updated")
    COMMENT_ADDED = "comment_added", _("Comment added")
    COMMENT_EDITED = "comment_edited", _("Comment edited")
    COMMENT_DELETED = "comment_deleted", _("Comment deleted")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ATTACHMENT_DELETED = "attachment_deleted", _("Attachment deleted")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    FOLLOWED_UP = "followed_up", _("Follow-up opened")
    ESCALATED = "escalated", _("Escalated")
    MERGED = "merged", _("Merged")
    SLA_APPLIED = "sla_applied", _("SLA applied")
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    RATED = "rated", _("Rated")
    # An automation rule (automations/) acted on the ticket; ``new_value`` is the rule's name.
    RULE_APPLIED = "rule_applied", _("Rule applied")
    MACRO_APPLIED = "macro_applied", _("Macro applied")


# What kind of ticket change each event is, for what reacts to changes (webhooks/, automations/):
# created, updated (fields, priority, assignment), commented, status_changed, sla_at_risk, sla_breached.
CHANGE_OF_KIND: dict[str, str] = {
    EventKind.CREATED: "created",
    EventKind.UPDATED: "updated",
    EventKind.PRIORITY_CHANGED: "updated",
    EventKind.ASSIGNED: "updated",
    EventKind.COMMENT_ADDED: "commented",
    EventKind.STATUS_CHANGED: "status_changed",
    EventKind.RESOLVED: "status_changed",
    EventKind.CLOSED: "status_changed",
    EventKind.REOPENED: "status_changed",
    EventKind.ESCALATED: "status_changed",
    EventKind.SLA_AT_RISK: "sla_at_risk",
    EventKind.SLA_BREACHED: "sla_breached",
}


class TicketEvent(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    field = models.CharField(_("field"), max_length=50, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    # None when the system acted (SLA sweeps, integrations without a local user).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Events about internal notes are for staff only, like the notes themselves.
    is_internal = models.BooleanField(_("internal"), default=False)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created_idx"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"
