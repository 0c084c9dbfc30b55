"""Create a new local ticket's copy in Zoho Desk at once, for seed 000's synchronous ``POST /requests``.

Used because ``integrations.sync`` (the sync engine's ``push_ticket``) was not in the tree when
these endpoints were written; once it is, the view should call that instead and this goes.
It writes the same records the engine does: the ``RemoteLink`` (before the call, so a retry
sees the attempt) and a ``SyncLogEntry``. No transaction is open during the call.
"""

from __future__ import annotations

from django.utils import timezone

from integrations.errors import IntegrationError
from integrations.models import Connection, Direction, Outcome, RemoteLink
from integrations.services import connection_record_success, sync_log
from integrations.zoho.client import ZohoClient
from tickets.choices import Priority
from tickets.models import Ticket

_PRIORITY_ORDER = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)


def _zoho_priority(connection: Connection, priority: str) -> str | None:
    """Our priority as a name of the department's picklist (lowest first), if the list has four names."""
    names = connection.zoho_priorities or []
    if len(names) != len(_PRIORITY_ORDER) or priority not in _PRIORITY_ORDER:
        return None
    return names[_PRIORITY_ORDER.index(priority)]


def zoho_ticket_push_now(*, connection: Connection, ticket: Ticket) -> RemoteLink:
    """Create ``ticket`` in Zoho Desk and link it; the link. Raises ``IntegrationError`` (link marked failed)."""
    link, _ = RemoteLink.objects.get_or_create(connection=connection, ticket=ticket)
    if link.remote_id:
        return link  # already there: never create it twice
    requester = ticket.requester
    payload: dict[str, object] = {
        "subject": ticket.subject,
        "contact": {"email": requester.email, "lastName": requester.full_name or requester.email.split("@")[0]},
    }
    if ticket.description:
        payload["description"] = ticket.description
    if priority := _zoho_priority(connection, ticket.priority):
        payload["priority"] = priority
    try:
        remote = ZohoClient(connection).create_ticket(payload)
    except IntegrationError as exc:
        RemoteLink.objects.filter(pk=link.pk).update(push_state=RemoteLink.PushState.FAILED)
        link.push_state = RemoteLink.PushState.FAILED
        sync_log(
            connection=connection,
            direction=Direction.PUSH,
            action="create_ticket",
            outcome=Outcome.FAILED,
            message=exc.message,
            ticket=ticket,
        )
        raise
    now = timezone.now()
    link.remote_id = str(remote["id"])
    link.remote_url = str(remote.get("webUrl") or "")[:500]
    link.push_state = RemoteLink.PushState.SYNCED
    link.last_pushed_at = now
    link.save(update_fields=["remote_id", "remote_url", "push_state", "last_pushed_at"])
    sync_log(
        connection=connection,
        direction=Direction.PUSH,
        action="create_ticket",
        outcome=Outcome.OK,
        ticket=ticket,
        remote_id=link.remote_id,
    )
    connection_record_success(connection=connection, at=now)
    return link
