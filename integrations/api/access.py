"""Who may use a desk's records through the integration endpoints: ``tickets/access.py`` applied to remote ids.

- A remote ticket linked here (a ``RemoteLink`` on the connection) is its local ticket: 404 when the
  user may not see that ticket (``can_view_ticket``), 403 for a write they may not make
  (``can_edit_ticket`` for an update, ``can_comment`` for a comment).
- A remote ticket not linked here has no requester, team or assignee of ours to check, so only
  staff who see every ticket (``visibility_filter`` is None: agents under
  ``AGENT_TICKET_VISIBILITY=all``, team leads, managers, admins) may read or write it; others get 404.
- Lists and searches of remote tickets keep only the tickets the user could open one by one.
- The desk's users, organizations and analytics, and creating users there: managers and admins (403).

Every check runs before the desk is called, so a refusal costs no remote call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
from accounts.roles import Role
from helpdesk.errors import NotFound, PermissionDenied
from integrations.models import Connection, RemoteLink
from tickets.access import can_view_ticket, visibility_filter
from tickets.models import Ticket

NOT_FOUND_MESSAGE = "There is no such ticket on the desk."


class IsManagerRole(BasePermission):
    """Managers and admins: the desk's people and figures are not every agent's business."""

    message = "Only managers and admins can see the desk's users, organizations and figures."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in (Role.MANAGER, Role.ADMIN))


def sees_every_ticket(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff_role and visibility_filter(user) is None


def _linked_tickets(connection: Connection, remote_ids: Iterable[str]) -> dict[str, Ticket]:
    links = RemoteLink.objects.filter(connection=connection, remote_id__in=list(remote_ids)).select_related(
        "ticket", "ticket__organization"
    )
    return {link.remote_id: link.ticket for link in links}


def remote_ticket_for_read(user: User, connection: Connection, remote_id: str | int) -> Ticket | None:
    """The local ticket linked to ``remote_id`` (None when unlinked); 404 when ``user`` may not see it."""
    ticket = _linked_tickets(connection, [str(remote_id)]).get(str(remote_id))
    if ticket is None:
        if not sees_every_ticket(user):
            raise NotFound(NOT_FOUND_MESSAGE)
        return None
    if not can_view_ticket(user, ticket):
        raise NotFound(NOT_FOUND_MESSAGE)
    return ticket


def remote_ticket_for_write(
    user: User, connection: Connection, remote_id: str | int, allowed: Callable[[Ticket], bool], message: str
) -> None:
    """404 as ``remote_ticket_for_read``; then 403 ``message`` when ``allowed(linked ticket)`` is false."""
    ticket = remote_ticket_for_read(user, connection, remote_id)
    if ticket is not None and not allowed(ticket):
        raise PermissionDenied(message)


def visible_remote_tickets(user: User, connection: Connection, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The remote tickets of a page that ``user`` may open (module docstring), in their order."""
    if sees_every_ticket(user):
        return items
    linked = _linked_tickets(connection, (str(item.get("id")) for item in items))
    return [
        item
        for item in items
        if (ticket := linked.get(str(item.get("id")))) is not None and can_view_ticket(user, ticket)
    ]
