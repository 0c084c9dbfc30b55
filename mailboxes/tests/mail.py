"""Messages as common mail clients write them: real MIME, real headers."""

from __future__ import annotations

import itertools
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from django.utils import timezone

_counter = itertools.count(1)


def message(
    *,
    sender: str = "Ana Lima <ana@example.com>",
    to: str = "support@example.test",
    subject: str = "The printer is on fire",
    body: str = "Hello,\n\nthe printer on floor 2 is on fire.\n\nAna",
    html: str | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    message_id: str | None = None,
) -> bytes:
    """A message as Thunderbird sends it (multipart/alternative when ``html`` is given)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(f"c{next(_counter)}", domain="mail.example.com")
    msg["User-Agent"] = "Mozilla Thunderbird"
    msg["MIME-Version"] = "1.0"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def reply_to(received: bytes, *, sender: str, body: str, subject: str | None = None) -> bytes:
    """The reply a mail client writes to ``received``: Re: subject, In-Reply-To, References, the quote."""
    original = message_from_bytes(received, policy=policy.default)
    quoted = original.get_body(preferencelist=("plain",)).get_content()
    answer_to = original.get("Reply-To") or original["From"]
    references = " ".join(x for x in (original.get("References", ""), original["Message-ID"]) if x)
    when = original.get("Date", "Mon, 2 Mar 2026 09:00:00 +0000")
    name = parseaddr(str(original["From"]))[0] or "Helpdesk"
    text = f"{body}\n\nOn {when}, {name} <{parseaddr(str(original['From']))[1]}> wrote:\n" + "".join(
        f"> {line}\n" for line in quoted.splitlines()
    )
    return message(
        sender=sender,
        to=str(answer_to),
        subject=subject or f"Re: {original['Subject']}",
        body=text,
        headers={"In-Reply-To": str(original["Message-ID"]), "References": references},
    )
