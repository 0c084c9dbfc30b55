"""Notifications: in-app alerts, and the outbox from which their emails are sent.

A notification row is written in the same transaction as the change that
causes it; its email is then delivered by Celery after commit, or by the
periodic relay if the broker was down. Delivery claims the row first, so a
task that runs twice sends one email.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket created")
    TICKET_ASSIGNED = "ticket_assigned", _("Ticket assigned to you")
    PUBLIC_REPLY = "public_reply", _("New reply")
    INTERNAL_NOTE = "internal_note", _("New internal note")
    TICKET_RESOLVED = "ticket_resolved", _("Ticket resolved")
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    # The secret link a guest asked to receive again; sent whatever the preferences say.
    GUEST_LINK = "guest_link", _("Your link to the ticket")
    # An automation rule's "notify" action: its message, about the ticket.
    RULE_NOTICE = "rule_notice", _("Message from a rule")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (turned off or no address)")
    FAILED = "failed", _("Failed for good")


class EmailOutbox(models.Model):
    """An outbox row's email: its delivery state, as ``tickets.services.outbox`` claims, sends and marks it."""

    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class Notification(EmailOutbox):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, null=True, related_name="notifications")
    # The change that caused it: one notification per recipient, kind and event, never two.
    event = models.ForeignKey("tickets.TicketEvent", on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["email_status", "created_at"], name="notification_outbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "event"], name="notification_once_per_event"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationPreference(models.Model):
    """A user's choice for one kind; without a row, both channels are on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    email = models.BooleanField(_("email"), default=True)
    in_app = models.BooleanField(_("in the app"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
