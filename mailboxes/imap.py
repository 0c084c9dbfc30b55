"""Reading a mailbox over IMAP: fetch what is new by UID, receive it, then flag or move it.

Each message is fetched with ``BODY.PEEK[]`` (it stays unread on the server until we are
done), handed to ``message_receive``, and only then flagged (``\\Seen`` and the keyword
``HelpdeskProcessed``) or moved. A crash in between leaves the message unflagged: the next
poll fetches it again, ``message_receive`` finds its Message-ID already recorded, and the
poll just flags it, so nothing is lost and nothing is processed twice.

One poll per mailbox at a time: a poll takes a lease on the row with a conditional UPDATE
and gives it back at the end; a lease of a worker that died runs out after ``LEASE``.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from mailboxes.models import AfterProcessing, Mailbox, Security
from mailboxes.services import message_receive

logger = logging.getLogger(__name__)

KEYWORD = "HelpdeskProcessed"
BATCH = 100
TIMEOUT = 30
# Longer than the polling task's time limit (mailboxes/tasks.py), so a live poll never loses its lease.
LEASE = timedelta(minutes=6)


class MailboxError(Exception):
    """The IMAP server could not be reached or refused us; the message never holds the password."""


def _safe(mailbox: Mailbox, exc: BaseException) -> str:
    detail = exc.args[0] if len(exc.args) == 1 else exc
    detail = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    # imaplib quotes the server's bytes inside its own message ("b'[AUTHENTICATIONFAILED] ...'").
    detail = re.sub(r"b'(.*?)'", r"\1", detail)
    kind = "IMAP error" if isinstance(exc, imaplib.IMAP4.error) else type(exc).__name__
    text = f"{kind}: {detail}"
    if mailbox.imap_password:
        text = text.replace(str(mailbox.imap_password), "********")
    return text[:1000]


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection with the folder selected; ``MailboxError`` if that fails."""
    client = None
    try:
        if mailbox.imap_security == Security.SSL:
            client = imaplib.IMAP4_SSL(
                mailbox.imap_host, mailbox.imap_port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
            )
        else:
            client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
            if mailbox.imap_security == Security.STARTTLS:
                client.starttls(ssl_context=ssl.create_default_context())
        client.login(mailbox.imap_user, str(mailbox.imap_password))
        status, detail = client.select(_quote(mailbox.imap_folder))
        if status != "OK":
            raise MailboxError(f"The folder {mailbox.imap_folder!r} cannot be opened: {_text(detail)}")
        return client
    except MailboxError:
        _logout(client)
        raise
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        _logout(client)
        raise MailboxError(_safe(mailbox, exc)) from None


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(detail: list) -> str:
    return " ".join(x.decode(errors="replace") if isinstance(x, bytes) else str(x) for x in detail or [])


def _logout(client: imaplib.IMAP4 | None) -> None:
    if client is None:
        return
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is going away either way
        logger.debug("IMAP logout failed", exc_info=True)


def mailbox_test_connection(*, mailbox: Mailbox) -> str:
    """Log in and open the folder; a short description of what is there, or ``MailboxError``."""
    client = connect(mailbox)
    try:
        status, data = client.uid("SEARCH", "UNDELETED")
        count = len(data[0].split()) if status == "OK" and data and data[0] else 0
        return f"Connected to {mailbox.imap_host}: {count} message(s) in {mailbox.imap_folder}."
    finally:
        _logout(client)


def _claim(mailbox_id: int, now: datetime) -> datetime | None:
    until = now + LEASE
    free = Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now)
    taken = Mailbox.objects.filter(free, pk=mailbox_id, is_active=True).exclude(imap_host="")
    return until if taken.update(poll_lease_until=until) else None


def mailbox_poll(*, mailbox_id: int, now: datetime | None = None) -> int:
    """Poll one mailbox once; how many messages were handled (0 when another poll holds it)."""
    now = now or timezone.now()
    lease = _claim(mailbox_id, now)
    if lease is None:
        return 0
    mine = Mailbox.objects.filter(pk=mailbox_id, poll_lease_until=lease)
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    handled = 0
    try:
        client = connect(mailbox)
        try:
            handled = _read(client, mailbox)
        finally:
            _logout(client)
    except (MailboxError, imaplib.IMAP4.error, OSError) as exc:
        reason = str(exc) if isinstance(exc, MailboxError) else _safe(mailbox, exc)
        logger.warning("Polling mailbox %s failed: %s", mailbox.pk, reason)
        mine.update(poll_lease_until=None, last_error=reason, last_error_at=timezone.now())
        return handled
    except BaseException:
        # A bug, the database, the task's time limit: free the mailbox for the next poll at once.
        mine.update(poll_lease_until=None)
        raise
    mine.update(poll_lease_until=None, last_polled_at=timezone.now(), last_error="", last_error_at=None)
    return handled


def _uids(client: imaplib.IMAP4, mailbox: Mailbox) -> list[bytes]:
    criteria = (
        ["UNDELETED"] if mailbox.after_processing == AfterProcessing.MOVE else ["UNDELETED", "UNKEYWORD", KEYWORD]
    )
    status, data = client.uid("SEARCH", *criteria)
    if status != "OK":
        raise MailboxError(f"Searching {mailbox.imap_folder!r} failed: {_text(data)}")
    return (data[0] or b"").split()[:BATCH]


def _read(client: imaplib.IMAP4, mailbox: Mailbox) -> int:
    moving = mailbox.after_processing == AfterProcessing.MOVE
    if moving:
        client.create(_quote(mailbox.processed_folder))  # "already exists" is fine
    handled = 0
    for uid in _uids(client, mailbox):
        status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in data or [] if isinstance(item, tuple)), None)
        if status != "OK" or raw is None:
            continue  # expunged meanwhile by another client
        message_receive(mailbox=mailbox, raw=raw)
        _done(client, mailbox, uid, moving)
        handled += 1
    if moving and handled:
        client.expunge()
    return handled


def _done(client: imaplib.IMAP4, mailbox: Mailbox, uid: bytes, moving: bool) -> None:
    if not moving:
        client.uid("STORE", uid, "+FLAGS", f"(\\Seen {KEYWORD})")
        return
    capabilities = {c.upper() for c in client.capabilities}
    if "MOVE" in capabilities:
        client.uid("MOVE", uid, _quote(mailbox.processed_folder))
        return
    client.uid("COPY", uid, _quote(mailbox.processed_folder))
    client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")


__all__ = ["KEYWORD", "MailboxError", "connect", "mailbox_poll", "mailbox_test_connection"]
