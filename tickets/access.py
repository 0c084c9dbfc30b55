"""Who may do what to tickets, comments and attachments: PRODUCT.md's permission table.

The one access module for every face: API, admin, portal and services all ask
here. A ticket a user may not see must answer 404 (no existence leak), so
callers check ``can_view_ticket`` first and only then the finer rights.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from tickets.choices import Status
from tickets.models import Attachment, Comment, Ticket


def team_ids_of(user: User) -> frozenset[int]:
    """The teams a user belongs to or leads, cached on the user object for the request."""
    cached = getattr(user, "_helpdesk_team_ids", None)
    if cached is None:
        member = user.teams.values_list("id", flat=True)
        led = user.led_teams.values_list("id", flat=True)
        cached = frozenset(member) | frozenset(led)
        user._helpdesk_team_ids = cached  # type: ignore[attr-defined]
    return cached


def _is_staff(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff_role


def visibility_filter(user: User) -> Q | None:
    """The condition on tickets a user may see; None means every ticket."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.CUSTOMER:
        own = Q(requester_id=user.pk)
        if user.organization_id and user.organization.shares_tickets:
            own |= Q(organization_id=user.organization_id)
        return own
    if user.role == Role.AGENT and settings.AGENT_TICKET_VISIBILITY != "all":
        mine = Q(assignee_id=user.pk) | Q(requester_id=user.pk)
        if settings.AGENT_TICKET_VISIBILITY == "team":
            mine |= Q(team_id__in=team_ids_of(user))
        return mine
    return None


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.CUSTOMER:
        if ticket.requester_id == user.pk:
            return True
        return bool(
            user.organization_id and ticket.organization_id == user.organization_id and user.organization.shares_tickets
        )
    if user.role == Role.AGENT and settings.AGENT_TICKET_VISIBILITY != "all":
        if user.pk in (ticket.assignee_id, ticket.requester_id):
            return True
        return settings.AGENT_TICKET_VISIBILITY == "team" and ticket.team_id in team_ids_of(user)
    return True


def can_edit_ticket(user: User, ticket: Ticket) -> bool:
    """Edit fields (subject, priority, category, team, tags...)."""
    if not _is_staff(user) or not can_view_ticket(user, ticket):
        return False
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    if ticket.assignee_id == user.pk:
        return True
    in_my_team = ticket.team_id is not None and ticket.team_id in team_ids_of(user)
    if user.role == Role.TEAM_LEAD:
        return in_my_team
    return ticket.assignee_id is None and in_my_team


def can_change_status(user: User, ticket: Ticket, target: Status | str) -> bool:
    if not can_view_ticket(user, ticket):
        return False
    if _is_staff(user):
        return True
    # Customers: reopen or mark resolved their own tickets, nothing else. The reopen
    # window is a workflow rule (409 with the reason), not a right.
    return ticket.requester_id == user.pk and Status(target) in (Status.REOPENED, Status.RESOLVED)


def can_assign(user: User, ticket: Ticket, assignee: User | None, team_id: int | None = None) -> bool:
    """Assign to self (agent), within own teams (team lead), to anyone (manager, admin)."""
    if not _is_staff(user) or not can_view_ticket(user, ticket):
        return False
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    if user.role == Role.AGENT:
        return assignee is not None and assignee.pk == user.pk and team_id in (None, ticket.team_id)
    my_teams = team_ids_of(user)
    if team_id is not None and team_id not in my_teams:
        return False
    if assignee is None or assignee.pk == user.pk:
        return True
    return bool(team_ids_of(assignee) & my_teams)


def can_see_internal(user: User) -> bool:
    return _is_staff(user)


def can_delete_ticket(user: User, ticket: Ticket) -> bool:
    return _is_staff(user) and user.role == Role.ADMIN


def can_comment(user: User, ticket: Ticket, *, internal: bool) -> bool:
    if not can_view_ticket(user, ticket):
        return False
    return _is_staff(user) if internal else True


def can_view_comment(user: User, comment: Comment) -> bool:
    if comment.is_internal and not can_see_internal(user):
        return False
    return can_view_ticket(user, comment.ticket)


def can_edit_comment(user: User, comment: Comment) -> bool:
    return can_view_comment(user, comment) and comment.author_id == user.pk


def can_delete_comment(user: User, comment: Comment) -> bool:
    if not can_view_comment(user, comment):
        return False
    return comment.author_id == user.pk or user.role == Role.ADMIN


def can_view_attachment(user: User, attachment: Attachment) -> bool:
    if attachment.comment_id is not None and not can_view_comment(user, attachment.comment):
        return False
    return can_view_ticket(user, attachment.ticket)


def can_delete_attachment(user: User, attachment: Attachment) -> bool:
    if not can_view_attachment(user, attachment):
        return False
    return attachment.uploaded_by_id == user.pk or user.role == Role.ADMIN
