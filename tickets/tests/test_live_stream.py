"""The live stream over ASGI (Django's AsyncClient): events, resume after Last-Event-ID, presence, both modes.

Database mode polls every second here; Redis mode subscribes on the Redis of ``REDIS_URL`` when a
test gives one (the shared Redis of CI, or ``redis_url`` below), and must then be woken by the signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from helpdesk.models import Presence
from tickets import services
from tickets.live.alerts import latest_alert_id
from tickets.models import Notification, NotificationKind, Ticket
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def parse(raw: str) -> list[dict]:
    """The events in a chunk of text/event-stream: dicts of id, event and data (decoded JSON)."""
    events = []
    for block in raw.split("\n\n"):
        fields: dict = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            name, _, value = line.partition(":")
            fields[name] = value.strip()
        if "event" in fields:
            events.append({"id": fields.get("id"), "event": fields["event"], "data": json.loads(fields["data"])})
    return events


class Stream:
    """One open stream: ``await next_event(kind)`` reads until an event of that kind comes (or times out)."""

    def __init__(self, response) -> None:
        self.response = response
        self.content = aiter(response.streaming_content)
        self.buffer = ""
        self.seen: list[dict] = []

    async def next_event(self, kind: str, timeout: float = 10.0, where=lambda data: True) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.seen):
                if event["event"] == kind and where(event["data"]):
                    return self.seen.pop(index)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} event within {timeout} s; saw {self.seen}")
            try:
                chunk = await asyncio.wait_for(anext(self.content), left)
            except TimeoutError:
                raise AssertionError(f"no {kind} event within {timeout} s; saw {self.seen}") from None
            self.buffer += chunk.decode()
            done, _, self.buffer = self.buffer.rpartition("\n\n")
            self.seen += parse(done + "\n\n") if done else []

    async def close(self) -> None:
        """Hang up as a browser does: the ASGI handler cancels the read in progress, and the stream cleans up."""
        while True:
            read = asyncio.ensure_future(anext(self.content))
            done, _ = await asyncio.wait([read], timeout=0.1)
            if not done:
                read.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await read
                return
            if read.exception() is not None:  # the stream had ended already
                return


async def open_stream(user, path: str = "/live/stream", headers: dict | None = None) -> Stream:
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(path, headers=headers or {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    return Stream(response)


@pytest.fixture
def fast(settings):
    """Database mode (whatever ``REDIS_URL`` the run has), looking every second."""
    settings.REDIS_URL = ""
    settings.LIVE_POLL_SECONDS = 1


@pytest.fixture
def ticket(customer, team, manager):
    return services.ticket_create(actor=manager, requester=customer, subject="VPN down", category=category(), team=team)


def reply(ticket_id: int, author, body: str) -> None:
    services.comment_add(actor=author, ticket=Ticket.objects.get(pk=ticket_id), body=body)


def test_signed_out_gets_401_in_the_error_shape(db):
    response = async_to_sync(AsyncClient().get)("/live/stream")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_under_a_wsgi_server_the_stream_is_a_503_the_browser_stops_on(client, agent):
    """A WSGI server cannot stream it and would hold a worker per page: pages work on without alerts."""
    client.force_login(agent)
    response = client.get("/live/stream")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert "ASGI" in response.json()["message"]


def test_an_alert_reaches_the_open_stream_with_its_id(fast, ticket, customer, agent):
    async def run():
        stream = await open_stream(agent)
        try:
            hello = await stream.next_event("hello")
            assert hello["data"]["mode"] == "database"
            assert hello["data"]["unread"] == 1  # the ticket's creation, before the page opened: not resent
            # The id to resume after, even if the line drops before the first alert.
            assert hello["id"] == str(await sync_to_async(latest_alert_id)(agent))
            await sync_to_async(reply)(ticket.pk, customer, "Still broken after the restart.")
            alert = await stream.next_event("alert")
        finally:
            await stream.close()
        return alert

    alert = async_to_sync(run)()
    row = Notification.objects.get(recipient=agent, kind=NotificationKind.PUBLIC_REPLY)
    assert alert["id"] == str(row.pk)
    assert alert["data"]["ticket"] == ticket.number
    assert alert["data"]["url"] == f"/admin/tickets/ticket/{ticket.pk}/change/"


@pytest.mark.parametrize("how", ["Last-Event-ID", "after"])
def test_a_reconnect_resumes_after_last_event_id(fast, ticket, customer, agent, how):
    """The browser's reconnect sends the header; the next page of the same tab passes ``?after=``."""
    first = Notification.objects.get(recipient=agent).pk
    reply(ticket.pk, customer, "one")
    reply(ticket.pk, customer, "two")

    async def run():
        if how == "after":
            stream = await open_stream(agent, f"/live/stream?after={first}")
        else:
            stream = await open_stream(agent, headers={"Last-Event-ID": str(first)})
        try:
            return [await stream.next_event("alert"), await stream.next_event("alert")]
        finally:
            await stream.close()

    ids = [int(event["id"]) for event in async_to_sync(run)()]
    expected = list(
        Notification.objects.filter(recipient=agent, pk__gt=first).order_by("id").values_list("pk", flat=True)
    )
    assert ids == expected and len(ids) == 2


