"""Writing the milestones the reports count (``tickets/models/milestone.py``), in the change's transaction.

The services call these where the moment happens: the SLA service when a clock stops, the
status service on reopening, the assignment paths when a ticket gets an agent. Each writes one
row with the ticket's priority, team, category and policy as they are at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tickets import sla
from tickets.models import Comment, Milestone, MilestoneKind, Ticket


def _seconds(duration: timedelta | None) -> int | None:
    return None if duration is None else round(duration.total_seconds())


def milestone_record(
    ticket: Ticket,
    kind: str,
    *,
    at: datetime,
    assignee_id: int | None = None,
    duration: timedelta | None = None,
    **figures: int | bool | None,
) -> Milestone:
    """Write one milestone of ``ticket`` as it is now; ``assignee_id`` defaults to the ticket's assignee."""
    return Milestone.objects.create(
        ticket=ticket,
        kind=kind,
        at=at,
        assignee_id=ticket.assignee_id if assignee_id is None else assignee_id,
        team_id=ticket.team_id,
        category_id=ticket.category_id,
        priority=ticket.priority,
        sla_policy_id=ticket.sla_policy_id,
        seconds=_seconds(duration),
        **figures,
    )


def public_staff_replies(ticket: Ticket) -> int:
    """The public replies staff wrote on the ticket so far (not its requester's, nor automation rules')."""
    return (
        Comment.objects.filter(ticket=ticket, is_internal=False, author__is_staff=True)
        .exclude(author_id=ticket.requester_id)
        .exclude(author__is_system=True)
        .count()
    )


def milestone_stopped(
    ticket: Ticket,
    *,
    at: datetime,
    counted: timedelta,
    met: bool | None,
    timeline: Sequence[tuple[datetime, bool]],
) -> Milestone:
    """The resolution clock stopped (resolved, or closed unresolved): its counted time, the replies
    before it, and the wall time the ticket spent waiting on the desk and waiting on others."""
    waited = sla.running_time(timeline, at, None)
    return milestone_record(
        ticket,
        MilestoneKind.RESOLVED if ticket.resolved_at is not None else MilestoneKind.CLOSED,
        at=at,
        duration=counted,
        met=met,
        replies=public_staff_replies(ticket),
        wait_seconds=_seconds(waited),
        paused_seconds=_seconds(max(at - ticket.created_at - waited, timedelta(0))),
    )
