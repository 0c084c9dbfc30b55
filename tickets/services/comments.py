"""Adding, editing and deleting comments: public replies and internal notes."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from tickets import access, workflow
from tickets.models import Comment, EventKind, NotificationKind, Ticket, TicketEvent
from tickets.services.common import lock_ticket, record, touch
from tickets.services.notifications import notify
from tickets.services.sla import sla_first_responded
from tickets.services.status import apply_status
from tickets.services.tickets import ticket_create


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed.on("body", "A comment needs some text.")
    return body


def comment_add(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    is_internal: bool = False,
    expected_version: int | None = None,
    now: datetime | None = None,
    moves_status: bool = True,
) -> Comment:
    """Add a public reply or internal note.

    The first public reply from staff meets the first-response SLA. A public reply from the
    requester moves the ticket as the workflow says (``workflow.target_after_requester_reply``):
    pending -> open, resolved (or closed within the reopen window) -> reopened; on a ticket closed
    longer ago it opens a follow-up ticket linked to this one, and the reply is that ticket's first
    comment (the one returned). ``moves_status=False`` skips those moves, for a copy of a reply
    whose own desk already moved the ticket (integrations pull the desk's status with it).
    """
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        locked = lock_ticket(ticket, expected_version=expected_version)
        if not access.can_view_ticket(actor, locked):
            raise NotFound("Ticket not found.")
        if not access.can_comment(actor, locked, internal=is_internal):
            raise PermissionDenied("Only staff can add internal notes.")
        # A merged ticket's conversation continues in the ticket it was merged into; it never moves.
        moves = moves_status and not is_internal and actor.pk == locked.requester_id and locked.merged_into_id is None
        window = {"closed_at": locked.closed_at, "now": now, "window_days": settings.REOPEN_WINDOW_DAYS}
        if moves and workflow.needs_follow_up(locked.status, **window):
            return _follow_up(locked, actor=actor, body=body, now=now)
        comment = Comment.objects.create(
            ticket=locked, author=actor, body=body, is_internal=is_internal, created_at=now
        )
        event = record(
            locked, EventKind.COMMENT_ADDED, actor=actor, now=now, internal=is_internal, comment_id=comment.pk
        )
        _notify_comment(locked, event, actor, is_internal)
        changed: set[str] = set()
        if not is_internal:
            is_requester = actor.pk == locked.requester_id
            # An automation rule's reply is the desk's, not a person's: it answers no first response.
            first = actor.is_staff_role and not actor.is_automation and not is_requester
            if first and locked.first_responded_at is None:
                changed |= sla_first_responded(locked, now=now, by=actor)
            if moves and (target := workflow.target_after_requester_reply(locked.status, **window)) is not None:
                changed |= apply_status(locked, target, actor=actor, now=now, reason="requester replied")
        touch(locked, now, changed)
    return comment


def _follow_up(closed: Ticket, *, actor: User, body: str, now: datetime) -> Comment:
    """A new ticket for a reply to ``closed`` past its reopen window, linked both ways, the reply its first comment."""
    follow_up = ticket_create(
        actor=actor,
        subject=closed.subject,
        category=closed.category,
        description=f"Follow-up to {closed.number}, closed on {closed.closed_at:%Y-%m-%d}.",
        priority=closed.priority,
        organization=closed.organization,
        channel=closed.channel,
        now=now,
    )
    Ticket.objects.filter(pk=follow_up.pk).update(follow_up_of=closed)
    follow_up.follow_up_of = closed
    record(
        closed,
        EventKind.FOLLOWED_UP,
        actor=actor,
        now=now,
        field="follow_up",
        new=follow_up.number,
        follow_up_id=follow_up.pk,
    )
    return comment_add(actor=actor, ticket=follow_up, body=body, now=now)


def _notify_comment(ticket: Ticket, event: TicketEvent, author: User, internal: bool) -> None:
    """Internal notes reach the assignee and team lead; public replies reach the other side."""
    lead = ticket.team.lead if ticket.team_id else None
    if internal:
        staff = [user for user in (ticket.assignee, lead) if user is not None and user.is_staff_role]
        notify(event=event, kind=NotificationKind.INTERNAL_NOTE, recipients=staff, exclude=author)
        return
    if author.is_staff_role and author.pk != ticket.requester_id:
        recipients = [ticket.requester]
    elif ticket.assignee is not None:
        recipients = [ticket.assignee]
    else:
        recipients = list(ticket.team.members.all()) if ticket.team_id else []
    notify(event=event, kind=NotificationKind.PUBLIC_REPLY, recipients=recipients, exclude=author)


def _comment_for(actor: User, comment: Comment, allowed: bool, refusal: str) -> None:
    if not access.can_view_comment(actor, comment):
        raise NotFound("Comment not found.")
    if not allowed:
        raise PermissionDenied(refusal)


def comment_edit(*, actor: User, comment: Comment, body: str, now: datetime | None = None) -> Comment:
    """Change a comment's text (its author only); the old text stays in the history."""
    now = now or timezone.now()
    body = _clean_body(body)
    _comment_for(actor, comment, access.can_edit_comment(actor, comment), "Only the author can edit a comment.")
    if body == comment.body:
        return comment
    with transaction.atomic():
        old = comment.body
        comment.body = body
        comment.edited_at = now
        comment.save(update_fields=["body", "edited_at"])
        record(
            comment.ticket,
            EventKind.COMMENT_EDITED,
            actor=actor,
            now=now,
            field="body",
            old=old,
            new=body,
            internal=comment.is_internal,
            comment_id=comment.pk,
        )
    return comment


def comment_delete(*, actor: User, comment: Comment, now: datetime | None = None) -> None:
    """Delete a comment (its author or an admin), with the files attached to it."""
    now = now or timezone.now()
    allowed = access.can_delete_comment(actor, comment)
    _comment_for(actor, comment, allowed, "Only the author or an admin can delete a comment.")
    with transaction.atomic():
        files = [attachment.file for attachment in comment.attachments.all()]
        record(
            comment.ticket,
            EventKind.COMMENT_DELETED,
            actor=actor,
            now=now,
            old=comment.body,
            internal=comment.is_internal,
            comment_id=comment.pk,
        )
        comment.delete()
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
