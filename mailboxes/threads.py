"""Which ticket a message answers: our Message-IDs, the ticket number, a signed reply address.

Never by subject text alone. In this order:

1. ``In-Reply-To``/``References`` naming a Message-ID we sent (``<ticket-{pk}...@{domain}>``);
2. the ticket number in brackets in the subject (``[TICK-20260101-0001]``);
3. a signed reply address among the recipients (``support+r{pk}-{signature}@domain``).

Finding the ticket is not enough to post on it: ``services`` then checks that the sender is
its requester or staff who may see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from mailboxes.parsing import ParsedMessage
from tickets.models import Ticket

_SALT = "mailboxes.reply-address"
_TOKEN = re.compile(r"^r(\d{1,12})-([0-9a-f]{16})$")
_NUMBER = re.compile(r"\[(TICK-\d{8}-\d{4,})\]", re.IGNORECASE)


def _signature(pk: int) -> str:
    # Lower-case hex: some servers fold the local part's case.
    return salted_hmac(_SALT, str(pk), algorithm="sha256").hexdigest()[:16]


def reply_address(mailbox_address: str, ticket: Ticket) -> str:
    """``local+r{pk}-{signature}@domain``: replies to it come back to the ticket."""
    local, _, domain = mailbox_address.partition("@")
    return f"{local}+r{ticket.pk}-{_signature(ticket.pk)}@{domain}"


@dataclass
class Token:
    """A ``+tag`` found on one of our mailbox addresses: verified (the ticket's pk) or not."""

    ticket_pk: int | None


def reply_token(recipients: list[str], mailbox_address: str) -> Token | None:
    """The reply tag (``r{pk}-{signature}``) on the mailbox's address among the recipients; None when none."""
    local, _, domain = mailbox_address.lower().partition("@")
    for address in recipients:
        rlocal, _, rdomain = address.lower().partition("@")
        if rdomain != domain or not rlocal.startswith(f"{local}+"):
            continue
        match = _TOKEN.match(rlocal[len(local) + 1 :])
        if match is None:
            continue  # another +tag (support+billing@): not a reply address
        if constant_time_compare(match.group(2), _signature(int(match.group(1)))):
            return Token(int(match.group(1)))
        return Token(None)
    return None


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _by_references(references: list[str]) -> Ticket | None:
    pattern = re.compile(rf"^<ticket-(\d{{1,12}})(?:\.n\d+)?@{re.escape(_domain())}>$", re.IGNORECASE)
    # The newest reference first: In-Reply-To, then References from the end.
    in_reply_to, rest = references[:1], references[1:]
    for reference in [*in_reply_to, *reversed(rest)]:
        match = pattern.match(reference)
        if match and (ticket := Ticket.objects.filter(pk=int(match.group(1))).first()):
            return ticket
    return None


def _by_number(subject: str) -> Ticket | None:
    for number in _NUMBER.findall(subject):
        if ticket := Ticket.objects.filter(number=number.upper()).first():
            return ticket
    return None


def _live(ticket: Ticket | None) -> Ticket | None:
    # A merged ticket's conversation continues on the ticket it went into.
    seen = set()
    while ticket is not None and ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


def ticket_for(parsed: ParsedMessage, token: Token | None) -> tuple[Ticket | None, str]:
    """The ticket the message answers, and how it was found ("" when it answers none)."""
    if ticket := _by_references(parsed.references):
        return _live(ticket), "references"
    if ticket := _by_number(parsed.subject):
        return _live(ticket), "ticket number"
    if token is not None and token.ticket_pk is not None:
        if ticket := Ticket.objects.filter(pk=token.ticket_pk).first():
            return _live(ticket), "reply address"
    return None, ""
