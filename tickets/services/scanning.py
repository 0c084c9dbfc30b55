"""Virus scanning of attached files with ClamAV's clamd (README, "Virus scanning").

The policy, with ``VIRUS_SCAN_ENABLED`` on:
- An upload is scanned before it is stored. Infected: refused (``INFECTED_FILE``, 422), nothing kept.
  Larger than clamd's StreamMaxLength: refused (413), nothing kept. Clean: stored as ``clean``.
- clamd away (refused, timed out, failing): the file is stored as ``pending`` and never served; a
  task scans it after the commit and retries with backoff, and the beat sweep retries every minute.
- A later scan that finds a virus deletes the bytes, marks the row ``infected`` and records an
  ``attachment_deleted`` event (no actor, reason ``infected``) on the ticket.
- Only ``clean`` files are served; files stored while scanning was off (``unscanned``) wait for the
  sweep like pending ones. With scanning off, everything that still has its bytes is served.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from helpdesk.clamd import Clamd, ClamdSizeLimit, ClamdUnavailable, ScanResult
from helpdesk.errors import InfectedFile, PayloadTooLarge
from helpdesk.queue import publish
from tickets.models import Attachment, ScanStatus
from tickets.services.common import record_file_removed

logger = logging.getLogger(__name__)

# Waiting for a scan: never served while scanning is on.
WAITING = (ScanStatus.PENDING, ScanStatus.UNSCANNED)
# Bytes deleted by the scanner: never served.
REMOVED = (ScanStatus.INFECTED, ScanStatus.UNSCANNABLE)
# Files one sweep scans at most (pending first); the next sweep goes on.
SWEEP_BATCH = 20
SCAN_TASK = "tickets.tasks.attachment_scan"
_VERDICT = "_helpdesk_scan_verdict"


@dataclass(frozen=True)
class Verdict:
    """What an accepted upload is stored as."""

    status: str
    scanned_at: datetime | None = None


def scanner() -> Clamd:
    return Clamd(settings.CLAMD_URL, timeout=settings.CLAMD_TIMEOUT)


def infected_message(filename: str, signature: str) -> str:
    return f"{filename} contains a virus ({signature}); it was not accepted."


def too_large_message(filename: str) -> str:
    return (
        f"{filename} is larger than the virus scanner accepts (clamd's StreamMaxLength), "
        "so it cannot be checked; it was not accepted."
    )


def upload_scan(upload: UploadedFile, filename: str) -> Verdict:
    """Scan an upload before anything is stored; refuses an infected or unscannable file.

    The verdict is kept on the upload, so a form that checks its files first and the service
    that stores them afterwards ask clamd once.
    """
    if not settings.VIRUS_SCAN_ENABLED:
        return Verdict(ScanStatus.UNSCANNED)
    known = getattr(upload, _VERDICT, None)
    if known is not None:
        return known
    try:
        upload.seek(0)
        result = scanner().scan_chunks(upload.chunks())
    except ClamdSizeLimit:
        detail = too_large_message(filename)
        raise PayloadTooLarge(detail, {"file": [detail]}) from None
    except ClamdUnavailable as exc:
        logger.warning("Virus scan of an upload postponed (%s); the file is held as pending.", exc)
        verdict = Verdict(ScanStatus.PENDING)
    else:
        if result.infected:
            logger.warning("Refused an upload: clamd found %s in it.", result.signature)
            detail = infected_message(filename, result.signature)
            raise InfectedFile(detail, {"file": [detail]})
        verdict = Verdict(ScanStatus.CLEAN, timezone.now())
    finally:
        upload.seek(0)
    setattr(upload, _VERDICT, verdict)
    return verdict


def scan_later(attachment: Attachment) -> None:
    """After the commit, hand a pending file to the scan task (the sweep finds it if the broker is away)."""
    pk = attachment.pk
    transaction.on_commit(
        lambda: publish(SCAN_TASK, pk, what=f"the virus scan of attachment {pk}", then="the scan sweep will do it")
    )


def _decide(attachment: Attachment, status: str, detail: str, now: datetime) -> bool:
    """Move a waiting file to its verdict once (a parallel scan of the same file changes nothing)."""
    with transaction.atomic():
        moved = Attachment.objects.filter(pk=attachment.pk, scan_status__in=WAITING).update(
            scan_status=status, scan_detail=detail[:255], scanned_at=now
        )
        if moved and status in REMOVED:
            record_file_removed(attachment, actor=None, now=now, reason=status, detail=detail)
    return bool(moved)


def _scan_stored(attachment: Attachment) -> ScanResult:
    with attachment.file.open("rb") as stream:
        return scanner().scan_file(stream)


def attachment_scan(*, attachment_id: int, now: datetime | None = None) -> str:
    """Scan a stored file waiting for its scan; answers its status afterwards.

    Raises ``ClamdUnavailable`` when clamd is still away (the task retries); a file already
    decided, or deleted, is left as it is, so running this twice does no harm.
    """
    if not settings.VIRUS_SCAN_ENABLED:
        return "disabled"
    attachment = (
        Attachment.objects.select_related("ticket", "comment").filter(pk=attachment_id, scan_status__in=WAITING).first()
    )
    if attachment is None:
        return "done"
    try:
        result = _scan_stored(attachment)
    except ClamdSizeLimit:
        status, detail = ScanStatus.UNSCANNABLE, "it is larger than the virus scanner accepts (StreamMaxLength)."
    except FileNotFoundError:
        status, detail = ScanStatus.UNSCANNABLE, "its stored bytes are missing."
    else:
        status, detail = (ScanStatus.INFECTED, result.signature) if result.infected else (ScanStatus.CLEAN, "")
    if _decide(attachment, status, detail, now or timezone.now()) and status != ScanStatus.CLEAN:
        logger.warning("Attachment %s deleted after its virus scan: %s %s", attachment.pk, status, detail)
    return status


def attachment_scan_sweep(*, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Scan files waiting for a scan, pending ones first; stops at the first sign that clamd is away."""
    counts = {"scanned": 0, "infected": 0, "postponed": 0}
    if not settings.VIRUS_SCAN_ENABLED:
        return counts
    ids = list(
        Attachment.objects.filter(scan_status=ScanStatus.PENDING).order_by("id").values_list("pk", flat=True)[:limit]
    )
    if len(ids) < limit:
        unscanned = Attachment.objects.filter(scan_status=ScanStatus.UNSCANNED).order_by("id")
        ids += list(unscanned.values_list("pk", flat=True)[: limit - len(ids)])
    for position, pk in enumerate(ids):
        try:
            status = attachment_scan(attachment_id=pk)
        except ClamdUnavailable as exc:
            counts["postponed"] = len(ids) - position
            logger.warning("Virus scan sweep stopped: %s; %s files wait for the next one.", exc, counts["postponed"])
            break
        except Exception:  # noqa: BLE001 - one file the storage cannot read must not hold up the others
            logger.exception("Virus scan of attachment %s failed; the next sweep retries it.", pk)
            continue
        counts["scanned"] += status != "done"
        counts["infected"] += status == ScanStatus.INFECTED
    return counts
