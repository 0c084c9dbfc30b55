"""Pull: the desk's new and changed tickets into ours, page by page, resumable.

- Zendesk: the cursor incremental export (``start_time`` on the first run, then the stored
  cursor). Zoho: ``/tickets/search?modifiedTimeRange=`` sorted by modified time, from a stored
  watermark. Both are kept in the connection's ``SyncState`` (kind ``pull_tickets`` for the
  periodic pull, ``import_tickets`` for the import commands) after every page, so a run
  stopped half-way resumes where it got to. ``sync_state_claim`` keeps a connection's pull
  to one worker at a time.
- A remote ticket we do not know becomes ours through ``ticket_create`` (channel zendesk or
  zoho; the requester found or made by email, as the portal does for unknown addresses) with
  its ``RemoteLink``; its comments come in through ``comment_add`` as their author (a staff
  user with that email, else the requester), internal when not public, at their remote time.
- Our own writes are not taken for the desk's: a ticket whose updated time is the one the
  link recorded after our last push is skipped; comments are matched by ``RemoteComment``;
  status and priority are compared in the desk's terms.
- Conflicts: when the link has unpushed local changes and the desk changed too, the later
  change wins and an internal event records what was overwritten (``conflict_record``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import customer_for_email
from helpdesk.errors import HelpdeskError
from integrations.errors import IntegrationError
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
from integrations.services import (
    connection_record_failure,
    connection_record_success,
    sync_log,
    sync_state_claim,
    sync_state_release,
)
from integrations.sync.apply import conflict_record, remote_values_apply
from integrations.sync.desks import Desk, RemoteNote, RemoteTicket, desk_for
from integrations.sync.outbox import push_enqueue, suppress_push
from tickets.choices import Channel, Priority
from tickets.models import Category, Ticket
from tickets.services import comment_add, ticket_create
from tickets.services.notifications import notifications_muted

logger = logging.getLogger(__name__)

PULL_KIND = SyncState.Kind.PULL_TICKETS
IMPORT_KIND = "import_tickets"
DEFAULT_BATCH = 100
# Zendesk refuses an incremental start_time less than a minute old.
_START_TIME_MIN_AGE = timedelta(seconds=61)


@dataclass
class PullResult:
    pages: int = 0
    seen: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    comments: int = 0
    conflicts: int = 0
    done: bool = False  # the desk has nothing more for now

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class _Puller:
    """The state of one pull run: the desk, users looked up, the category new tickets get."""

    def __init__(self, connection: Connection, desk: Desk, result: PullResult, *, importing: bool = False) -> None:
        self.connection = connection
        self.desk = desk
        self.result = result
        self.importing = importing
        self._users: dict[str, User | None] = {}
        self._category: Category | None = None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A pull's writes: never pushed back to the desk they came from, and nobody is emailed about
        what that desk already told them (customers); an import of history notifies nobody at all."""
        with suppress_push(self.connection), notifications_muted("everyone" if self.importing else "customers"):
            yield

    # -- one remote ticket -------------------------------------------------------------------

    def apply_page(self, remotes: list[RemoteTicket]) -> None:
        ids = [remote.id for remote in remotes]
        links = {
            link.remote_id: link
            for link in RemoteLink.objects.filter(connection=self.connection, remote_id__in=ids).select_related(
                "ticket"
            )
        }
        for remote in remotes:
            self.result.seen += 1
            self.result.add(self.apply(remote, links.get(remote.id)))

    def apply(self, remote: RemoteTicket, link: RemoteLink | None) -> str:
        """Bring one remote ticket in; the outcome counted: created, updated, skipped or conflicts."""
        if link is None:
            link = self._link_by_key(remote)
        if link is None:
            if remote.deleted:
                return "skipped"
            link = self._create_local(remote)
            if link is None:
                return "skipped"
            self._sync(link, remote, fresh=True)
            return "created"
        if remote.deleted:
            return "skipped"
        seen = link.remote_updated_at
        if seen is not None and remote.updated_at is not None and remote.updated_at <= seen:
            return "skipped"  # what we last saw, or wrote ourselves
        return self._sync(link, remote, fresh=False)

    def _link_by_key(self, remote: RemoteTicket) -> RemoteLink | None:
        """Our link whose create reached the desk while its answer was lost: the desk echoes our key."""
        try:
            key = uuid.UUID(remote.key)
        except ValueError:
            return None
        link = RemoteLink.objects.filter(connection=self.connection, idempotency_key=key, remote_id="").first()
        if link is not None:
            RemoteLink.objects.filter(pk=link.pk, remote_id="").update(remote_id=remote.id)
            link.remote_id = remote.id
        return link

    def _category_default(self) -> Category:
        if self._category is None:
            self._category = (
                Category.objects.filter(slug="general", is_active=True).first()
                or Category.objects.filter(is_active=True).order_by("pk").first()
            )
            if self._category is None:
                raise HelpdeskError("There is no active category for tickets from the desk.")
        return self._category

    def _user(self, email: str) -> User | None:
        key = email.strip().lower()
        if not key:
            return None
        if key not in self._users:
            self._users[key] = User.objects.filter(email__iexact=key).first()
        return self._users[key]

    def _create_local(self, remote: RemoteTicket) -> RemoteLink | None:
        email, name = self.desk.requester(remote)
        if not email:
            self._log("create_ticket", Outcome.SKIPPED, f"Remote ticket {remote.id} has no requester email.", remote.id)
            return None
        team = self.connection.team
        with self._writing(), transaction.atomic():
            requester = self._user(email) or customer_for_email(email=email)
            self._users[email.strip().lower()] = requester
            if name and not requester.full_name and not requester.has_usable_password():
                requester.full_name = name[:150]
                requester.save(update_fields=["full_name"])
            # Customers cannot route their tickets: a team's lead opens it for them in that team.
            actor = team.lead if team is not None and team.lead_id is not None else requester
            ticket = ticket_create(
                actor=actor,
                requester=requester,
                subject=(remote.subject or f"Ticket {remote.id} from {self.connection.name}")[:255],
                description=remote.description,
                category=self._category_default(),
                priority=remote.priority or Priority.MEDIUM,
                team=team if actor is not requester else None,
                channel=Channel.ZENDESK if self.connection.provider == Provider.ZENDESK else Channel.ZOHO,
                now=min(remote.created_at or timezone.now(), timezone.now()),
            )
            link = RemoteLink.objects.create(
                connection=self.connection,
                ticket=ticket,
                remote_id=remote.id,
                remote_url=remote.url[:500],
                push_state=PushState.SYNCED,
            )
        return link

    def _sync(self, link: RemoteLink, remote: RemoteTicket, *, fresh: bool) -> str:
        ticket = link.ticket
        local_changed_at = ticket.updated_at
        local_pending = link.push_state == PushState.PENDING and not fresh
        self._notes(ticket, remote)
        ticket.refresh_from_db()
        outcome = "updated"
        status_ok, priority_ok = self.desk.matches(ticket, remote)
        status = None if status_ok else remote.status
        priority = None if priority_ok else remote.priority
        if status is not None or priority is not None:
            theirs = {k: v for k, v in (("status", status), ("priority", priority)) if v is not None}
            ours = {name: getattr(ticket, name) for name in theirs}
            later_here = remote.updated_at is not None and local_changed_at > remote.updated_at
            with self._writing(), transaction.atomic():
                if local_pending and later_here:
                    # Ours is the later change: keep it; the pending push sends it.
                    conflict_record(
                        connection=self.connection,
                        ticket=ticket,
                        winner="local",
                        overwritten=theirs,
                        kept=ours,
                        local_changed_at=local_changed_at,
                        remote_changed_at=remote.updated_at,
                    )
                    outcome = "conflicts"
                else:
                    if local_pending:
                        conflict_record(
                            connection=self.connection,
                            ticket=ticket,
                            winner="remote",
                            overwritten=ours,
                            kept=theirs,
                            local_changed_at=local_changed_at,
                            remote_changed_at=remote.updated_at,
                        )
                        outcome = "conflicts"
                    remote_values_apply(connection=self.connection, ticket=ticket, status=status, priority=priority)
        RemoteLink.objects.filter(pk=link.pk).update(remote_updated_at=remote.updated_at, last_pulled_at=timezone.now())
        link.remote_updated_at = remote.updated_at
        if outcome == "conflicts":
            message = f"{ticket.number}: both sides changed; the later change won."
            self._log("pull_ticket", Outcome.CONFLICT, message, remote.id)
            if local_pending:
                push_enqueue([link.pk])
        return outcome

    # -- comments ----------------------------------------------------------------------------

    def _notes(self, ticket: Ticket, remote: RemoteTicket) -> None:
        rows = list(RemoteComment.objects.filter(connection=self.connection, comment__ticket=ticket))
        known = {row.remote_id for row in rows if row.remote_id}
        in_flight = [row.comment_id for row in rows if not row.remote_id]
        # Our own comments being posted right now: their desk copies must not come back as new.
        flying = set(ticket.comments.filter(pk__in=in_flight).values_list("body", flat=True)) if in_flight else set()
        for note in self.desk.notes(remote.id):
            if note.id in known or not note.body.strip() or note.body.strip() in {b.strip() for b in flying}:
                continue
            self._note_add(ticket, note)

    def _author(self, ticket: Ticket, note: RemoteNote) -> User | None:
        user = self._user(note.author_email)
        if user is not None and user.is_active and user.is_staff_role:
            return user
        if note.public:
            return ticket.requester
        # An internal note by someone who is not staff here: the ticket's own staff carry it.
        for fallback in (ticket.assignee, ticket.team.lead if ticket.team_id else None):
            if fallback is not None and fallback.is_active and fallback.is_staff_role:
                return fallback
        return None

    def _note_add(self, ticket: Ticket, note: RemoteNote) -> None:
        author = self._author(ticket, note)
        if author is None:
            self._log("pull_comment", Outcome.SKIPPED, f"No local author for internal note {note.id}.", note.id)
            return
        try:
            with self._writing(), transaction.atomic():
                comment = comment_add(
                    actor=author,
                    ticket=ticket,
                    body=note.body,
                    is_internal=not note.public,
                    now=min(note.created_at or timezone.now(), timezone.now()),
                )
                RemoteComment.objects.create(
                    comment=comment, connection=self.connection, remote_id=note.id, direction=Direction.PULL
                )
        except HelpdeskError as exc:
            self._log("pull_comment", Outcome.SKIPPED, f"Comment {note.id} not added: {exc}", note.id)
            return
        self.result.comments += 1

    def _log(self, action: str, outcome: str, message: str, remote_id: str = "") -> None:
        sync_log(
            connection=self.connection,
            direction=Direction.PULL,
            action=action,
            outcome=outcome,
            message=message,
            remote_id=remote_id,
        )


