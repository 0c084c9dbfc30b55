"""Who hears about what, and the outbox that delivers their emails.

``notify`` writes notification rows in the caller's transaction (the outbox)
and asks Celery to send the emails once that transaction commits. If the
broker is down then, the request still succeeds: ``notifications_relay``
(every minute) sends what is still waiting.

Sending is ``tickets.services.outbox``'s: a claim with a lease, so a task that runs
twice sends one email, and ``NOTIFICATIONS_ENABLED=false`` records without sending (in-app
alerts still show; the emails are marked skipped and are not sent when it is turned back on).
Each email's stable ``Message-ID`` lets mail clients drop a copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from helpdesk import live
from helpdesk.queue import publish
from tickets.models import (
    Comment,
    EmailStatus,
    GuestLink,
    Notification,
    NotificationKind,
    NotificationPreference,
    Ticket,
    TicketEvent,
)
from tickets.services.outbox import (  # noqa: F401 - CLAIM_LEASE, MAX_ATTEMPTS and the limits are read from here too
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    OFF_REASON,
    SEND_SOFT_TIME_LIMIT,
    SEND_TIME_LIMIT,
    hold_pending,
    outbox_reclaim,
    outbox_send,
    site_domain,
)

# The relay leaves fresh rows to the task enqueued on commit.
RELAY_GRACE = timedelta(seconds=30)
# More waiting emails than this at once are handed over in tasks of FAN_OUT_SIZE ids (``enqueue_pending``).
FAN_OUT_OVER = 50
FAN_OUT_SIZE = 500


# Asked with ``ticket=`` while an email is built; a receiver (the email channel) answers the
# Reply-To address that brings replies back to the ticket, or None.
email_reply_to = Signal()
# Kinds a person wrote (a reply): every other email is automatic (RFC 3834 Auto-Submitted).
_WRITTEN_BY_A_PERSON = frozenset({NotificationKind.PUBLIC_REPLY, NotificationKind.INTERNAL_NOTE})


# Who gets no notification from the writes made inside ``notifications_muted``: "" (everyone gets theirs).
_muted: ContextVar[str] = ContextVar("notifications_muted", default="")


@contextmanager
def notifications_muted(who: str) -> Iterator[None]:
    """Within: no notification for ``who`` — "customers" or "everyone". Thread- and task-local.

    A sync from an external desk mutes customers (their desk already wrote to them about
    that reply or ticket, staff here still hear of it); importing history mutes everyone.
    """
    if who not in ("customers", "everyone"):
        raise ValueError(f"notifications_muted: {who!r} is neither 'customers' nor 'everyone'")
    token = _muted.set(who)
    try:
        yield
    finally:
        _muted.reset(token)


def notifications_muted_for() -> str:
    """Who the writes in progress tell nothing: "", "customers" or "everyone" (``notifications_muted``)."""
    return _muted.get()


def notify(
    *,
    event: TicketEvent,
    kind: str,
    recipients: Iterable[User | None],
    exclude: User | None = None,
    email: bool = True,
) -> int:
    """Write one notification per recipient for ``event`` (their preferences allowing); return how many.

    ``email=False``: an in-app (live) alert only, whatever the email preference says.
    """
    others = [u for u in recipients if exclude is None or u is None or u.pk != exclude.pk]
    return notify_many([(event, kind, others)], email=email)


# What notify_many is given: an event, the kind of notification and its recipients, and optionally
# False for an in-app alert only (``email=False`` of ``notify``).
Notice = tuple[TicketEvent, str, Iterable[User | None]] | tuple[TicketEvent, str, Iterable[User | None], bool]


def notify_many(items: Iterable[Notice], *, email: bool = True) -> int:
    """``notify`` for many events at once: one preference query and one insert, whatever the count.

    A recipient named twice for the same event and kind is told once, as the first item says.
    Open pages of the recipients hear of their in-app rows once the transaction commits (``helpdesk.live``).
    """
    muted = _muted.get()
    if muted == "everyone":
        return 0
    wanted: dict[tuple[int, str, int], tuple[TicketEvent, str, User, bool]] = {}
    for event, kind, recipients, *emailed in items:
        for user in recipients:
            if user is None or not user.is_active or (muted == "customers" and not user.is_staff_role):
                continue
            wanted.setdefault((event.pk, kind, user.pk), (event, kind, user, email and all(emailed)))
    if not wanted:
        return 0
    preferences = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(
            user_id__in={user.pk for _, _, user, _ in wanted.values()},
            kind__in={kind for _, kind, _, _ in wanted.values()},
        )
    }
    rows = []
    sending = settings.NOTIFICATIONS_ENABLED
    for event, kind, user, by_email in wanted.values():
        preference = preferences.get((user.pk, kind))
        wants_email = by_email and (preference.email if preference else True)
        wants_app = preference.in_app if preference else True
        if not (wants_email or wants_app):
            continue
        ticket = event.ticket
        emailed = wants_email and bool(user.email)
        rows.append(
            _Row(
                recipient_id=user.pk,
                ticket_id=ticket.pk,
                event_id=event.pk,
                kind=kind,
                title=f"[{ticket.number}] {NotificationKind(kind).label}: {ticket.subject}"[:255],
                body=_summary(kind, event),
                in_app=wants_app,
                email_status=EmailStatus.PENDING if emailed and sending else EmailStatus.SKIPPED,
                email_error="" if sending or not emailed else OFF_REASON,
                email_attempts=0,
                created_at=event.created_at,
            )
        )
    _insert(rows)
    live.send(f"user:{row.recipient_id}" for row in rows if row.in_app)
    event_ids = sorted({row.event_id for row in rows if row.email_status == EmailStatus.PENDING})
    if event_ids:
        transaction.on_commit(lambda: enqueue_pending(event_ids=event_ids))
    return len(rows)


class _Row(NamedTuple):
    """A notification to write: every column without a NULL (read_at, claimed and sent stay NULL)."""

    recipient_id: int
    ticket_id: int
    event_id: int
    kind: str
    title: str
    body: str
    in_app: bool
    email_status: str
    email_error: str
    email_attempts: int
    created_at: datetime


# Rows per INSERT: 11 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535.
_INSERT_BATCH = 1000


def _insert(rows: list[_Row]) -> None:
    """The rows in one INSERT per batch, a row already there for its recipient, kind and event left as it is.

    Written out rather than through bulk_create: a new ticket outside every team alerts every staff
    member who may see it, and making and preparing a model per row cost most of a ticket's creation
    (4 ms of 20 for 51 rows, issue 17).
    """
    ops = connection.ops
    table = ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(ops.quote_name(name) for name in _Row._fields)
    one = "(" + ", ".join(["%s"] * len(_Row._fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _INSERT_BATCH):
            batch = rows[start : start + _INSERT_BATCH]
            values = ", ".join([one] * len(batch))
            params = [
                value
                for row in batch
                for value in row._replace(created_at=ops.adapt_datetimefield_value(row.created_at))
            ]
            # Our own table and column names; every value is a parameter.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING",  # noqa: S608
                params,
            )


def _summary(kind: str, event: TicketEvent) -> str:
    actor = event.actor.get_full_name() if event.actor_id else "The helpdesk"
    texts = {
        NotificationKind.TICKET_CREATED: f"Ticket {event.ticket.number} was opened.",
        NotificationKind.TICKET_ASSIGNED: f"{actor} assigned the ticket to you.",
        NotificationKind.PUBLIC_REPLY: f"{actor} replied.",
        NotificationKind.INTERNAL_NOTE: f"{actor} added an internal note.",
        NotificationKind.TICKET_RESOLVED: f"{actor} marked the ticket resolved.",
        NotificationKind.SLA_AT_RISK: f"The {event.field.replace('_', ' ')} target is close.",
        NotificationKind.SLA_BREACHED: f"The {event.field.replace('_', ' ')} target was missed.",
        NotificationKind.GUEST_LINK: "A new private link to the ticket was sent by email.",
    }
    return texts[NotificationKind(kind)]


def enqueue_pending(*, event_ids: Iterable[int] = (), ids: Iterable[int] = ()) -> int:
    """Hand waiting emails (of these events, or these ids) to Celery; a broker failure is left to the relay.

    A few go as one delivery task each. More than ``FAN_OUT_OVER`` (a sweep's round: a thousand
    breaches, two people told of each) go as tasks of ``FAN_OUT_SIZE`` ids, each of which a worker
    turns into the delivery tasks (``enqueue_each``): the writer publishes a handful of messages
    instead of thousands, at about half a millisecond each. The rows are the outbox either way.
    """
    pending = Notification.objects.filter(email_status=EmailStatus.PENDING)
    event_ids = list(event_ids)
    pending = pending.filter(event_id__in=event_ids) if event_ids else pending.filter(pk__in=list(ids))
    waiting = list(pending.order_by("pk").values_list("pk", flat=True))
    if len(waiting) <= FAN_OUT_OVER:
        return _publish_each(waiting)
    sent = 0
    for start in range(0, len(waiting), FAN_OUT_SIZE):
        batch = waiting[start : start + FAN_OUT_SIZE]
        task = "tickets.tasks.enqueue_notification_emails"
        if not publish(task, batch, what=f"{len(batch)} emails", then="the relay will send them"):
            return sent  # the broker is down: these and the rest wait for the relay
        sent += len(batch)
    return sent


def enqueue_each(*, ids: Iterable[int]) -> int:
    """One delivery task per email of ``ids`` still waiting (one sent meanwhile is left alone)."""
    pending = Notification.objects.filter(email_status=EmailStatus.PENDING, pk__in=list(ids))
    return _publish_each(list(pending.order_by("pk").values_list("pk", flat=True)))


def _publish_each(ids: list[int]) -> int:
    sent = 0
    for pk in ids:
        task = "tickets.tasks.deliver_notification_email"
        if not publish(task, pk, what=f"email for notification {pk}", then="the relay will send it"):
            return sent  # the broker is down: this row and the rest wait for the relay
        sent += 1
    return sent


def notifications_relay(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Free stale claims, fail what keeps failing, and enqueue what is still waiting (held while switched off)."""
    now = now or timezone.now()
    if not settings.NOTIFICATIONS_ENABLED:
        hold_pending(Notification.objects.all())
        return 0
    outbox_reclaim(Notification.objects.all(), now=now)
    waiting = Notification.objects.filter(email_status=EmailStatus.PENDING, created_at__lt=now - RELAY_GRACE)
    return enqueue_pending(ids=waiting.order_by("created_at").values_list("pk", flat=True)[:batch_size])


