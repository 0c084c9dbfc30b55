"""The live stream: Server-Sent Events from an async view, one long request per open page.

``GET /live/stream`` (``?ticket=<id>`` on a console ticket page) answers ``text/event-stream``:

- ``hello``: once, ``{"unread": n, "mode": "redis" | "database"}``, its id the alert id the stream
  starts after, so even a reconnect before the first alert resumes from there;
- ``alert``: a new in-app notification, with the notification's id as the event id, so the
  browser's automatic reconnect sends ``Last-Event-ID`` and resumes exactly after it;
- ``presence``: ``{"ticket": id, "viewers": ["Alex Agent", ...]}`` whenever the others viewing
  the ticket change (never carries an id: it is state, not history);
- a comment line every ``HEARTBEAT_SECONDS``, so proxies and the browser see the line is alive.

The view is ``async`` and runs under an ASGI server (uvicorn): an open stream holds no worker
thread and no database connection. Each look at the database is a short ``sync_to_async`` call
on a pool thread that closes its connections afterwards. A stream ends itself after
``LIVE_STREAM_MAX_SECONDS`` (the browser reconnects within its ``retry``), which spreads streams
over web processes and bounds what a deploy waits for.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from accounts.models import User
from helpdesk import live
from helpdesk.api.errors import error_body
from tickets.live import alerts, presence
from tickets.models import Ticket

logger = logging.getLogger(__name__)

T = TypeVar("T")
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 3000


async def _db(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a short piece of ORM work on a pool thread, then close that thread's connections."""

    def run() -> T:
        try:
            return function(*args, **kwargs)
        finally:
            for connection in connections.all(initialized_only=True):
                connection.close()

    return await sync_to_async(run, thread_sensitive=False)()


def _event(kind: str, data: dict, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _resume_id(request: HttpRequest) -> int | None:
    """Where a reconnect resumes: the ``Last-Event-ID`` header (or ``?after=``); None for a fresh page."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _ticket_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("ticket", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _prepare(user: User, resume: int | None, ticket_id: int | None, connection: str) -> tuple[int, int, Ticket | None]:
    """The stream's start: the id to resume after, the unread count, and the ticket it shows presence for."""
    after = resume if resume is not None else alerts.latest_alert_id(user)
    ticket = presence.presence_ticket(user, ticket_id) if ticket_id is not None else None
    if ticket is not None:
        presence.presence_join(user=user, ticket_id=ticket.pk, connection=connection)
    return after, alerts.unread_count(user), ticket


def _look(user: User, after: int, ticket: Ticket | None, touch: str | None) -> tuple[list[dict], int, list[str] | None]:
    if touch is not None:
        presence.presence_touch(connection=touch)
    found, after = alerts.alerts_after(user, after)
    viewers = presence.viewers_of(ticket, user) if ticket is not None else None
    return found, after, viewers


async def _events(user: User, resume: int | None, ticket_id: int | None) -> AsyncIterator[bytes]:
    connection = uuid.uuid4().hex
    try:
        after, unread, ticket = await _db(_prepare, user, resume, ticket_id, connection)
    except DatabaseError as exc:
        # The database is away: end here; the browser tries again after its retry interval.
        logger.warning("Live stream for user %s not started: database unavailable (%s).", user.pk, exc)
        yield f"retry: {RETRY_MS * 3}\n\n".encode()
        return
    channels = [f"user:{user.pk}"] + ([presence.topic_of(ticket.pk)] if ticket is not None else [])
    listener = await live.Listener(channels).open()
    ends_at = time.monotonic() + settings.LIVE_STREAM_MAX_SECONDS
    next_beat = time.monotonic() + HEARTBEAT_SECONDS
    shown: list[str] | None = None
    failing = False
    try:
        yield f"retry: {RETRY_MS}\n".encode() + _event("hello", {"unread": unread, "mode": _mode(listener)}, after)
        while time.monotonic() < ends_at:
            beat = time.monotonic() >= next_beat
            try:
                found, after, viewers = await _db(_look, user, after, ticket, connection if beat and ticket else None)
            except DatabaseError as exc:
                # The database is away: say nothing, keep the line open, look again at the next poll.
                if not failing:
                    logger.warning("Live stream for user %s: database unavailable (%s).", user.pk, exc)
                failing, found, viewers = True, [], shown
            else:
                failing = False
            for alert in found:
                yield _event("alert", alert, alert["id"])
            if ticket is not None and viewers != shown:
                shown = viewers
                yield _event("presence", {"ticket": ticket.pk, "viewers": viewers})
            if beat:
                next_beat = time.monotonic() + HEARTBEAT_SECONDS
                yield b": ping\n\n"
            wait = HEARTBEAT_SECONDS if listener.subscribed else settings.LIVE_POLL_SECONDS
            wait = max(0.05, min(wait, next_beat - time.monotonic(), ends_at - time.monotonic()))
            await listener.wait(wait)
    finally:
        await listener.close()
        if ticket is not None:
            try:
                await _db(presence.presence_leave, ticket_id=ticket.pk, connection=connection)
            except DatabaseError:
                pass  # the row expires with the presence TTL and beat deletes it


def _mode(listener: live.Listener) -> str:
    return "redis" if listener.subscribed else "database"


@require_GET
async def stream(request: HttpRequest) -> HttpResponse:
    """The signed-in user's live alerts (and a ticket's viewers) as Server-Sent Events."""
    if isinstance(request, WSGIRequest):
        # A WSGI server would hold a worker per open page, and cannot stream an async iterator at all:
        # a clear 503 instead, on which the browser's EventSource stops (pages work without alerts).
        message = "Live alerts need the ASGI server (bin/serve web, make run); this one speaks WSGI."
        return JsonResponse(error_body(503, message), status=503)
    # Read on a pool thread whose connection is closed at once (not ``request.auser()``, whose connection
    # would stay open in the request's thread for as long as the stream), then handed to the request log.
    user = await _db(get_user, request)
    request.user = user
    if not user.is_authenticated or not user.is_active:
        return JsonResponse(error_body(401, "Sign in to receive live alerts."), status=401)
    response = StreamingHttpResponse(
        _events(user, _resume_id(request), _ticket_param(request)), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache, no-store"
    # nginx and other proxies must pass each event on at once instead of buffering the response.
    response["X-Accel-Buffering"] = "no"
    return response
