"""Mailboxes the helpdesk reads, and one record per message it received (read once, never twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.models.fields import EncryptedTextField
from tickets.choices import Priority


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS (IMAPS, usually port 993)")
    STARTTLS = "starttls", _("STARTTLS (usually port 143)")
    NONE = "none", _("None (plain text; a server on this host only)")


class AfterProcessing(models.TextChoices):
    FLAG = "flag", _("Mark read and flag as processed")
    MOVE = "move", _("Move to a folder")


class Mailbox(models.Model):
    """An address customers write to, and the IMAP account its mail is read from."""

    name = models.CharField(_("name"), max_length=100)
    # Where customers write and where replies come back (``local+token@domain`` for replies).
    address = models.EmailField(_("address"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Replies to tickets that did not come in by mail go to the default mailbox.
    is_default = models.BooleanField(_("default for replies"), default=False)
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True, help_text=_("Blank: fed by the gateway."))
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(_("login"), max_length=255, blank=True)
    imap_password = EncryptedTextField(_("password"))
    imap_folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_processing = models.CharField(
        _("after processing"), max_length=8, choices=AfterProcessing.choices, default=AfterProcessing.FLAG
    )
    processed_folder = models.CharField(_("move to folder"), max_length=255, blank=True, default="Processed")
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("default team"), on_delete=models.SET_NULL, null=True, blank=True
    )
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("default category"), on_delete=models.SET_NULL, null=True, blank=True
    )
    priority = models.CharField(_("default priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    # A poll holds the mailbox until this instant, so two workers never read it at once.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="mailbox_one_default"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def polls(self) -> bool:
        return bool(self.is_active and self.imap_host)


class Outcome(models.TextChoices):
    PROCESSING = "processing", _("Being processed")
    TICKET_CREATED = "ticket_created", _("Ticket created")
    COMMENT_ADDED = "comment_added", _("Comment added")
    AUTO_REPLY = "auto_reply", _("Ignored: automatic or bulk mail")
    BOUNCE = "bounce", _("Bounce recorded")
    REFUSED = "refused", _("Refused")
    RATE_LIMITED = "rate_limited", _("Refused: sender over the rate limit")
    FAILED = "failed", _("Failed")


class InboundMessage(models.Model):
    """One message received by a mailbox: what it was, and what became of it.

    Unique per (mailbox, Message-ID) (a hash of the raw message when it has none), so a
    message fetched again after a crash is recognised and not processed twice.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(_("Message-ID"), max_length=255)
    sender = models.EmailField(_("sender"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    cc = models.JSONField(_("Cc"), default=list, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PROCESSING)
    reason = models.TextField(_("details"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received message")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="inbound_message_once_per_mailbox")
        ]
        indexes = [models.Index(fields=["sender", "received_at"], name="inbound_sender_recent")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.get_outcome_display()})"
