"""Pulled comments: who wrote them here, and which desk comments are our own coming back.

- A desk comment is added once: one whose id a ``RemoteComment`` maps is skipped. So is one that
  our own API user wrote at or after a comment of ours still being pushed (its row has no remote
  id yet): that is our push's copy, whatever the desk did to its text (``plain_body`` re-wraps).
- Authors: a staff user here with the remote author's email; else a remote end user is the
  customer with their email (made as the portal does), a remote agent unknown here is the
  connection's integration user (``sync+<id>@integrations.invalid``, an agent who cannot log in)
  with the remote name kept in the event. Never the requester by default: an agent's reply taken
  for the customer's would reopen a pending ticket and miss the first response.
- The comment keeps the desk's time; the ticket's ``updated_at`` never moves backwards for it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import customer_for_email, user_create
from helpdesk.errors import HelpdeskError
from integrations.models import Connection, Direction, RemoteComment
from tickets.models import Comment, EventKind, Ticket, TicketEvent
from tickets.services import comment_add

INTEGRATION_EMAIL = "sync+{pk}@integrations.invalid"


def integration_user(connection: Connection) -> User:
    """The agent who carries comments by the desk's agents unknown here (cannot log in, never assigned)."""
    email = INTEGRATION_EMAIL.format(pk=connection.pk)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = user_create(
                    email=email,
                    password=None,
                    full_name=f"{connection.name} (remote agent)"[:150],
                    role=Role.AGENT,
                    is_available=False,
                )
        except (IntegrityError, HelpdeskError):
            user = User.objects.get(email__iexact=email)  # made by a concurrent pull
    return user


def in_flight_since(connection: Connection, ticket: Ticket) -> tuple[set[str], datetime | None]:
    """(remote ids mapped for this ticket, when the oldest of our comments still being pushed was written)."""
    rows = list(
        RemoteComment.objects.filter(connection=connection, comment__ticket=ticket).values_list(
            "remote_id", "created_at"
        )
    )
    known = {remote_id for remote_id, _ in rows if remote_id}
    flying = [created for remote_id, created in rows if not remote_id]
    return known, min(flying) if flying else None


def is_our_echo(note, own_id: str, since: datetime | None) -> bool:
    """Whether a desk comment is the copy of one of ours being pushed (our API user, not older than it)."""
    if since is None or not own_id or note.author_id != own_id or note.created_at is None:
        return False
    return note.created_at >= since.replace(microsecond=0)  # the desk may keep whole seconds


class NoteAuthors:
    """Local authors for desk comments, looked up once per run."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._users: dict[str, User | None] = {}
        self._integration: User | None = None

    def by_email(self, email: str) -> User | None:
        key = email.strip().lower()
        if not key:
            return None
        if key not in self._users:
            self._users[key] = User.objects.filter(email__iexact=key).first()
        return self._users[key]

    def remember(self, email: str, user: User) -> None:
        self._users[email.strip().lower()] = user

    def author(self, ticket: Ticket, note) -> tuple[User | None, bool]:
        """(who writes the comment here, whether they stand in for a remote agent unknown here)."""
        user = self.by_email(note.author_email)
        if user is not None and user.is_active and user.is_staff_role:
            return user, False
        if note.author_is_staff:
            if self._integration is None:
                self._integration = integration_user(self.connection)
            return self._integration, True
        if not note.public:
            return None, False  # an end user's internal note: nobody here may write one
        if user is None and note.author_email:
            user = customer_for_email(email=note.author_email)
            self.remember(note.author_email, user)
        return user or ticket.requester, False


def note_add(connection: Connection, ticket: Ticket, note, author: User, *, stands_in: bool) -> Comment:
    """Add one desk comment as ``author`` at the desk's time, mapped to its remote id."""
    before = Ticket.objects.values_list("updated_at", flat=True).get(pk=ticket.pk)
    at = min(note.created_at or timezone.now(), timezone.now())
    # The desk already moved its ticket for this reply; that status arrives with the pull.
    comment = comment_add(
        actor=author, ticket=ticket, body=note.body, is_internal=not note.public, now=at, moves_status=False
    )
    RemoteComment.objects.create(comment=comment, connection=connection, remote_id=note.id, direction=Direction.PULL)
    # The reply keeps its time (and the first response with it); the ticket's last change does not go back.
    Ticket.objects.filter(pk=ticket.pk, updated_at__lt=before).update(updated_at=before)
    if stands_in:
        event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.COMMENT_ADDED).order_by("-id").first()
        if event is not None and event.metadata.get("comment_id") == comment.pk:
            event.metadata = {
                **event.metadata,
                "remote_author": note.author_name or note.author_email,
                "source": connection.provider,
            }
            event.save(update_fields=["metadata"])
    return comment