def _domain() -> str:
    return site_domain()


def thread_root(ticket: Ticket) -> str:
    """The Message-ID every email about the ticket replies to."""
    return f"<ticket-{ticket.pk}@{_domain()}>"


def ticket_link(ticket: Ticket, user: User) -> str:
    if user.is_staff_role:
        return f"{settings.SITE_URL}/admin/tickets/ticket/{ticket.pk}/change/"
    return f"{settings.SITE_URL}/portal/tickets/{ticket.pk}/"


def guest_link_url(link: GuestLink) -> str:
    """The absolute URL of a guest's secret link (the portal's ``portal:guest-ticket``), rebuilt from its row."""
    return f"{settings.SITE_URL}/portal/guest/{link.token}/"


def email_guest_link(notification: Notification, now: datetime) -> GuestLink | None:
    """The secret link an email carries instead of the portal URL, if any.

    A guest-link email carries the link it was sent for (while that still
    works). Other emails carry one only for a recipient who cannot sign in (no
    usable password): the newest live link to the ticket that acts as them.
    """
    recipient = notification.recipient
    links = GuestLink.objects.live(now).filter(ticket_id=notification.ticket_id, user_id=recipient.pk)
    if notification.kind == NotificationKind.GUEST_LINK:
        link_id = (notification.event.metadata or {}).get("link_id") if notification.event_id else None
        return links.filter(pk=link_id).first() if link_id else None
    if recipient.is_staff_role or recipient.has_usable_password():
        return None
    return links.order_by("-created_at", "-id").first()


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The email for a notification, threaded under its ticket."""
    ticket, recipient = notification.ticket, notification.recipient
    comment = None
    if comment_id := (notification.event.metadata or {}).get("comment_id") if notification.event_id else None:
        comment = Comment.objects.filter(pk=comment_id).select_related("author").first()
    guest_link = email_guest_link(notification, timezone.now())
    # An answer to an internal note by email would be public: those emails do not invite one.
    internal = notification.kind == NotificationKind.INTERNAL_NOTE
    answers = [] if internal else email_reply_to.send(sender=Notification, ticket=ticket)
    reply_to = next((answer for _, answer in answers if answer), None)
    context = {
        "reply_by_email": bool(reply_to),
        "notification": notification,
        "ticket": ticket,
        "recipient": recipient,
        "event": notification.event,
        "comment": comment,
        "ticket_url": guest_link_url(guest_link) if guest_link else ticket_link(ticket, recipient),
        "guest_link": guest_link,
        "site_url": settings.SITE_URL,
        "reopen_days": settings.REOPEN_WINDOW_DAYS,
    }
    name = f"emails/{notification.kind}"
    subject = " ".join(render_to_string(f"{name}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}-body.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(render_to_string(f"{name}-body.html", context), "text/html")
    if reply_to:
        message.reply_to = [reply_to]
    if notification.kind not in _WRITTEN_BY_A_PERSON:
        message.extra_headers["Auto-Submitted"] = "auto-generated"
    root = thread_root(ticket)
    first = notification.kind == NotificationKind.TICKET_CREATED and recipient.pk == ticket.requester_id
    if first:
        message.extra_headers["Message-ID"] = root
    else:
        message.extra_headers["Message-ID"] = f"<ticket-{ticket.pk}.n{notification.pk}@{_domain()}>"
        message.extra_headers["In-Reply-To"] = root
        message.extra_headers["References"] = root
    return message


def notification_send_email(*, notification_id: int, now: datetime | None = None) -> bool:
    """Send one notification's email unless another run holds it; True when this run sent it.

    Raises on a transient failure (after putting the row back to pending), so
    the task can retry with backoff.
    """
    outbox = Notification.objects.select_related("recipient", "ticket", "event")
    return outbox_send(outbox=outbox, pk=notification_id, build=build_email, now=now)


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None); return how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def notification_preferences_set(*, user: User, preferences: dict[str, dict[str, bool]]) -> None:
    """Set a user's channels per kind (``{"public_reply": {"email": False}}``); a channel left out keeps its value."""
    with transaction.atomic():
        for kind, channels in preferences.items():
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults=channels)