def test_a_customer_stream_carries_only_their_own_alerts(fast, ticket, customer, other_customer, agent):
    async def run():
        mine, theirs = await open_stream(customer), await open_stream(other_customer)
        try:
            await mine.next_event("hello")
            await theirs.next_event("hello")
            await sync_to_async(reply)(ticket.pk, agent, "We are on it.")
            got = await mine.next_event("alert")
            with pytest.raises(AssertionError):
                await theirs.next_event("alert", timeout=2.5)
        finally:
            await mine.close()
            await theirs.close()
        return got

    got = async_to_sync(run)()
    assert got["data"]["kind"] == "public_reply"
    assert got["data"]["url"] == f"/portal/tickets/{ticket.pk}/"


def test_agents_on_the_same_ticket_see_each_other_come_and_go(fast, ticket, agent, team_lead, customer):
    path = f"/live/stream?ticket={ticket.pk}"
    names = {"agent": agent.get_full_name(), "lead": team_lead.get_full_name()}

    async def run():
        first = await open_stream(agent, path)
        await first.next_event("presence", where=lambda data: data["viewers"] == [])
        second = await open_stream(team_lead, path)
        seen_by_second = await second.next_event("presence", where=lambda data: data["viewers"] == [names["agent"]])
        seen_by_first = await first.next_event("presence", where=lambda data: data["viewers"] == [names["lead"]])
        # A customer's portal stream for the same ticket is neither shown nor told.
        third = await open_stream(customer, path)
        await third.next_event("hello")
        await second.close()
        gone = await first.next_event("presence", where=lambda data: data["viewers"] == [])
        await first.close()
        await third.close()
        return seen_by_second, seen_by_first, gone

    seen_by_second, seen_by_first, gone = async_to_sync(run)()
    assert seen_by_second["data"] == {"ticket": ticket.pk, "viewers": [names["agent"]]}
    assert seen_by_first["data"]["viewers"] == [names["lead"]]
    assert gone["data"]["viewers"] == []
    assert Presence.objects.count() == 0


def test_no_presence_for_a_ticket_the_agent_may_not_see(fast, settings, ticket, other_agent):
    settings.AGENT_TICKET_VISIBILITY = "team"

    async def run():
        stream = await open_stream(other_agent, f"/live/stream?ticket={ticket.pk}")
        try:
            await stream.next_event("hello")
            await asyncio.sleep(1.5)
            return await sync_to_async(Presence.objects.count)(), stream.seen
        finally:
            await stream.close()

    count, seen = async_to_sync(run)()
    assert count == 0
    assert [event for event in seen if event["event"] == "presence"] == []


def test_hostile_parameters_are_ignored(fast, agent):
    async def run():
        stream = await open_stream(agent, "/live/stream?ticket=1%00x&after=-5", {"Last-Event-ID": "9" * 40})
        try:
            return await stream.next_event("hello")
        finally:
            await stream.close()

    assert async_to_sync(run)()["data"]["unread"] == 0


@pytest.fixture
def redis_mode(settings):
    """Streams subscribe on Redis (``REDIS_URL`` of the run, else the shared Redis's db 13) and poll rarely."""
    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
    settings.LIVE_POLL_SECONDS = 60  # a wake-up can only come from the signal


def test_in_redis_mode_the_signal_wakes_the_stream_at_once(redis_mode, ticket, customer, agent):
    async def run():
        stream = await open_stream(agent)
        try:
            hello = await stream.next_event("hello")
            await sync_to_async(reply)(ticket.pk, customer, "Any news?")
            return hello, await stream.next_event("alert", timeout=5)
        finally:
            await stream.close()

    hello, alert = async_to_sync(run)()
    assert hello["data"]["mode"] == "redis"
    # Without the signal the stream would look again only at its 15 s heartbeat: 5 s proves the wake-up.
    assert alert["data"]["kind"] == "public_reply"


def test_in_redis_mode_presence_changes_are_signalled(redis_mode, ticket, agent, team_lead):
    path = f"/live/stream?ticket={ticket.pk}"

    async def run():
        first = await open_stream(agent, path)
        try:
            await first.next_event("presence", where=lambda data: data["viewers"] == [])
            second = await open_stream(team_lead, path)
            await second.next_event("hello")
            joined = await first.next_event("presence", timeout=5, where=lambda data: data["viewers"] != [])
            await second.close()
            left = await first.next_event("presence", timeout=5, where=lambda data: data["viewers"] == [])
            return joined, left
        finally:
            await first.close()

    joined, left = async_to_sync(run)()
    assert joined["data"]["viewers"] == [team_lead.get_full_name()]
    assert left["data"]["viewers"] == []


def test_with_redis_down_streams_poll_the_database_and_nothing_fails(fast, settings, ticket, customer, agent, caplog):
    from helpdesk import live
    from helpdesk.tests.redis_server import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    live._last_warning.update(send=0.0, listen=0.0)
    live._send_skip_until["at"] = 0.0

    async def run():
        stream = await open_stream(agent)
        try:
            hello = await stream.next_event("hello")
            await sync_to_async(reply)(ticket.pk, customer, "Hello?")
            return hello, await stream.next_event("alert")
        finally:
            await stream.close()

    hello, alert = async_to_sync(run)()
    assert hello["data"]["mode"] == "database"
    assert alert["data"]["kind"] == "public_reply"
    warnings = [record.getMessage() for record in caplog.records if record.name == "helpdesk.live"]
    assert any("poll the database instead" in text for text in warnings)
    assert any("could not signal Redis" in text for text in warnings)
