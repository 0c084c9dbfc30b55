"""Attaching files to tickets and comments, through Django's storage API."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from accounts.models import User
from helpdesk.errors import NotFound, PayloadTooLarge, PermissionDenied, UnsupportedMediaType, ValidationFailed
from tickets import access
from tickets.files import ALLOWED_TYPES, detect_content_type
from tickets.models import Attachment, Comment, EventKind, ScanStatus, Ticket
from tickets.services.common import lock_ticket, record, record_file_removed, touch
from tickets.services.scanning import scan_later, upload_scan


def safe_filename(name: str) -> str:
    """The original name without directories or characters unsafe in headers and paths."""
    base = PurePath((name or "").replace("\\", "/")).name
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # noqa: BLE001 - Django raises SuspiciousFileOperation for names like ".."
        cleaned = ""
    cleaned = cleaned or "file"
    stem, suffix = PurePath(cleaned).stem, PurePath(cleaned).suffix
    return f"{stem[: 255 - len(suffix)]}{suffix}"


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _check_can_attach(actor: User, ticket: Ticket, comment: Comment | None) -> None:
    if not access.can_view_ticket(actor, ticket):
        raise NotFound("Ticket not found.")
    if comment is not None and (comment.ticket_id != ticket.pk or not access.can_view_comment(actor, comment)):
        raise NotFound("Comment not found.")
    if not access.can_comment(actor, ticket, internal=comment is not None and comment.is_internal):
        raise PermissionDenied("You may not add files to this ticket.")


def attachment_check(upload: UploadedFile | None, *, scan: bool = True) -> tuple[str, str]:
    """The safe file name and detected type of an upload, or the reason it is refused.

    Lets a form check several files before anything is saved. With virus scanning on, the
    file is scanned last (``upload_scan``): an infected one is refused here too.
    """
    if upload is None:
        raise ValidationFailed.on("file", "Choose a file to upload.")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise PayloadTooLarge(f"The file is larger than {limit} MB.", {"file": [f"At most {limit} MB."]})
    filename = safe_filename(upload.name)
    content_type = detect_content_type(filename, upload)
    if content_type is None:
        allowed = ", ".join(sorted(ext.lstrip(".").upper() for ext in ALLOWED_TYPES))
        detail = f"{filename} is not an allowed file type, or its content does not match its name. Allowed: {allowed}."
        raise UnsupportedMediaType(detail, {"file": [detail]})
    if scan:
        upload_scan(upload, filename)
    return filename, content_type


def attachment_add(
    *,
    actor: User,
    ticket: Ticket,
    upload: UploadedFile,
    comment: Comment | None = None,
    now: datetime | None = None,
) -> Attachment:
    """Store an uploaded file on a ticket (or one of its comments).

    Refuses files over ``ATTACHMENT_MAX_BYTES`` (413), files whose content is not of an
    allowed type matching their extension (415) and, with virus scanning on, infected files
    (422); stores nothing then. A file clamd could not scan yet is stored as pending.
    """
    now = now or timezone.now()
    filename, content_type = attachment_check(upload, scan=False)
    _check_can_attach(actor, ticket, comment)
    # Scanned once the actor may attach here (a form has scanned it already: the verdict is kept).
    verdict = upload_scan(upload, filename)
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        uploaded_by=actor,
        filename=filename,
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        created_at=now,
        scan_status=verdict.status,
        scanned_at=verdict.scanned_at,
    )
    # Stored before the transaction: no network call (S3) while rows are locked.
    attachment.file.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            locked = lock_ticket(ticket)
            _check_can_attach(actor, locked, comment)
            attachment.ticket = locked
            attachment.save()
            internal = comment is not None and comment.is_internal
            record(
                locked,
                EventKind.ATTACHMENT_ADDED,
                actor=actor,
                now=now,
                new=filename,
                internal=internal,
                attachment_id=attachment.pk,
                size=attachment.size,
            )
            touch(locked, now, set())
            if verdict.status == ScanStatus.PENDING:
                scan_later(attachment)
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_delete(*, actor: User, attachment: Attachment, now: datetime | None = None) -> None:
    """Delete a file (its uploader or an admin); the history keeps its name."""
    now = now or timezone.now()
    if not access.can_view_attachment(actor, attachment):
        raise NotFound("Attachment not found.")
    if not access.can_delete_attachment(actor, attachment):
        raise PermissionDenied("Only the uploader or an admin can delete a file.")
    with transaction.atomic():
        record_file_removed(attachment, actor=actor, now=now)
        attachment.delete()
