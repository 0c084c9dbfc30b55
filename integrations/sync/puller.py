"""One remote ticket brought in: created here or merged into ours, with its comments; each on its own.

- A remote ticket we do not know becomes ours through ``ticket_create`` (channel zendesk or
  zoho; the requester found or made by email) with its ``RemoteLink``; its comments come in
  through ``comment_add`` (``notes.py``). One carrying our idempotency key is ours: adopted when
  our create's answer was lost, logged as a duplicate and skipped when the link already has
  another remote id.
- Our own writes are not taken for the desk's: a ticket whose updated time is the one the link
  recorded is skipped; status and priority are merged per field (``merge.py``).
- Isolation: the desk is read first (no network call inside a transaction), then one savepoint
  writes the ticket. A ticket that fails (our rules refuse it, the desk refuses a read, a
  concurrent pull of the same ticket won the race) is logged ``failed`` and counted, and the run
  goes on: one bad ticket never stops the pull. A race is retried once against the winner's link.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import customer_for_email
from helpdesk.errors import HelpdeskError
from integrations.errors import IntegrationError
from integrations.models import Connection, Direction, Outcome, Provider, PushState, RemoteLink
from integrations.services import sync_log
from integrations.sync.apply import remote_values_apply
from integrations.sync.desks import Desk, RemoteNote, RemoteTicket
from integrations.sync.merge import merge_fields, merge_record_conflict, synced_values
from integrations.sync.notes import NoteAuthors, in_flight_since, is_our_echo, note_add
from integrations.sync.outbox import push_enqueue, suppress_push
from tickets.choices import Channel, Priority
from tickets.models import Category, Ticket
from tickets.services import ticket_create
from tickets.services.notifications import notifications_muted

logger = logging.getLogger(__name__)


@dataclass
class PullResult:
    pages: int = 0
    seen: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    comments: int = 0
    conflicts: int = 0
    failed: int = 0
    done: bool = False  # the desk has nothing more for now

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class Puller:
    """The state of one pull run: the desk, users looked up, the category new tickets get."""

    def __init__(self, connection: Connection, desk: Desk, result: PullResult, *, importing: bool = False) -> None:
        self.connection = connection
        self.desk = desk
        self.result = result
        self.importing = importing
        self.authors = NoteAuthors(connection)
        self._category: Category | None = None
        self._own_id: str | None = None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A pull's writes: never pushed back to the desk they came from, and nobody is emailed about
        what that desk already told them (customers); an import of history notifies nobody at all."""
        with suppress_push(self.connection), notifications_muted("everyone" if self.importing else "customers"):
            yield

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
        """Bring one remote ticket in, isolated; the outcome: created, updated, skipped, conflicts or failed."""
        try:
            try:
                return self._apply(remote, link)
            except IntegrityError:
                # Another pull of the same ticket (webhooks send several events) got there first.
                link = self._link(remote.id)
                return self._apply(remote, link)
        except IntegrationError as exc:
            if exc.retryable:
                raise  # the desk is busy or away: stop here, the position is kept and the run retried
            return self._failed(remote, exc.message)
        except (HelpdeskError, IntegrityError) as exc:
            return self._failed(remote, getattr(exc, "message", None) or str(exc))

    def _link(self, remote_id: str) -> RemoteLink | None:
        return (
            RemoteLink.objects.filter(connection=self.connection, remote_id=remote_id).select_related("ticket").first()
        )

    def _failed(self, remote: RemoteTicket, reason: str) -> str:
        self._log("pull_ticket", Outcome.FAILED, f"Remote ticket {remote.id} was not brought in: {reason}", remote.id)
        return "failed"

    def _apply(self, remote: RemoteTicket, link: RemoteLink | None) -> str:
        if link is None:
            link, duplicate = self._link_by_key(remote)
            if duplicate:
                return "skipped"
        if link is None:
            return self._create(remote)
        if remote.deleted:
            return "skipped"
        seen = link.remote_updated_at
        if seen is not None and remote.updated_at is not None and remote.updated_at <= seen:
            return "skipped"  # what we last saw, or wrote ourselves
        notes = self._new_notes(link.ticket, remote)
        with transaction.atomic():
            return self._sync(link, remote, notes, fresh=False)

    def _create(self, remote: RemoteTicket) -> str:
        if remote.deleted:
            return "skipped"
        email, name = self.desk.requester(remote)
        if not email:
            self._log("create_ticket", Outcome.SKIPPED, f"Remote ticket {remote.id} has no requester email.", remote.id)
            return "skipped"
        notes = self.desk.notes(remote.id)
        with transaction.atomic():
            link = self._create_local(remote, email, name)
            self._sync(link, remote, notes, fresh=True)
        return "created"

    def _link_by_key(self, remote: RemoteTicket) -> tuple[RemoteLink | None, bool]:
        """(our link whose key the desk echoes, whether this remote ticket is a duplicate of it).

        A create whose answer was lost left the link without a remote id: it is adopted. A link
        already holding another remote id means the desk has a second copy of our ticket."""
        try:
            key = uuid.UUID(remote.key)
        except ValueError:
            return None, False
        link = RemoteLink.objects.filter(connection=self.connection, idempotency_key=key).first()
        if link is None:
            return None, False
        if link.remote_id and link.remote_id != remote.id:
            self._log(
                "pull_ticket",
                Outcome.SKIPPED,
                f"Remote ticket {remote.id} duplicates {link.remote_id} (it carries the key of our ticket "
                f"{link.ticket_id}); it was not imported.",
                remote.id,
            )
            return None, True
        RemoteLink.objects.filter(pk=link.pk, remote_id="").update(remote_id=remote.id)
        link.remote_id = remote.id
        return link, False

    def _category_default(self) -> Category:
        if self._category is None:
            self._category = (
                Category.objects.filter(slug="general", is_active=True).first()
                or Category.objects.filter(is_active=True).order_by("pk").first()
            )
            if self._category is None:
                raise HelpdeskError("There is no active category for tickets from the desk.")
        return self._category

    def _create_local(self, remote: RemoteTicket, email: str, name: str) -> RemoteLink:
        team = self.connection.team
        with self._writing():
            requester = self.authors.by_email(email) or customer_for_email(email=email)
            self.authors.remember(email, requester)
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
            return RemoteLink.objects.create(
                connection=self.connection,
                ticket=ticket,
                remote_id=remote.id,
                remote_url=remote.url[:500],
                push_state=PushState.SYNCED,
            )

    def _sync(self, link: RemoteLink, remote: RemoteTicket, notes: list[RemoteNote], *, fresh: bool) -> str:
        ticket = link.ticket
        local_changed_at = ticket.updated_at
        for note in notes:
            self._note(ticket, note)
        ticket.refresh_from_db()
        merge = merge_fields(
            self.desk,
            link,
            ticket,
            remote,
            local_changed_at=local_changed_at,
            unknown_base_local=link.push_state == PushState.PENDING and not fresh,
            unknown_base_remote=True,
        )
        with self._writing():
            merge_record_conflict(self.connection, ticket, merge, local_changed_at=local_changed_at, remote=remote)
            if merge.apply:
                remote_values_apply(
                    connection=self.connection,
                    ticket=ticket,
                    status=merge.apply.get("status"),
                    priority=merge.apply.get("priority"),
                    now=_when_it_happened(ticket, remote) if fresh else None,
                )
        values = {
            "remote_updated_at": remote.updated_at,
            "last_pulled_at": timezone.now(),
            **synced_values(self.desk, remote),
        }
        if merge.push:
            values["push_state"] = PushState.PENDING  # ours is newer: the push sends it
            transaction.on_commit(lambda: push_enqueue([link.pk]))
        RemoteLink.objects.filter(pk=link.pk).update(**values)
        for name, value in values.items():
            setattr(link, name, value)
        if merge.conflicts:
            won = "ours was kept" if merge.winner == "local" else "the desk's was taken"
            message = f"{ticket.number}: both sides changed {', '.join(sorted(merge.conflicts))}; {won} (later)."
            self._log("pull_ticket", Outcome.CONFLICT, message, remote.id)
            return "conflicts"
        return "updated"

    # -- comments ----------------------------------------------------------------------------

    def _new_notes(self, ticket: Ticket, remote: RemoteTicket) -> list[RemoteNote]:
        """The desk's comments not here yet, read before the write transaction."""
        known, flying_since = in_flight_since(self.connection, ticket)
        notes = [note for note in self.desk.notes(remote.id) if note.id not in known]
        if flying_since is not None and notes:
            if self._own_id is None:
                self._own_id = self.desk.own_user_id()
            notes = [note for note in notes if not is_our_echo(note, self._own_id, flying_since)]
        return notes

    def _note(self, ticket: Ticket, note: RemoteNote) -> None:
        if not note.body.strip():
            return
        with self._writing():
            author, stands_in = self.authors.author(ticket, note)
        if author is None:
            self._log("pull_comment", Outcome.SKIPPED, f"No local author for internal note {note.id}.", note.id)
            return
        try:
            with self._writing(), transaction.atomic():
                note_add(self.connection, ticket, note, author, stands_in=stands_in)
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


def _when_it_happened(ticket: Any, remote: RemoteTicket) -> datetime | None:
    """A ticket made here from the desk's copy took its status there, at the desk's last change: its
    history (and the reports' resolutions) keeps that time, not the import's. None: now."""
    at = remote.updated_at
    if at is None or at < ticket.created_at or at > timezone.now():
        return None
    return at
