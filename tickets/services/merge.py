"""Merging one ticket into another: the conversation moves, the merged ticket closes with a link."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tickets import access
from tickets.choices import Status
from tickets.models import Attachment, Comment, EventKind, Ticket, TicketEvent
from tickets.services.common import lock_ticket, record, touch
from tickets.services.status import apply_status

# The merged ticket's status events move with the rest of its history, renamed: the
# target's resolution clock is rebuilt from the events whose field is "status"
# (``status_timeline``), and the merged ticket's pauses are not the target's.
MERGED_STATUS_FIELD = "merged_status"


def _lock_both(source: Ticket, target: Ticket, expected_version: int | None) -> tuple[Ticket, Ticket]:
    """Lock the two rows in primary-key order, so two merges of the same pair cannot deadlock."""
    locked: dict[int, Ticket] = {}
    for pk in sorted((source.pk, target.pk)):
        locked[pk] = lock_ticket(pk, expected_version=expected_version if pk == source.pk else None)
    return locked[source.pk], locked[target.pk]


def _check_can_merge(actor: User, source: Ticket, target: Ticket) -> None:
    if not access.can_view_ticket(actor, source):
        raise NotFound("Ticket not found.")
    if not access.can_view_ticket(actor, target):
        raise NotFound("The ticket to merge into was not found.", {"target": ["Ticket not found."]})
    for ticket in (source, target):
        if not access.can_edit_ticket(actor, ticket):
            raise PermissionDenied(f"Merging needs the right to edit both tickets; you may not edit {ticket.number}.")
    if source.merged_into_id is not None:
        raise _refuse("source", f"{source.number} has already been merged into another ticket.")
    if source.status == Status.CLOSED:
        raise _refuse("source", f"{source.number} is closed; reopen it before merging it.")
    if target.merged_into_id is not None:
        raise _refuse(
            "target",
            f"{target.number} has itself been merged into another ticket; merge into that ticket instead.",
        )
    if target.status == Status.CLOSED:
        raise _refuse("target", f"{target.number} is closed; a ticket cannot be merged into a closed ticket.")


def _refuse(side: str, message: str) -> InvalidTransition:
    return InvalidTransition(message, {side: [message]})


def ticket_merge(
    *,
    actor: User,
    source: Ticket,
    target: Ticket,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Merge ``source`` into ``target``; return the target, locked and updated.

    Nothing is lost: the source's comments, attachments and events move to the
    target (keeping their times, so the target's timeline interleaves them), the
    target gains the source's tags, and an internal note on the target keeps
    the source's subject and description. The source is closed, whatever its
    status, with ``merged_into`` pointing at the target and its own ``merged``
    and ``closed`` events; tickets earlier merged into the source now point at
    the target. Requesters are not changed; when they differ, the target's
    ``merged`` event names the source's requester. The target's SLA clocks and
    first response are left as they are. No one is notified: there is no
    notification kind for a merge.

    Needs the right to edit both tickets. ``expected_version`` is the source's.
    Refuses a merge of a ticket into itself (``ValidationFailed``), a source
    already merged or closed and a target closed or merged (``InvalidTransition``).
    Runs a fixed number of queries however long the conversation.
    """
    if source.pk == target.pk:
        raise ValidationFailed.on("target", "A ticket cannot be merged into itself.")
    now = now or timezone.now()
    with transaction.atomic():
        source, target = _lock_both(source, target, expected_version)
        _check_can_merge(actor, source, target)

        # Move the history first, so the events written below stay where they belong.
        Comment.objects.filter(ticket=source).update(ticket=target)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        TicketEvent.objects.filter(ticket=source).update(
            ticket=target,
            field=Case(When(field="status", then=Value(MERGED_STATUS_FIELD)), default=F("field")),
        )
        # Keep every merged_into one hop from a live ticket.
        Ticket.objects.filter(merged_into=source).update(merged_into=target, version=F("version") + 1, updated_at=now)

        description = source.description.strip() or "(no description)"
        merge_note = Comment.objects.create(
            ticket=target,
            author=actor,
            body=f"Merged from {source.number} «{source.subject}»:\n\n{description}",
            is_internal=True,
            created_at=now,
        )
        requester_differs = source.requester_id != target.requester_id
        record(
            target,
            EventKind.MERGED,
            actor=actor,
            now=now,
            field="merged_from",
            new=source.number,
            note=note,
            source_id=source.pk,
            comment_id=merge_note.pk,
            # The source's requester keeps their ticket, which links here.
            source_requester_id=source.requester_id if requester_differs else None,
        )
        target_tags = list(target.tags.all())
        have = {tag.pk for tag in target_tags}
        gained = [tag for tag in source.tags.all() if tag.pk not in have]
        if gained:
            target.tags.add(*gained)
            record(
                target,
                EventKind.UPDATED,
                actor=actor,
                now=now,
                field="tags",
                old=", ".join(sorted(tag.name for tag in target_tags)),
                new=", ".join(sorted(tag.name for tag in [*target_tags, *gained])),
                reason="merged",
            )
        touch(target, now, set())

        source.merged_into = target
        record(
            source,
            EventKind.MERGED,
            actor=actor,
            now=now,
            field="merged_into",
            new=target.number,
            note=note,
            target_id=target.pk,
        )
        # Closed from any open status, whatever the workflow table allows by hand.
        changed = apply_status(source, Status.CLOSED, actor=actor, now=now, system_move=True, reason="merged")
        touch(source, now, changed | {"merged_into"})
    return target
