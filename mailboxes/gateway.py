"""An SMTP or LMTP server that hands each message to ``message_receive``: for sites whose MTA
delivers to us directly (Postfix ``transport``/``lmtp:``) instead of filing mail for IMAP.

A recipient is accepted when it is an active mailbox's address, or that address with a
``+tag`` (the signed reply addresses); anything else is refused at RCPT (550), so the
gateway relays nothing. The message is recorded and processed before the server answers
250, so mail the gateway accepted is never lost; an error in between answers 451 and the
sending MTA tries again later (``message_receive`` makes a repeat harmless).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from mailboxes.models import Mailbox
from mailboxes.services import message_receive

logger = logging.getLogger(__name__)


def max_message_bytes() -> int:
    """The largest message taken: one attachment at the limit, base64-encoded, and some text."""
    return settings.ATTACHMENT_MAX_BYTES * 4 // 3 + 1024 * 1024


def mailbox_for(recipient: str) -> Mailbox | None:
    """The active mailbox a recipient address belongs to (``support+tag@x`` is ``support@x``'s)."""
    local, _, domain = (recipient or "").strip().strip("<>").lower().rpartition("@")
    base = local.split("+", 1)[0]
    return Mailbox.objects.filter(is_active=True, address__iexact=f"{base}@{domain}").first()


# The server's thread holds no database connection between SMTP commands: each call opens and closes its own.
def _lookup(recipient: str) -> Mailbox | None:
    try:
        return mailbox_for(recipient)
    finally:
        connections.close_all()


def _deliver(mailbox: Mailbox, raw: bytes) -> str:
    try:
        return message_receive(mailbox=mailbox, raw=raw).outcome
    finally:
        connections.close_all()


class GatewayHandler:
    """aiosmtpd's handler: check recipients, then receive the message once per mailbox."""

    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        mailbox = await sync_to_async(_lookup, thread_sensitive=True)(address)
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        answers: dict[int, str] = {}
        statuses = []
        for address in envelope.rcpt_tos:
            mailbox = await sync_to_async(_lookup, thread_sensitive=True)(address)
            if mailbox is None:
                statuses.append("550 5.1.1 No such mailbox here")
                continue
            if mailbox.pk not in answers:
                try:
                    outcome = await sync_to_async(_deliver, thread_sensitive=True)(mailbox, raw)
                    answers[mailbox.pk] = f"250 2.0.0 Received ({outcome})"
                except Exception:
                    logger.exception("The gateway could not record a message for %s.", mailbox.address)
                    answers[mailbox.pk] = "451 4.3.0 Try again later"
            statuses.append(answers[mailbox.pk])
        if self.lmtp:
            return "\r\n".join(statuses)  # LMTP answers DATA once per recipient
        failed = [status for status in statuses if not status.startswith("250")]
        return failed[0] if failed else statuses[0]
