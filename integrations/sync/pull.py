"""Pull: the desk's new and changed tickets into ours, page by page, resumable.

- Zendesk: the cursor incremental export (``start_time`` on the first run, then the stored
  cursor). Zoho: ``/tickets/search?modifiedTimeRange=`` in the connection's department, from a
  stored watermark. Both are kept in the connection's ``SyncState`` (kind ``pull_tickets`` for
  the periodic pull, ``import_tickets`` for the import commands) after every page, so a run
  stopped half-way resumes where it got to. ``sync_state_claim`` keeps a connection's pull to
  one worker at a time, and the claim is released however the run ends.
- Each remote ticket is brought in on its own (``puller.py``): one that fails is logged and
  counted, and the position still moves past it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from helpdesk.errors import HelpdeskError
from integrations.errors import IntegrationError
from integrations.models import Connection, Direction, Outcome, Provider, RemoteLink, SyncState
from integrations.services import (
    connection_record_failure,
    connection_record_success,
    sync_log,
    sync_state_claim,
    sync_state_release,
)
from integrations.sync.desks import Desk, desk_for
from integrations.sync.puller import Puller, PullResult

__all__ = ["DEFAULT_BATCH", "IMPORT_KIND", "PULL_KIND", "PullResult", "pull_changes", "pull_remote_ticket"]

logger = logging.getLogger(__name__)

PULL_KIND = SyncState.Kind.PULL_TICKETS
IMPORT_KIND = SyncState.Kind.IMPORT_TICKETS
DEFAULT_BATCH = 100
# Zendesk refuses an incremental start_time less than a minute old.
_START_TIME_MIN_AGE = timedelta(seconds=61)


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
    max_seconds: float | None = None,
    desk: Desk | None = None,
    on_page: Callable[[PullResult], None] | None = None,
) -> PullResult | None:
    """Pull what changed on the desk since the stored position (or ``since``); None if another run holds it.

    ``max_pages`` and ``max_seconds`` stop early after a page (the position is kept; the next run
    continues, ``done`` is False); ``on_page`` is called after each page (the import commands' progress).
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
    puller = Puller(connection, desk, result, importing=kind == IMPORT_KIND)
    direction = Direction.IMPORT if kind == IMPORT_KIND else Direction.PULL
    deadline = time.monotonic() + max_seconds if max_seconds is not None else None

    def more() -> bool:
        """Whether the run may fetch another page."""
        if max_pages is not None and result.pages >= max_pages:
            return False
        return deadline is None or time.monotonic() < deadline

    try:
        if connection.provider == Provider.ZENDESK:
            _pull_zendesk(puller, state, since, batch, more, on_page)
        else:
            _pull_zoho(puller, state, since, batch, more, on_page)
    except (IntegrationError, HelpdeskError) as exc:
        message = getattr(exc, "message", str(exc))
        sync_log(connection=connection, direction=direction, action=kind, outcome=Outcome.FAILED, message=message)
        connection_record_failure(connection=connection, error=message)
        raise
    finally:
        # Whatever ended the run (a time limit, a database error, Ctrl-C), the next one may start.
        sync_state_release(state=state)
    sync_log(
        connection=connection,
        direction=direction,
        action=kind,
        outcome=Outcome.OK,
        message=(
            f"{result.pages} page(s), {result.seen} ticket(s): {result.created} new, {result.updated} updated, "
            f"{result.conflicts} conflict(s), {result.skipped} unchanged, {result.failed} failed; "
            f"{result.comments} comment(s)."
        ),
    )
    connection_record_success(connection=connection)
    return result


def _pull_zendesk(puller: Puller, state: SyncState, since, batch, more, on_page) -> None:
    client = puller.desk.client
    cursor = state.cursor or None
    while more():
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


DESK_CLOCK_SLACK = timedelta(minutes=1)
# How far before the newest change seen an unordered desk's next window starts (changes stamped
# while we read it).
UNORDERED_OVERLAP = timedelta(seconds=5)


def _pull_zoho(puller: Puller, state: SyncState, since, batch, more, on_page) -> None:
    client = puller.desk.client
    watermark = state.watermark or _first_start(puller.connection, since)
    offset = 0
    # A minute past our clock: a desk's clock running ahead of ours must not hide its latest changes.
    until = datetime.now(UTC) + DESK_CLOCK_SLACK
    department = puller.connection.department_id or None
    # Asked for oldest change first. While pages come so, each starts at the newest change seen
    # (a ticket changing meanwhile cannot shift one past us). A desk answering in another order is
    # read through the whole [watermark, until] window by offset instead, and the next run starts a
    # little before the newest change it held (the desk's own clock, as in the ordered case).
    ordered = True
    window_newest = watermark
    while more():
        page = client.search_modified_since(watermark, until=until, from_=offset, limit=batch, department=department)
        remotes = [puller.desk.ticket(data) for data in page]
        puller.apply_page(remotes)
        puller.result.pages += 1
        times = [r.updated_at for r in remotes if r.updated_at]
        ordered = ordered and times == sorted(times)
        newest = max(times, default=None)
        window_newest = max(window_newest, newest or window_newest)
        if ordered and newest is not None and newest > watermark:
            # The range is inclusive: the next page starts at the newest time seen (re-seen ones are skipped).
            watermark, offset = newest, 0
            _save_position(state, watermark=watermark)
        else:
            offset += len(page)
        if on_page:
            on_page(puller.result)
        if len(page) < batch:
            if not ordered:
                _save_position(state, watermark=max(watermark, window_newest - UNORDERED_OVERLAP))
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
        outcome = Puller(connection, desk, result).apply(remote, link)
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
        outcome={"skipped": Outcome.SKIPPED, "failed": Outcome.FAILED}.get(outcome, Outcome.OK),
        message=f"Remote ticket {remote_id}: {outcome}.",
        remote_id=remote_id,
    )
    connection_record_success(connection=connection)
    return outcome
