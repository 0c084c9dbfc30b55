"""Receiving one email: record it once, then open a ticket, add a comment, or refuse it.

``message_receive`` is the one entry for polled mail, the gateway and the pipe. Every
change to tickets goes through ``tickets.services`` (``ticket_create``, ``comment_add``,
``attachment_add``), so the workflow, notifications, SLA and the upload checks apply as they
do in the portal. The ``InboundMessage`` row and the ticket write commit together, so a crash
before the commit leaves nothing and the message is processed again; after it, the row says
the message was done and a second delivery of the same Message-ID changes nothing.
Attachments are stored after that commit (no storage call while rows are locked); one that
is refused or fails is named in the row's details and the rest of the message still counts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import customer_for_email, user_email_bounced
from helpdesk.errors import HelpdeskError
from mailboxes.models import InboundMessage, Mailbox, Outcome
from mailboxes.parsing import ParsedMessage, parse
from mailboxes.safety import automatic_reason, bounce_of, own_addresses
from mailboxes.text import trim_reply
from mailboxes.threads import reply_token, ticket_for
from tickets import access
from tickets.choices import Channel
from tickets.models import Category, Comment, Ticket
from tickets.services import attachment_add, comment_add, ticket_create

logger = logging.getLogger(__name__)


class _Done(Exception):
    """Ends processing with an outcome that is recorded as it is (not a failure)."""

    def __init__(self, outcome: str, reason: str = "") -> None:
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason


def message_receive(*, mailbox: Mailbox, raw: bytes, now: datetime | None = None) -> InboundMessage:
    """Process one raw message that arrived at ``mailbox``, once per Message-ID; return its record.

    A message already recorded for this mailbox is returned as it is, unprocessed.
    Nothing here raises for bad mail: malformed MIME, an unknown sender, a failing
    attachment all end in the record's outcome and details.
    """
    now = now or timezone.now()
    parsed = parse(raw)
    existing = InboundMessage.objects.filter(mailbox=mailbox, message_id=parsed.message_id).first()
    if existing is not None:
        return existing
    record = InboundMessage(
        mailbox=mailbox,
        message_id=parsed.message_id,
        sender=parsed.sender[:254],
        subject=parsed.subject,
        cc=parsed.cc[:50],
        size=len(raw),
        received_at=now,
    )
    comment: Comment | None = None
    try:
        with transaction.atomic():
            record.save()
            try:
                comment = _process(mailbox, parsed, record, now)
            except _Done as done:
                record.outcome, record.reason = done.outcome, done.reason
            if parsed.problems:
                record.reason = _join(record.reason, "MIME problems: " + ", ".join(parsed.problems[:5]))
            record.save()
    except Exception as exc:
        # Another worker (the gateway and a poll, two polls) may have recorded it a moment ago.
        found = InboundMessage.objects.filter(mailbox=mailbox, message_id=parsed.message_id).first()
        if isinstance(exc, IntegrityError) and found is not None:
            return found
        logger.exception("Processing message %s of mailbox %s failed.", parsed.message_id, mailbox.pk)
        record.pk, record.ticket, record.author = None, None, None
        record._state.adding = True
        record.outcome, record.reason = Outcome.FAILED, f"{type(exc).__name__}: {exc}"[:1000]
        record.save()
        return record
    if record.ticket_id and parsed.attachments:
        _attach(record, parsed, comment, now)
    return record


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)[:2000]


def _process(mailbox: Mailbox, parsed: ParsedMessage, record: InboundMessage, now: datetime) -> Comment | None:
    if bounce := bounce_of(parsed):
        matched = user_email_bounced(email=bounce.recipient, reason=bounce.reason, now=now)
        raise _Done(Outcome.BOUNCE, f"{bounce.recipient}: {bounce.reason}" + ("" if matched else " (no such user)"))
    addresses = list(Mailbox.objects.values_list("address", flat=True))
    if reason := automatic_reason(parsed, own_addresses(addresses)):
        raise _Done(Outcome.AUTO_REPLY, reason)
    window = now - timedelta(seconds=settings.MAIL_SENDER_WINDOW)
    recent = InboundMessage.objects.filter(sender=parsed.sender, received_at__gte=window).exclude(pk=record.pk)
    if recent.count() >= settings.MAIL_SENDER_LIMIT:
        raise _Done(Outcome.RATE_LIMITED, f"more than {settings.MAIL_SENDER_LIMIT} messages in the window")
    sender = User.objects.filter(email__iexact=parsed.sender).first()
    if sender is not None and not sender.is_active:
        raise _Done(Outcome.REFUSED, "the sender's account is deactivated")
    token = reply_token(parsed.recipients, mailbox.address)
    ticket, found_by = ticket_for(parsed, token)
    if ticket is not None and sender is not None and _may_reply(sender, ticket):
        return _comment(parsed, record, ticket, sender, found_by, now)
    if token is not None and token.ticket_pk is None and sender is None:
        raise _Done(Outcome.REFUSED, "sent to a reply address that does not verify, by an unknown sender")
    note = f"not threaded: the sender may not reply on {ticket.number}" if ticket is not None else ""
    _create(mailbox, parsed, record, sender, now)
    record.reason = _join(record.reason, note)
    return None


def _may_reply(user: User, ticket: Ticket) -> bool:
    if user.pk == ticket.requester_id:
        return True
    return user.is_staff_role and access.can_view_ticket(user, ticket)


def _body(parsed: ParsedMessage) -> str:
    text = trim_reply(parsed.text)
    if not text:
        text = "(This email has only attachments.)" if parsed.attachments else "(This email has no text.)"
    return text


def _comment(
    parsed: ParsedMessage, record: InboundMessage, ticket: Ticket, sender: User, found_by: str, now: datetime
) -> Comment:
    # comment_add moves the ticket as the workflow says; past the reopen window of a closed ticket the
    # reply is the first comment of a follow-up ticket linked to it.
    comment = comment_add(actor=sender, ticket=ticket, body=_body(parsed), now=now)
    record.outcome, record.ticket, record.author = Outcome.COMMENT_ADDED, comment.ticket, sender
    record.reason = _join(record.reason, f"threaded by {found_by}")
    if comment.ticket_id != ticket.pk:
        record.outcome = Outcome.TICKET_CREATED
        record.reason = _join(record.reason, f"follow-up to {ticket.number}, closed past the reopen window")
    return comment


def _cc_footer(parsed: ParsedMessage) -> str:
    return f"\n\n---\nCc: {', '.join(parsed.cc)}" if parsed.cc else ""


def _create(
    mailbox: Mailbox,
    parsed: ParsedMessage,
    record: InboundMessage,
    sender: User | None,
    now: datetime,
) -> None:
    active = Category.objects.filter(is_active=True)
    category = active.filter(pk=mailbox.category_id).first() if mailbox.category_id else None
    category = category or active.order_by("position", "pk").first()
    if category is None:
        raise _Done(Outcome.FAILED, "there is no active category to file the ticket in")
    if sender is None:
        sender = customer_for_email(email=parsed.sender)
        if parsed.sender_name:
            sender.full_name = parsed.sender_name
            sender.save(update_fields=["full_name"])
    team = mailbox.team
    # Customers cannot route their own tickets: the team's lead opens it for them in that team.
    actor = team.lead if team is not None and team.lead_id and team.lead.is_active else sender
    ticket = ticket_create(
        actor=actor,
        requester=sender,
        subject=parsed.subject.strip() or "(no subject)",
        description=_body(parsed) + _cc_footer(parsed),
        category=category,
        priority=mailbox.priority,
        team=team if actor is not sender else None,
        channel=Channel.EMAIL,
        now=now,
    )
    record.outcome, record.ticket, record.author = Outcome.TICKET_CREATED, ticket, sender


def _attach(record: InboundMessage, parsed: ParsedMessage, comment: Comment | None, now: datetime) -> None:
    """Store the message's files through ``attachment_add`` (its size, type and scan checks)."""
    notes = []
    for item in parsed.attachments:
        upload = SimpleUploadedFile(item.filename, item.data, content_type=item.content_type)
        try:
            attachment_add(actor=record.author, ticket=record.ticket, upload=upload, comment=comment, now=now)
        except HelpdeskError as exc:
            notes.append(f"attachment {item.filename!r} refused: {exc}")
        except Exception as exc:
            logger.exception("Storing attachment %r of message %s failed.", item.filename, record.message_id)
            notes.append(f"attachment {item.filename!r} failed: {type(exc).__name__}")
    if notes:
        record.reason = _join(record.reason, *notes)
        record.save(update_fields=["reason"])
