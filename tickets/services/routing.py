"""Auto-assignment: a new ticket in a team goes to one of its available agents."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from accounts.models import Team, User
from accounts.roles import STAFF_ROLES
from tickets import workflow
from tickets.models import EventKind, MilestoneKind, NotificationKind, Ticket
from tickets.services.common import record
from tickets.services.milestones import milestone_record
from tickets.services.notifications import notify
from tickets.services.status import apply_status


def pick_assignee(team: Team) -> User | None:
    """The member who gets the next ticket, by the team's rule; None when off or nobody is available.

    The team row must be locked by the caller: that serializes the choice, so
    concurrent tickets never read the same stale rotation or load.
    """
    if team.auto_assignment == Team.AutoAssignment.OFF:
        return None
    candidates = team.members.filter(is_active=True, is_available=True, role__in=sorted(STAFF_ROLES)).order_by("id")
    if team.auto_assignment == Team.AutoAssignment.ROUND_ROBIN:
        after = team.last_assigned_id or 0
        return candidates.filter(id__gt=after).first() or candidates.first()
    running = Q(tickets_assigned__status__in=workflow.SLA_RUNNING)
    return candidates.annotate(load=Count("tickets_assigned", filter=running)).order_by("load", "id").first()


def auto_assign(ticket: Ticket, *, now: datetime) -> set[str]:
    """Assign an unassigned ticket by its team's rule; return the ticket fields changed (caller saves)."""
    if ticket.assignee_id is not None or ticket.team_id is None:
        return set()
    team = Team.objects.select_for_update().get(pk=ticket.team_id)
    assignee = pick_assignee(team)
    if assignee is None:
        return set()
    team.last_assigned = assignee
    team.save(update_fields=["last_assigned"])
    ticket.assignee = assignee
    event = record(
        ticket, EventKind.ASSIGNED, actor=None, now=now, field="assignee", new=assignee.email, rule=team.auto_assignment
    )
    milestone_record(ticket, MilestoneKind.ASSIGNED, at=now)
    notify(event=event, kind=NotificationKind.TICKET_ASSIGNED, recipients=[assignee])
    changed = {"assignee"}
    if (target := workflow.target_after_assignment(ticket.status)) is not None:
        changed |= apply_status(ticket, target, actor=None, now=now, reason="auto-assigned")
    return changed