# -- runs ----------------------------------------------------------------------------------------


def _save_position(state: SyncState, *, cursor: str | None = None, watermark: datetime | None = None) -> bool:
    """Keep where the run got to without releasing the claim; False if the claim was taken over."""
    values: dict[str, object] = {"updated_at": timezone.now()}
    if cursor is not None:
        values["cursor"] = cursor
    if watermark is not None:
        values["watermark"] = watermark
    return bool(SyncState.objects.filter(pk=state.pk, claim_token=state.claim_token).update(**values))


def _first_start(connection: Connection, since: datetime | None) -> datetime:
    """Where a pull with nothing stored begins: ``since``, else the connection's creation."""
    return since or connection.created_at


def pull_changes(
    connection: Connection,
    *,
    kind: str = PULL_KIND,
    since: datetime | None = None,
    batch: int = DEFAULT_BATCH,
    max_pages: int | None = None,
    desk: Desk | None = None,
    on_page: Callable[[PullResult], None] | None = None,
) -> PullResult | None:
    """Pull what changed on the desk since the stored position (or ``since``); None if another run holds it.

    ``max_pages`` stops early (the position is kept; the next run continues); ``on_page`` is
    called after each page (the import commands' progress).
    """
    state = sync_state_claim(connection=connection, kind=kind)
    if state is None:
        sync_log(
            connection=connection,
            direction=Direction.IMPORT if kind == IMPORT_KIND else Direction.PULL,
            action=kind,
            outcome=Outcome.SKIPPED,
            message="Another worker is running this pull.",
        )
        return None
    desk = desk or desk_for(connection)
    result = PullResult()
    puller = _Puller(connection, desk, result, importing=kind == IMPORT_KIND)
    direction = Direction.IMPORT if kind == IMPORT_KIND else Direction.PULL
    try:
        if connection.provider == Provider.ZENDESK:
            _pull_zendesk(puller, state, since, batch, max_pages, on_page)
        else:
            _pull_zoho(puller, state, since, batch, max_pages, on_page)
    except (IntegrationError, HelpdeskError) as exc:
        message = getattr(exc, "message", str(exc))
        sync_log(connection=connection, direction=direction, action=kind, outcome=Outcome.FAILED, message=message)
        connection_record_failure(connection=connection, error=message)
        sync_state_release(state=state)
        raise
    sync_state_release(state=state)
    sync_log(
        connection=connection,
        direction=direction,
        action=kind,
        outcome=Outcome.OK,
        message=(
            f"{result.pages} page(s), {result.seen} ticket(s): {result.created} new, {result.updated} updated, "
            f"{result.conflicts} conflict(s), {result.skipped} unchanged; {result.comments} comment(s)."
        ),
    )
    connection_record_success(connection=connection)
    return result


