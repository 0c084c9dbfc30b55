"""Status and priority merged field by field between our ticket and the desk's, against the last sync.

The link keeps each field as both sides last agreed, in the desk's terms (``synced_status``,
``synced_priority``). A field that differs now changed on one side or both since then:

- changed here only: ours goes to the desk;
- changed on the desk only: theirs is applied here;
- changed on both: a conflict; the later change (the tickets' updated times) wins, and an internal
  event says what was overwritten (``conflict_record``).

Comments never count: they are not fields. A link synced before these columns existed has no
base; the caller says then which side counts as changed (the old, per-ticket rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from integrations.models import Connection, RemoteLink
from integrations.sync.apply import conflict_record
from integrations.sync.desks import Desk, RemoteTicket
from tickets.models import Ticket

FIELDS = ("status", "priority")


@dataclass
class Merge:
    apply: dict[str, str] = field(default_factory=dict)  # the desk's values (ours) to set here
    push: set[str] = field(default_factory=set)  # fields whose value here goes to the desk
    conflicts: set[str] = field(default_factory=set)
    winner: str = ""  # of the conflicts: local or remote
    overwritten: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)


def merge_fields(
    desk: Desk,
    link: RemoteLink,
    ticket: Ticket,
    remote: RemoteTicket,
    *,
    local_changed_at: datetime | None,
    unknown_base_local: bool,
    unknown_base_remote: bool,
) -> Merge:
    """What to do with each field where our ticket and the desk's differ."""
    local, theirs = desk.local_terms(ticket), desk.remote_terms(remote)
    base = {"status": link.synced_status, "priority": link.synced_priority}
    result = Merge()
    for name in FIELDS:
        if name not in local or local[name] == theirs.get(name):
            continue
        value = getattr(remote, name)  # the desk's value in our terms; None: we cannot take it
        if base[name]:
            local_changed, remote_changed = local[name] != base[name], theirs[name] != base[name]
        else:
            local_changed, remote_changed = unknown_base_local, unknown_base_remote
        remote_changed = remote_changed and value is not None
        if local_changed and remote_changed:
            result.conflicts.add(name)
            later_here = remote.updated_at is None or (
                local_changed_at is not None and local_changed_at > remote.updated_at
            )
            result.winner = "local" if later_here else "remote"
            ours, desk_value = str(getattr(ticket, name)), str(remote.raw.get(name) or theirs[name])
            loser, kept = (desk_value, ours) if later_here else (ours, desk_value)
            result.overwritten[name], result.kept[name] = loser, kept
            if later_here:
                result.push.add(name)
            else:
                result.apply[name] = value
        elif remote_changed:
            result.apply[name] = value
        else:
            result.push.add(name)
    return result


def merge_record_conflict(
    connection: Connection, ticket: Ticket, merge: Merge, *, local_changed_at: datetime | None, remote: RemoteTicket
) -> None:
    """The internal event for the fields both sides changed (none: nothing recorded)."""
    if merge.conflicts:
        conflict_record(
            connection=connection,
            ticket=ticket,
            winner=merge.winner,
            overwritten=merge.overwritten,
            kept=merge.kept,
            local_changed_at=local_changed_at,
            remote_changed_at=remote.updated_at,
        )


def synced_values(desk: Desk, remote: RemoteTicket) -> dict[str, str]:
    """The link's base after a sync: the desk's values as we have now seen and accounted for them."""
    terms = desk.remote_terms(remote)
    return {"synced_status": terms["status"][:64], "synced_priority": terms["priority"][:64]}
