"""Tickets from people without an account, and the secret links that let them follow up.

A guest is a customer account without a usable password (``customer_for_email``).
They reach their ticket through a ``GuestLink``: the portal resolves the token
in the URL (``guest_link_resolve``) and then acts as the link's user, with
``tickets.access`` deciding as for anyone signed in. A link opens one ticket
only: the portal must check ``link.ticket_id`` against the ticket it shows,
since the guest's account may be the requester of other tickets too.

A link is only ever handed out by email, never shown to whoever filled in the
form: anyone can type any address, and only its owner should read the replies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User, UserManager
from accounts.services import customer_for_email
from helpdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tickets import access
from tickets.choices import Channel, Priority
from tickets.models import (
    Category,
    EmailStatus,
    EventKind,
    GuestLink,
    Notification,
    NotificationKind,
    Ticket,
    TicketEvent,
)
from tickets.services.common import lock_ticket, record
from tickets.services.notifications import enqueue_pending, guest_link_url
from tickets.services.tickets import ticket_create

__all__ = [
    "guest_link_renew",
    "guest_link_resolve",
    "guest_link_revoke",
    "guest_link_url",
    "guest_ticket_create",
]

# One answer for every link that does not work, so the message tells nothing about why.
INVALID_LINK = "This link is not valid."
# How many "email me my link again" requests one ticket takes per RENEW_WINDOW.
RENEW_LIMIT = 3
RENEW_WINDOW = timedelta(hours=1)
# ``last_used_at`` is written at most this often per link, so busy pages cost no write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _clean_email(email: str) -> str:
    email = UserManager.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.on("email", "Enter a valid email address.") from None
    return email


def _new_link(ticket: Ticket, user: User, now: datetime) -> GuestLink:
    return GuestLink.objects.create(
        ticket=ticket, user=user, created_at=now, expires_at=now + timedelta(days=settings.GUEST_LINK_DAYS)
    )


def guest_ticket_create(
    *,
    email: str,
    name: str = "",
    subject: str,
    description: str,
    category: Category,
    priority: str = Priority.MEDIUM,
    custom_fields: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, GuestLink]:
    """Open a portal ticket for whoever owns ``email``, with a secret link to it.

    The address's account is used, or a customer without a password is made
    for it. A registered customer still gets the ticket (and a link; their
    emails keep pointing at the signed-in portal). Staff addresses are refused
    (``PermissionDenied``), as are deactivated or unconfirmed accounts. The
    confirmation email (``ticket_created``) carries the link to a guest. The
    caller must not show the link: only the mailbox owner should get it.
    """
    now = now or timezone.now()
    email = _clean_email(email)
    with transaction.atomic():
        try:
            user = customer_for_email(email=email)
        except Conflict:
            # Another request made the guest account a moment ago: use it.
            user = customer_for_email(email=email)
        if user.is_staff_role:
            raise PermissionDenied("Staff open tickets from the console.")
        if not user.is_active:
            raise PermissionDenied("This address cannot open tickets here; sign in or contact us.")
        name = (name or "").strip()[:150]
        # Only a guest account takes a name from the form: a registered customer's profile is theirs.
        if name and not user.full_name and not user.has_usable_password():
            user.full_name = name
            user.save(update_fields=["full_name"])
        ticket = ticket_create(
            actor=user,
            subject=subject,
            description=description,
            category=category,
            priority=priority,
            channel=Channel.PORTAL,
            custom_fields=custom_fields,
            now=now,
        )
        link = _new_link(ticket, user, now)
    return ticket, link


def guest_link_resolve(token: str, *, now: datetime | None = None) -> GuestLink:
    """The working link a token names, with its ticket and user; ``NotFound`` otherwise.

    A forged or tampered token, an unknown, revoked or expired link, and a
    link whose user may no longer see the ticket all get the same answer.
    The caller acts as ``link.user`` on ``link.ticket`` only.
    """
    now = now or timezone.now()
    pk = GuestLink.pk_from_token(token)
    link = (
        GuestLink.objects.live(now).select_related("ticket", "user__organization").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if link is None or not access.can_view_ticket(link.user, link.ticket):
        raise NotFound(INVALID_LINK)
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    if GuestLink.objects.filter(stale, pk=link.pk).update(last_used_at=now):
        link.last_used_at = now
    return link


def guest_link_revoke(*, actor: User, link: GuestLink, now: datetime | None = None) -> GuestLink:
    """Turn a link off for good: the guest it acts as, or staff who may see the ticket.

    Anyone else gets ``NotFound`` (as for a link that does not exist). Revoking
    twice changes nothing; the first time records an internal ``updated`` event.
    """
    now = now or timezone.now()
    ticket = link.ticket
    is_guest = actor.is_authenticated and actor.pk == link.user_id
    is_staff = actor.is_authenticated and actor.is_staff_role and access.can_view_ticket(actor, ticket)
    if not (is_guest or is_staff):
        raise NotFound(INVALID_LINK)
    with transaction.atomic():
        if GuestLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now):
            record(
                ticket,
                EventKind.UPDATED,
                actor=actor,
                now=now,
                field="guest_link",
                old="active",
                new="revoked",
                internal=True,
                link_id=link.pk,
            )
    link.refresh_from_db(fields=["revoked_at"])
    return link


def _renewals_since(ticket: Ticket, since: datetime) -> int:
    return TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.UPDATED, field="guest_link", new_value="renewed", created_at__gte=since
    ).count()


def guest_link_renew(*, email: str, ticket_number: str, now: datetime | None = None) -> GuestLink | None:
    """ "Email me my link again": a fresh link, sent to the requester, if ``email`` is theirs.

    Returns None, and sends nothing, when the number and address do not
    match a customer's ticket or the ticket already had ``RENEW_LIMIT``
    renewals in the last hour. Callers show the same message either way, so
    the form tells nobody which addresses or tickets exist. Older links keep
    working until they expire. The email is an outbox row, sent after commit.
    """
    now = now or timezone.now()
    try:
        email = _clean_email(email)
    except ValidationFailed:
        return None
    # Numbers are stored upper-case; an exact match uses the unique index.
    number = (ticket_number or "").strip().upper()
    ticket = Ticket.objects.select_related("requester").filter(number=number).first() if number else None
    if ticket is None:
        return None
    requester = ticket.requester
    if requester.email.lower() != email.lower() or requester.is_staff_role or not requester.is_active:
        return None
    with transaction.atomic():
        # The lock makes concurrent requests count one another's renewals.
        locked = lock_ticket(ticket)
        if _renewals_since(locked, now - RENEW_WINDOW) >= RENEW_LIMIT:
            return None
        link = _new_link(locked, requester, now)
        event = record(
            locked,
            EventKind.UPDATED,
            actor=None,
            now=now,
            field="guest_link",
            new="renewed",
            internal=True,
            link_id=link.pk,
        )
        # Asked for, so sent whatever the notification preferences say, and not an in-app alert.
        notification = Notification.objects.create(
            recipient=requester,
            ticket=locked,
            event=event,
            kind=NotificationKind.GUEST_LINK,
            title=f"[{locked.number}] {NotificationKind.GUEST_LINK.label}: {locked.subject}"[:255],
            body="A new private link to the ticket was sent by email.",
            in_app=False,
            email_status=EmailStatus.PENDING,
            created_at=now,
        )
        transaction.on_commit(lambda: enqueue_pending(ids=[notification.pk]))
    return link
