"""Outbound webhooks: the endpoints admins register, and the deliveries (the outbox) with their attempts.

An ``Endpoint`` is a URL, the events it wants and a secret that signs every request to it
(encrypted at rest with the integrations' key, ``integrations.models.fields``). A ``Delivery`` is
one event for one endpoint: written in the transaction of the ticket change that caused it, sent
after the commit, retried on a schedule, and kept with every ``DeliveryAttempt`` (status code,
duration, error, the start of the response) for the console. ``webhooks.services`` says how.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.models.fields import EncryptedTextField
from tickets.models import EmailOutbox


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated (fields, priority, assignment)")
    TICKET_COMMENTED = "ticket.commented", _("Comment added")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Status changed (incl. resolved, closed, reopened)")
    TICKET_SLA_AT_RISK = "ticket.sla_at_risk", _("SLA at risk")
    TICKET_SLA_BREACHED = "ticket.sla_breached", _("SLA breached")
    # Only ever sent by "send test event" in the console; no endpoint subscribes to it.
    PING = "ping", _("Test event")
    # Only ever sent by an automation rule's "webhook" action (automations/), to the endpoint it names.
    RULE_FIRED = "rule.fired", _("Automation rule")


SUBSCRIBABLE = [
    choice for choice in WebhookEvent.choices if choice[0] not in (WebhookEvent.PING, WebhookEvent.RULE_FIRED)
]


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, url-safe, prefixed so people recognise it."""
    return f"whsec_{secrets.token_urlsafe(32)}"


class Endpoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_("The events sent to this URL."))
    include_internal = models.BooleanField(
        _("include internal notes"),
        default=False,
        help_text=_("Send ticket.commented for staff-only internal notes too (off: public replies only)."),
    )
    secret = EncryptedTextField(_("signing secret"), default=new_secret)
    # Switched by an admin; a paused endpoint is switched off by failures and resumed by an admin.
    is_active = models.BooleanField(_("active"), default=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    paused_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    # The admin who registered it: told when it is paused.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Failed attempts in a row, across its deliveries; a success sets it back to 0.
    failure_streak = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        if not self.is_active:
            return "disabled"
        return "paused" if self.paused_at else "active"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting (next attempt due)")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed for good")


class Delivery(models.Model):
    """One event for one endpoint: the outbox row, its frozen body and its place in the retry schedule."""

    # The X-Helpdesk-Delivery header: the same on every attempt and replay, so a receiver can drop a copy.
    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    # Not a foreign key: the log outlives a deleted ticket.
    ticket_id = models.BigIntegerField(_("ticket id"), null=True, blank=True)
    # What happened (one entry per recorded ticket event coalesced into this delivery): kind, field, old, new, actor.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    # The exact JSON sent, made at the first attempt and sent byte for byte on every retry and replay.
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The attempts made before the last replay: the retry schedule counts from there.
    retry_from = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="webhook_delivery_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.uuid}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery (or the refusal to make it): what the receiver answered, or why nothing did."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_body = models.TextField(_("response (start)"), blank=True)
    # Sent again by an admin from the console, outside the schedule.
    replay = models.BooleanField(_("replay"), default=False)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"


class PauseNotice(EmailOutbox):
    """The email telling an endpoint's owner it was paused: an outbox row sent as notifications are."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="pause_notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email_status", "created_at"], name="webhook_notice_outbox_idx")]

    def __str__(self) -> str:
        return f"pause of {self.endpoint_id} for {self.recipient_id}"
