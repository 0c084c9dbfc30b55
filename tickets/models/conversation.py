"""What is said on a ticket: comments and attached files."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Comment(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="comments")
    # Kept when the author's account is deleted: the conversation must stay whole.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    body = models.TextField(_("body"))
    # Internal notes are for staff only; a customer never sees them.
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_created_idx")]

    def __str__(self) -> str:
        kind = "note" if self.is_internal else "reply"
        return f"{kind} #{self.pk} on {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name under the date: originals may collide or carry unsafe characters.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}{suffix}"


class ScanStatus(models.TextChoices):
    """Where a file stands with the virus scanner (README, "Virus scanning")."""

    # Stored while scanning was off; served only while it stays off (the sweep scans these once it is on).
    UNSCANNED = "unscanned", _("Not scanned")
    # Kept but never served: clamd could not be asked; the scan task and the sweep retry.
    PENDING = "pending", _("Waiting for the virus scan")
    CLEAN = "clean", _("Scanned clean")
    # Found by a later scan (an upload found infected is refused and never kept): its bytes are deleted.
    INFECTED = "infected", _("Virus found; file deleted")
    # Larger than clamd's StreamMaxLength (or its bytes lost) when scanned later: never scannable, so deleted.
    UNSCANNABLE = "unscannable", _("Could not be scanned; file deleted")


class Attachment(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)
    scan_status = models.CharField(
        _("virus scan"), max_length=12, choices=ScanStatus.choices, default=ScanStatus.UNSCANNED
    )
    # The signature clamd named, or why the file could not be scanned.
    scan_detail = models.CharField(_("scan result"), max_length=255, blank=True)
    scanned_at = models.DateTimeField(_("scanned"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="attachment_ticket_created_idx"),
            models.Index(fields=["scan_status", "id"], name="attachment_scan_status_idx"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def servable(self) -> bool:
        """Whether the file may be downloaded: never once deleted by the scanner; with scanning on, only clean."""
        if self.scan_status in (ScanStatus.INFECTED, ScanStatus.UNSCANNABLE):
            return False
        return self.scan_status == ScanStatus.CLEAN or not settings.VIRUS_SCAN_ENABLED
