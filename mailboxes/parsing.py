"""Reading a raw email: headers, the text of its body, its attachments. Never raises on bad MIME.

The standard library's parser (``policy.default``) reads the message; whatever it cannot
decode (an unknown charset, a broken header, a truncated part) falls back to a best effort:
bytes decoded with replacement characters, a header taken as it stands. HTML-only mail is
turned into text by ``mailboxes.text.html_to_text``, which keeps no script or style content.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from mailboxes.text import html_to_text

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    recipients: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    message: Message | None = None

    def header(self, name: str) -> str:
        return header(self.message, name) if self.message is not None else ""


def header(message: Message, name: str) -> str:
    """A header's decoded value ("" when missing); a header the parser chokes on is taken raw."""
    try:
        value = message.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception:  # noqa: BLE001 - a malformed header must not stop the message
        for key, raw in message.raw_items() if hasattr(message, "raw_items") else message.items():
            if key.lower() == name.lower():
                return " ".join(str(raw).split())
        return ""


def _addresses(message: Message, *names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        for _, address in getaddresses([header(message, name)]):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _charset(name: str | None) -> str:
    try:
        return codecs.lookup(name or "utf-8").name
    except LookupError:
        return "latin-1"  # decodes any byte: better a few odd letters than no text


def part_text(part: Message) -> str:
    """The decoded text of a text part, whatever its declared charset or transfer encoding."""
    raw = part.get_payload()
    part.get_payload(decode=True)  # notes the transfer encoding's defects on the part
    if isinstance(raw, str) and any("Base64" in type(d).__name__ for d in getattr(part, "defects", [])):
        # Base64 that is not: its decoding would be noise, the text as sent says more.
        return raw
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:  # noqa: BLE001, S110 - fall back to the raw bytes below
        pass
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(_charset(part.get_content_charset()), errors="replace")
    payload = part.get_payload()
    return payload if isinstance(payload, str) else ""


def _body(message: EmailMessage, problems: list[str]) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception as exc:  # noqa: BLE001
        problems.append(f"body: {type(exc).__name__}")
        part = None
    if part is None:
        # Not found where expected: the first text part anywhere, else nothing.
        part = next((p for p in message.walk() if p.get_content_maintype() == "text"), None)
        if part is None:
            # A multipart whose boundary never comes keeps its body as one string: that is the text.
            payload = message.get_payload()
            return payload.strip() if isinstance(payload, str) else ""
    text = part_text(part)
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text


def _attachments(message: EmailMessage, body_part_ids: set[int], problems: list[str]) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part.is_multipart() or id(part) in body_part_ids:
            continue
        try:
            filename = part.get_filename()
        except Exception:  # noqa: BLE001
            filename = None
        disposition = (part.get_content_disposition() or "").lower()
        if not filename and disposition != "attachment":
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception as exc:  # noqa: BLE001
            problems.append(f"attachment {filename!r}: {type(exc).__name__}")
            continue
        found.append(Attachment(filename or "attachment", part.get_content_type(), data))
    return found


def message_id_of(message: Message | None, raw: bytes) -> str:
    """The message's own Message-ID, or a stable stand-in made from its bytes."""
    if message is not None:
        match = _MESSAGE_ID.search(header(message, "Message-ID"))
        if match:
            return match.group(0)[:255]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def parse(raw: bytes) -> ParsedMessage:
    """Everything the email channel needs from a raw message; problems are listed, never raised."""
    problems: list[str] = []
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # noqa: BLE001 - the parser itself gave up: keep the bytes as text
        text = raw.decode("utf-8", errors="replace")
        return ParsedMessage(message_id_of(None, raw), "", "", "", text, problems=[f"parse: {exc}"])
    problems += [type(defect).__name__ for defect in getattr(message, "defects", [])]
    # The author is From (Reply-To names where answers go, not who wrote).
    name, sender = parseaddr(header(message, "From"))
    body_parts: set[int] = set()
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        if body is not None:
            body_parts.add(id(body))
    except Exception:  # noqa: BLE001, S110 - no body found: the walk below finds the text
        pass
    references = _MESSAGE_ID.findall(header(message, "In-Reply-To")) + _MESSAGE_ID.findall(
        header(message, "References")
    )
    return ParsedMessage(
        message_id=message_id_of(message, raw),
        sender=sender.strip().lower() if "@" in sender else "",
        sender_name=name.strip()[:150],
        subject=header(message, "Subject")[:255],
        text=_body(message, problems),
        recipients=_addresses(message, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"),
        cc=_addresses(message, "Cc"),
        references=references,
        attachments=_attachments(message, body_parts, problems),
        problems=problems,
        message=message,
    )
