"""Mail that must never be answered: auto-replies, bulk mail, bounces (RFC 3834, RFC 3464)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings

from mailboxes.parsing import ParsedMessage, header, part_text

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponder")
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounce[s]?|no-?reply)([+@.-]|$)", re.I)
_AUTO_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|"
    r"absence|réponse automatique|undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery failed)\b",
    re.I,
)


def automatic_reason(parsed: ParsedMessage, own_addresses: set[str]) -> str:
    """Why the message is automatic or bulk mail that must not open a ticket or be answered; "" if not."""
    auto_submitted = parsed.header("Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = parsed.header("Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTO_HEADERS:
        if parsed.header(name):
            return f"{name} header"
    suppress = parsed.header("X-Auto-Response-Suppress").lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    if parsed.header("List-Id") and parsed.header("List-Unsubscribe"):
        return "mailing-list mail (List-Id)"
    if not parsed.sender:
        return "no sender address"
    if parsed.header("Return-Path").replace(" ", "") == "<>":
        return "a null Return-Path (RFC 3834: never answered)"
    if _DAEMONS.match(parsed.sender):
        return f"sent by {parsed.sender}"
    if parsed.sender in own_addresses:
        return "sent by one of our own addresses"
    if _AUTO_SUBJECTS.match(parsed.subject):
        return "an automatic reply's subject"
    return ""


def own_addresses(mailbox_addresses: list[str]) -> set[str]:
    """Our own sender addresses: mail from them is our mail coming back."""
    found = {address.lower() for address in mailbox_addresses}
    found.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    return found


@dataclass
class Bounce:
    recipient: str
    reason: str


def bounce_of(parsed: ParsedMessage) -> Bounce | None:
    """The failed recipient and reason of a delivery failure report, or None if it is not one."""
    message = parsed.message
    if message is None:
        return None
    is_report = message.get_content_type() == "multipart/report"
    from_daemon = bool(_DAEMONS.match(parsed.sender)) and not parsed.sender.startswith("no")
    if not (is_report or from_daemon or parsed.header("Return-Path").strip() == "<>"):
        return None
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        fields = _status_fields(part)
        action = fields.get("action", "failed").lower()
        if action not in ("failed", ""):
            return None  # delayed, delivered, relayed: not a bounce
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        recipient = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        reason = " ".join(x for x in (fields.get("status", ""), fields.get("diagnostic-code", "")) if x)
        if recipient:
            return Bounce(recipient, reason[:500] or "delivery failed")
    if from_daemon:
        # A non-standard bounce: the first address the text names that is not the daemon's.
        text = parsed.text
        for address in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text):
            if not _DAEMONS.match(address):
                return Bounce(address.lower(), (parsed.subject or "delivery failed")[:500])
    return None


def _status_fields(part) -> dict[str, str]:
    """The fields of a message/delivery-status part (the per-message and per-recipient blocks)."""
    fields: dict[str, str] = {}
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    texts = [str(block) for block in blocks] if blocks else [part_text(part)]
    for text in texts:
        for line in text.splitlines():
            if ":" in line and not line.startswith((" ", "\t")):
                key, value = line.split(":", 1)
                fields.setdefault(key.strip().lower(), value.strip())
    return fields


__all__ = ["Bounce", "automatic_reason", "bounce_of", "header", "own_addresses"]
