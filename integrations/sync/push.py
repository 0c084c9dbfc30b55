"""Push: our ticket, its comments, status and priority, to a connection's desk, once.

``push_ticket(connection, ticket)`` is synchronous and makes its HTTP calls outside any
database transaction (short transactions before and after). It is safe to repeat:

- The ticket is created once. The link's ``idempotency_key`` goes with the create (Zendesk
  ``external_id``, Zoho ``cf_helpdesk_key``) and ``last_pushed_at`` is stamped *before* the
  call; a later attempt that finds the stamp but no ``remote_id`` (an answer lost to a timeout,
  a crash) looks the key up on the desk before creating.
- A comment is posted once: a ``RemoteComment`` row with a blank ``remote_id`` is written before
  the call; a retry finding it blank looks for the comment on the desk before posting again.
  Comments that came from the desk (``direction=pull``) are never posted back.
- Status and priority are merged field by field against the values of the last sync
  (``merge.py``): a field changed here only is sent, one changed on the desk only is applied
  here, one changed on both is a conflict the later change wins (``conflict_record`` says what
  was overwritten). Comments on the desk are no field change.
- The desk's updated time after our writes is kept on the link, so the next pull knows them
  as ours and skips them.

Two pushes of one link never run at once: the link is claimed through a ``SyncState``
(``push:<link id>``); a push that finds it claimed raises ``PushBusy`` (retry shortly).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.errors import IntegrationError, PermanentError, TransientError
from integrations.models import (
    Connection,
    Direction,
    Outcome,
    Provider,
    PushState,
    RemoteComment,
    RemoteLink,
    SyncState,
)
from integrations.services import connection_record_failure, connection_record_success, sync_log, sync_state_claim
from integrations.sync.apply import remote_values_apply
from integrations.sync.desks import Desk, RemoteTicket, desk_for
from integrations.sync.merge import merge_fields, merge_record_conflict, synced_values
from integrations.sync.outbox import suppress_push
from tickets.models import Comment, Ticket

logger = logging.getLogger(__name__)

PUSH_CLAIM_STALE_AFTER = timedelta(minutes=5)


class PushBusy(TransientError):
    """Another worker is pushing this ticket to this desk right now."""


def push_ticket(connection: Connection, ticket: Ticket, *, desk: Desk | None = None) -> RemoteLink:
    """Bring the desk's copy of ``ticket`` up to date (creating it once); the link, ``remote_id`` filled.

    Raises the client's ``IntegrationError`` when the desk fails (``TransientError``: try again;
    others: a person must look), after logging it and recording the connection's health.
    """
    link, _ = RemoteLink.objects.get_or_create(connection=connection, ticket=ticket)
    kind = f"push:{link.pk}"
    claim = sync_state_claim(connection=connection, kind=kind, stale_after=PUSH_CLAIM_STALE_AFTER)
    if claim is None:
        raise PushBusy(f"Ticket {ticket.number} is being pushed to {connection.name} already.")
    try:
        return _push(connection, link, desk or desk_for(connection))
    finally:
        SyncState.objects.filter(pk=claim.pk, claim_token=claim.claim_token).delete()


def _push(connection: Connection, link: RemoteLink, desk: Desk) -> RemoteLink:
    ticket = Ticket.objects.select_related("requester").get(pk=link.ticket_id)
    link.refresh_from_db()
    seen_updated_at = ticket.updated_at
    action = "create_ticket" if not link.remote_id else "update_ticket"
    try:
        if link.remote_id:
            remote = desk.get(link.remote_id)
            if _closed_for_good(desk, remote):
                return _closed_remotely_skip(connection, link, ticket)
            remote = _update(connection, link, ticket, desk, remote)
        else:
            remote = _create(connection, link, ticket, desk)
        action = "add_comment"
        wrote = _comments(connection, link, ticket, desk)
        if wrote:
            remote = desk.get(link.remote_id)
    except PermanentError as exc:
        if link.remote_id and exc.status == 422 and "status" in exc.details:
            # Closed on the desk between our read and our write (Zendesk's closed-ticket 422).
            return _closed_remotely_skip(connection, link, ticket)
        _push_failed(connection, link, ticket, action, exc)
        raise
    except IntegrationError as exc:
        _push_failed(connection, link, ticket, action, exc)
        raise
    now = timezone.now()
    values = {"last_pushed_at": now, "remote_updated_at": remote.updated_at, **synced_values(desk, remote)}
    if remote.url and not link.remote_url:
        values["remote_url"] = remote.url[:500]
    RemoteLink.objects.filter(pk=link.pk).update(**values)
    # Synced only if the ticket did not change while we pushed (else it stays pending for the next push).
    if RemoteLink.objects.filter(pk=link.pk, ticket__updated_at__lte=seen_updated_at).update(
        push_state=PushState.SYNCED
    ):
        link.push_state = PushState.SYNCED
    for name, value in values.items():
        setattr(link, name, value)
    sync_log(
        connection=connection,
        direction=Direction.PUSH,
        action="push_ticket",
        outcome=Outcome.OK,
        message=f"{ticket.number} is {link.remote_id} on {connection.name}.",
        ticket=ticket,
        remote_id=link.remote_id,
    )
    connection_record_success(connection=connection, at=now)
    return link


def _push_failed(connection: Connection, link: RemoteLink, ticket: Ticket, action: str, exc: IntegrationError) -> None:
    failed = not exc.retryable
    if failed:
        RemoteLink.objects.filter(pk=link.pk).update(push_state=PushState.FAILED)
        link.push_state = PushState.FAILED
    sync_log(
        connection=connection,
        direction=Direction.PUSH,
        action=action,
        outcome=Outcome.FAILED if failed else Outcome.RETRY,
        message=exc.message,
        ticket=ticket,
        remote_id=link.remote_id,
    )
    connection_record_failure(connection=connection, error=exc.message)


def _closed_for_good(desk: Desk, remote: RemoteTicket) -> bool:
    """Zendesk's closed tickets take no change at all (solved ones still do; Zoho's Closed reopen)."""
    return desk.provider == Provider.ZENDESK and str(remote.raw.get("status") or "") == "closed"


def _closed_remotely_skip(connection: Connection, link: RemoteLink, ticket: Ticket) -> RemoteLink:
    """Stop sending a ticket its desk has closed for good: one clear log line, not a failing connection."""
    RemoteLink.objects.filter(pk=link.pk).update(push_state=PushState.FAILED)
    link.push_state = PushState.FAILED
    sync_log(
        connection=connection,
        direction=Direction.PUSH,
        action="update_ticket",
        outcome=Outcome.SKIPPED,
        message=(
            f"{ticket.number} is closed on {connection.name} ({link.remote_id}), which takes no more changes: "
            "what changes here is no longer sent. Open a new ticket for follow-up work."
        ),
        ticket=ticket,
        remote_id=link.remote_id,
    )
    return link


def _create(connection: Connection, link: RemoteLink, ticket: Ticket, desk: Desk) -> RemoteTicket:
    key = str(link.idempotency_key)
    remote = None
    if link.last_pushed_at is not None:
        # An earlier attempt may have reached the desk without our hearing the answer.
        remote = desk.find_by_key(key, link.last_pushed_at, ticket)
    attempt_at = timezone.now()
    RemoteLink.objects.filter(pk=link.pk).update(last_pushed_at=attempt_at)
    link.last_pushed_at = attempt_at
    if remote is None:
        remote = desk.create(ticket, key)
    else:
        sync_log(
            connection=connection,
            direction=Direction.PUSH,
            action="create_ticket",
            outcome=Outcome.SKIPPED,
            message=f"{ticket.number} was already created as {remote.id} by an earlier attempt.",
            ticket=ticket,
            remote_id=remote.id,
        )
    try:
        with transaction.atomic():
            RemoteLink.objects.filter(pk=link.pk).update(remote_id=remote.id)
    except IntegrityError:
        # Another of our tickets is already linked to it: a bug or a hand-made link. Refuse loudly.
        raise IntegrationError(f"Remote ticket {remote.id} is linked to another ticket already.") from None
    link.remote_id = remote.id
    if not all(desk.matches(ticket, remote)):
        # Found from an earlier attempt, made with the values of then: bring it up to now.
        remote = desk.update(remote.id, ticket)
    return remote


def _update(connection: Connection, link: RemoteLink, ticket: Ticket, desk: Desk, remote: RemoteTicket) -> RemoteTicket:
    status_ok, priority_ok = desk.matches(ticket, remote)
    if status_ok and priority_ok:
        return remote
    unseen = remote.updated_at is not None and (
        link.remote_updated_at is None or remote.updated_at > link.remote_updated_at
    )
    local_changed_at = ticket.updated_at
    merge = merge_fields(
        desk,
        link,
        ticket,
        remote,
        local_changed_at=local_changed_at,
        unknown_base_local=True,
        unknown_base_remote=unseen,
    )
    if merge.apply or merge.conflicts:
        # The desk's own changes (and the conflicts it wins) are taken here rather than overwritten.
        with suppress_push(connection), transaction.atomic():
            merge_record_conflict(connection, ticket, merge, local_changed_at=local_changed_at, remote=remote)
            if merge.apply:
                ticket = remote_values_apply(
                    connection=connection,
                    ticket=ticket,
                    status=merge.apply.get("status"),
                    priority=merge.apply.get("priority"),
                )
    if merge.conflicts:
        won = "its values were kept" if merge.winner == "remote" else "ours were sent"
        sync_log(
            connection=connection,
            direction=Direction.PUSH,
            action="update_ticket",
            outcome=Outcome.CONFLICT,
            message=f"Both sides changed {', '.join(sorted(merge.conflicts))} of {ticket.number}; {won}.",
            ticket=ticket,
            remote_id=link.remote_id,
        )
    if not merge.push:
        return remote
    return desk.update(link.remote_id, ticket)


def _comments(connection: Connection, link: RemoteLink, ticket: Ticket, desk: Desk) -> int:
    """Post the comments the desk has not got yet, oldest first; how many were posted or found."""
    rows = {row.comment_id: row for row in RemoteComment.objects.filter(connection=connection, comment__ticket=ticket)}
    mapped = {row.remote_id for row in rows.values() if row.remote_id}
    wrote = 0
    for comment in Comment.objects.filter(ticket=ticket).order_by("created_at", "id"):
        row = rows.get(comment.pk)
        if row is not None and (row.remote_id or row.direction == Direction.PULL):
            continue
        found = None
        if row is None:
            row = RemoteComment.objects.create(comment=comment, connection=connection, direction=Direction.PUSH)
        else:
            # Written before an earlier call whose answer we never heard: look before posting again.
            found = desk.find_comment(link.remote_id, comment, mapped)
        remote_id = found or desk.add_comment(link.remote_id, comment, mapped)
        RemoteComment.objects.filter(pk=row.pk).update(remote_id=remote_id)
        mapped.add(remote_id)
        wrote += 1
    return wrote