def _pull_zendesk(puller: _Puller, state: SyncState, since, batch, max_pages, on_page) -> None:
    client = puller.desk.client
    cursor = state.cursor or None
    while max_pages is None or puller.result.pages < max_pages:
        if cursor:
            page = client.incremental_tickets(cursor=cursor, per_page=batch)
        else:
            start = min(_first_start(puller.connection, since), timezone.now() - _START_TIME_MIN_AGE)
            page = client.incremental_tickets(start_time=int(start.timestamp()), per_page=batch)
        puller.apply_page([puller.desk.ticket(data) for data in page.tickets])
        puller.result.pages += 1
        if page.after_cursor:
            cursor = page.after_cursor
            _save_position(state, cursor=cursor)
        if on_page:
            on_page(puller.result)
        if page.end_of_stream or not page.tickets:
            puller.result.done = True
            return


def _pull_zoho(puller: _Puller, state: SyncState, since, batch, max_pages, on_page) -> None:
    client = puller.desk.client
    watermark = state.watermark or _first_start(puller.connection, since)
    offset = 0
    until = datetime.now(UTC)
    while max_pages is None or puller.result.pages < max_pages:
        page = client.search_modified_since(watermark, until=until, from_=offset, limit=batch)
        remotes = [puller.desk.ticket(data) for data in page]
        puller.apply_page(remotes)
        puller.result.pages += 1
        newest = max((r.updated_at for r in remotes if r.updated_at), default=None)
        if newest is not None and newest > watermark:
            # The range is inclusive: the next page starts at the newest time seen (re-seen ones are skipped).
            watermark, offset = newest, 0
            _save_position(state, watermark=watermark)
        else:
            offset += len(page)
        if on_page:
            on_page(puller.result)
        if len(page) < batch:
            puller.result.done = True
            return


def pull_remote_ticket(connection: Connection, remote_id: str, *, desk: Desk | None = None) -> str:
    """Bring one remote ticket in now (a webhook said it changed); the outcome."""
    desk = desk or desk_for(connection)
    result = PullResult()
    try:
        remote = desk.get(str(remote_id))
        links = RemoteLink.objects.filter(connection=connection, remote_id=str(remote_id))
        link = links.select_related("ticket").first()
        outcome = _Puller(connection, desk, result).apply(remote, link)
    except IntegrationError as exc:
        sync_log(
            connection=connection,
            direction=Direction.PULL,
            action="pull_ticket",
            outcome=Outcome.FAILED if not exc.retryable else Outcome.RETRY,
            message=exc.message,
            remote_id=remote_id,
        )
        connection_record_failure(connection=connection, error=exc.message)
        raise
    sync_log(
        connection=connection,
        direction=Direction.PULL,
        action="pull_ticket",
        outcome=Outcome.SKIPPED if outcome == "skipped" else Outcome.OK,
        message=f"Remote ticket {remote_id}: {outcome}.",
        remote_id=remote_id,
    )
    connection_record_success(connection=connection)
    return outcome
