"""Endpoints: registering and changing them, pausing and resuming, and sending one an event.

``webhook_send`` is the way in for anything that wants an endpoint to hear of something outside the
ticket events (the console's test event now; automation rules later): it writes a delivery with its
body made now, in the caller's transaction, and the task sends it once that commits.

Paused (by failures) or switched off, an endpoint gets no new deliveries: none is recorded for it
while it is so, and resuming does not send what happened meanwhile. The deliveries it already had
wait, and go out on their schedule once it is resumed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from helpdesk.errors import ValidationFailed
from helpdesk.queue import publish
from tickets.services.outbox import outbox_send
from webhooks.capture import DELIVER_TASK, forget_endpoints
from webhooks.models import SUBSCRIBABLE, Delivery, DeliveryStatus, Endpoint, PauseNotice, WebhookEvent, new_secret
from webhooks.services.payload import envelope
from webhooks.transport import RefusedURL, check_url

NOTICE_TASK = "webhooks.tasks.deliver_pause_notice"
_EVENTS = frozenset(value for value, _label in SUBSCRIBABLE)


def clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        check_url(url)
    except RefusedURL as exc:
        raise ValidationFailed.on("url", str(exc)) from None
    return url


def clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [name for name in chosen if name not in _EVENTS]
    if unknown:
        raise ValidationFailed.on("events", f"Unknown events: {', '.join(unknown)}. Use: {', '.join(sorted(_EVENTS))}.")
    if not chosen:
        raise ValidationFailed.on("events", "Choose at least one event.")
    return chosen


def endpoint_save(*, endpoint: Endpoint, actor: User) -> Endpoint:
    """Validate and save an endpoint (its registering admin becomes its owner); its secret is made if unset."""
    endpoint.url = clean_url(endpoint.url)
    endpoint.events = clean_events(endpoint.events or [])
    if endpoint.pk is None and endpoint.owner_id is None:
        endpoint.owner = actor
    if not endpoint.secret:
        endpoint.secret = new_secret()
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: Endpoint) -> str:
    """Give the endpoint a new secret (the old one stops working at once); return it to show once."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return str(endpoint.secret)


def endpoint_pause(*, endpoint_id: int, reason: str, now: datetime | None = None) -> bool:
    """Pause an endpoint that is not paused yet and queue the email to its owner; True if this call paused it.

    An endpoint whose owner is gone (deleted, deactivated, no longer an admin) tells every active admin.
    """
    now = now or timezone.now()
    with transaction.atomic():
        paused = Endpoint.objects.filter(pk=endpoint_id, paused_at__isnull=True).update(
            paused_at=now, paused_reason=reason[:300]
        )
        if not paused:
            return False
        forget_endpoints()
        admins = User.objects.people().filter(is_active=True, role=Role.ADMIN)
        owner_id = Endpoint.objects.values_list("owner_id", flat=True).get(pk=endpoint_id)
        recipients = list(admins.filter(pk=owner_id).values_list("pk", flat=True)) if owner_id else []
        recipients = recipients or list(admins.values_list("pk", flat=True))
        notices = PauseNotice.objects.bulk_create(
            PauseNotice(endpoint_id=endpoint_id, recipient_id=pk, reason=reason[:300]) for pk in recipients
        )
        ids = [notice.pk for notice in notices]
        transaction.on_commit(lambda: _publish(ids, task=NOTICE_TASK, what="webhook pause email"))
    return True


def endpoint_resume(*, endpoint: Endpoint) -> bool:
    """Take an endpoint off pause with a clean streak; what waited goes out on its schedule. True if it was paused."""
    resumed = Endpoint.objects.filter(pk=endpoint.pk, paused_at__isnull=False).update(
        paused_at=None, paused_reason="", failure_streak=0
    )
    forget_endpoints()
    if resumed:
        due = list(
            Delivery.objects.filter(
                endpoint_id=endpoint.pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
            ).values_list("pk", flat=True)[:500]
        )
        transaction.on_commit(lambda: _publish(due))
    return bool(resumed)


def webhook_send(*, endpoint: Endpoint, event: str, payload: dict[str, Any], ticket_id: int | None = None) -> Delivery:
    """Queue ``payload`` for ``endpoint`` as ``event``, in the caller's transaction; sent once it commits.

    The body is ``{"id", "event", "occurred_at", **payload}``, signed like every other delivery.
    Refused (``ValidationFailed``) for an endpoint that is paused or switched off.
    """
    if not endpoint.is_active or endpoint.paused_at is not None:
        raise ValidationFailed(f"The endpoint {endpoint.name!r} is {endpoint.status}: resume it first.")
    if event not in WebhookEvent.values:
        raise ValidationFailed.on("event", f"{event!r} is not a webhook event.")
    delivery = Delivery(endpoint=endpoint, event=event, ticket_id=ticket_id)
    delivery.body = envelope(delivery, payload)
    delivery.save()
    transaction.on_commit(lambda: _publish([delivery.pk]))
    return delivery


def endpoint_send_test(*, endpoint: Endpoint, actor: User) -> Delivery:
    """Send the endpoint a ``ping`` (the console's "send test event")."""
    return webhook_send(
        endpoint=endpoint,
        event=WebhookEvent.PING,
        payload={"endpoint": {"id": endpoint.pk, "name": endpoint.name}, "actor": {"id": actor.pk, "name": str(actor)}},
    )


def delivery_replay(*, deliveries: Iterable[Delivery]) -> tuple[int, list[str]]:
    """Send these deliveries again now: same id, same body; a failure is retried on the usual schedule.

    One being sent right now is left alone, as is one whose endpoint is paused or off (resume it
    first). Returns how many were queued and why the others were not.
    """
    queued, refused = [], []
    now = timezone.now()
    for delivery in deliveries:
        endpoint = delivery.endpoint
        if endpoint.status != "active":
            refused.append(f"{delivery.uuid}: the endpoint {endpoint.name!r} is {endpoint.status}; resume it first.")
            continue
        updated = (
            Delivery.objects.filter(pk=delivery.pk)
            .exclude(status=DeliveryStatus.SENDING)
            .update(status=DeliveryStatus.PENDING, next_attempt_at=now, retry_from=delivery.attempts)
        )
        if updated:
            queued.append(delivery.pk)
        else:
            refused.append(f"{delivery.uuid}: it is being sent right now.")
    transaction.on_commit(lambda: _publish(queued))
    return len(queued), refused


def _publish(ids: list[int], *, task: str = DELIVER_TASK, what: str = "webhook delivery") -> None:
    for pk in ids:
        if not publish(task, pk, what=f"{what} {pk}", then="the relay will send it"):
            return


def pause_notice_send(*, notice_id: int, now: datetime | None = None) -> bool:
    """Email an owner that their endpoint was paused (``tickets.services.outbox``: at most once)."""
    outbox = PauseNotice.objects.select_related("endpoint", "recipient")
    return outbox_send(outbox=outbox, pk=notice_id, build=build_pause_email, now=now)


def build_pause_email(notice: PauseNotice) -> EmailMessage:
    context = {
        "endpoint": notice.endpoint,
        "reason": notice.reason,
        "recipient": notice.recipient,
        "endpoint_url": f"{settings.SITE_URL}/admin/webhooks/endpoint/{notice.endpoint_id}/change/",
    }
    subject = " ".join(render_to_string("emails/webhook_paused-subject.txt", context).split())
    message = EmailMessage(
        subject=subject, body=render_to_string("emails/webhook_paused-body.txt", context), to=[notice.recipient.email]
    )
    message.extra_headers["Auto-Submitted"] = "auto-generated"
    return message
