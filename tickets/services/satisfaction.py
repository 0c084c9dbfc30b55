"""The requester's satisfaction rating of a resolved or closed ticket."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tickets import access, workflow
from tickets.models import EventKind, SatisfactionRating, Ticket
from tickets.models.satisfaction import COMMENT_MAX_LENGTH, SCORE_MAX, SCORE_MIN
from tickets.services.common import lock_ticket, record, touch


def _clean_score(score: int | str) -> int:
    problem = f"A rating is a whole number from {SCORE_MIN} to {SCORE_MAX}."
    if isinstance(score, bool) or not isinstance(score, int | str):
        raise ValidationFailed.on("score", problem)
    if isinstance(score, str):
        if not score.strip().isdigit():
            raise ValidationFailed.on("score", problem)
        score = int(score.strip())
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationFailed.on("score", problem)
    return score


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationFailed.on("comment", f"A rating comment has at most {COMMENT_MAX_LENGTH} characters.")
    return comment


def ticket_rate(
    *, actor: User, ticket: Ticket, score: int, comment: str = "", now: datetime | None = None
) -> SatisfactionRating:
    """Rate how a resolved or closed ticket was handled (1-5 and an optional comment).

    Customers who may see the ticket rate it; staff never do. A ticket has one
    rating: rating again replaces the score and comment. Refuses an unfinished
    or merged ticket with ``InvalidTransition``. Records a ``rated`` event and
    bumps the ticket's version; rating again with the same answer changes nothing.
    """
    score = _clean_score(score)
    comment = _clean_comment(comment)
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_ticket(ticket)
        if not access.can_view_ticket(actor, locked):
            raise NotFound("Ticket not found.")
        if actor.is_staff_role:
            raise PermissionDenied("Staff cannot rate tickets; ratings come from customers.")
        if locked.merged_into_id is not None:
            message = "This ticket was merged into another; rate that one instead."
            raise InvalidTransition(message, {"status": [message]}, current=locked.status)
        if locked.status not in workflow.DONE_STATUSES:
            message = "A ticket can be rated once it is resolved or closed."
            raise InvalidTransition(message, {"status": [message]}, current=locked.status)
        rating = SatisfactionRating.objects.filter(ticket=locked).first()
        if rating is not None and (rating.score, rating.comment) == (score, comment):
            return rating
        old_score = rating.score if rating is not None else None
        if rating is None:
            rating = SatisfactionRating.objects.create(
                ticket=locked, score=score, comment=comment, rated_by=actor, created_at=now, updated_at=now
            )
        else:
            rating.score, rating.comment, rating.rated_by, rating.updated_at = score, comment, actor, now
            rating.save(update_fields=["score", "comment", "rated_by", "updated_at"])
        # The comment stays on the rating; the history only says that there was one.
        record(
            locked,
            EventKind.RATED,
            actor=actor,
            now=now,
            field="score",
            old=old_score,
            new=score,
            comment_length=len(comment) or None,
        )
        touch(locked, now, set())
    return rating
