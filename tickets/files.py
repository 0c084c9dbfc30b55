"""Which files may be attached: the allow-list of seed 004, checked on the content.

An extension alone proves nothing, so the first bytes (and, for Office files,
the archive's parts) must agree with it. Pure: takes an open binary file.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath
from typing import BinaryIO

from django.conf import settings
from django.http import FileResponse

from helpdesk.errors import FileRemoved, ScanPending
from tickets.models import ScanStatus

# Extension -> the content type stored and served for it.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".log": "text/plain",
    ".json": "application/json",
    ".xml": "application/xml",
}
_TEXT = {".txt", ".csv", ".log", ".json", ".xml"}
_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
# The part an Office Open XML archive must hold to be that kind of document.
_OOXML_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
_HEAD = 8192


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still text.
        return exc.start >= len(head) - 3
    return True


def detect_content_type(filename: str, stream: BinaryIO) -> str | None:
    """The content type to store, or None when the name or the bytes are not allowed."""
    extension = PurePath(filename).suffix.lower()
    if extension not in ALLOWED_TYPES:
        return None
    stream.seek(0)
    head = stream.read(_HEAD)
    stream.seek(0)
    if extension in _TEXT:
        text_ok = _looks_like_text(head.removeprefix(b"\xef\xbb\xbf"))
        if text_ok and extension == ".xml":
            text_ok = head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")
        return ALLOWED_TYPES[extension] if text_ok else None
    if not head.startswith(_SIGNATURES[extension]):
        return None
    if extension in _OOXML_PART:
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            stream.seek(0)
        if _OOXML_PART[extension] not in names:
            return None
    return ALLOWED_TYPES[extension]


def check_downloadable(attachment) -> None:
    """Refuse a file the scanner deleted, or (scanning on) one not scanned clean yet."""
    if attachment.scan_status == ScanStatus.INFECTED:
        raise FileRemoved(
            f"{attachment.filename} was deleted: the virus scanner found {attachment.scan_detail or 'a virus'} in it."
        )
    if attachment.scan_status == ScanStatus.UNSCANNABLE:
        raise FileRemoved(f"{attachment.filename} was deleted: {attachment.scan_detail or 'it could not be scanned.'}")
    if settings.VIRUS_SCAN_ENABLED and attachment.scan_status != ScanStatus.CLEAN:
        raise ScanPending(
            f"{attachment.filename} is waiting for its virus scan; "
            "it can be downloaded once it is scanned clean. Try again in a few minutes."
        )


def attachment_response(attachment) -> FileResponse:
    """Download a stored file: always as an attachment, never sniffed or run by the browser.

    Raises ``FileRemoved`` or ``ScanPending`` for a file the virus scan withholds.
    """
    check_downloadable(attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
