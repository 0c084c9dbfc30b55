"""The ticket export's two writers, PostgreSQL's COPY and Python's csv, write the same file; both stream under ASGI."""

from __future__ import annotations

import asyncio
import csv
import io
import warnings
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.core.asgi import get_asgi_application
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from tickets import services
from tickets.api import export
from tickets.api.export import TICKET_COLUMNS, csv_lines, ticket_csv, ticket_csv_rows
from tickets.choices import Status
from tickets.models import Ticket
from tickets.tests.factories import category

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)
# Cells a spreadsheet would run, and text the CSV must quote or carry as it is.
SUBJECTS = [
    "=SUM(A1)",
    "+1 call",
    "-2 days",
    "@cmd",
    "\tTabbed",
    'Quote "x", comma',
    "Line\nbreak",
    "Ünïcode ✓",
    " lead",
]


@pytest.fixture
def tricky(db, customer, agent):
    """Tickets with every kind of awkward cell, in every SLA state, some with tags and microseconds."""
    made = []
    with time_machine.travel(NOW, tick=False):
        for index, subject in enumerate(SUBJECTS):
            ticket = services.ticket_create(
                actor=customer,
                subject=subject,
                category=category("billing" if index % 2 else "general"),
                priority=["low", "medium", "high", "urgent"][index % 4],
                tags=[["=tag", "vpn"], ["zeta", "alpha", "beta"], []][index % 3],
                now=NOW - (200 * H if index == 8 else index * 10 * M) - timedelta(microseconds=123450 * (index % 2)),
            )
            if index % 2:
                ticket = services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=NOW)
            if index in (2, 3, 5) and ticket.status == Status.NEW:
                ticket = services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.OPEN, now=NOW)
            if index in (2, 5):
                ticket = services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING, now=NOW)
            if index == 3:
                ticket = services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.RESOLVED, now=NOW)
            if index == 4:
                ticket = services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.CLOSED, now=NOW)
            # As stored by an import or a connected desk: the form would have trimmed the tab and the space.
            Ticket.objects.filter(pk=ticket.pk).update(subject=subject)
            made.append(ticket)
    return made


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_postgresql_writes_what_python_writes_cell_for_cell(tricky, settings, zone):
    settings.TIME_ZONE = zone
    tickets = Ticket.objects.all()

    with time_machine.travel(NOW + H, tick=False):
        by_database = b"".join(export._chunks(ticket_csv(tickets))).decode()
        by_python = "".join(csv_lines(TICKET_COLUMNS, ticket_csv_rows(tickets), lineterminator="\n"))

    assert by_database == by_python
    rows = list(csv.reader(io.StringIO(by_database)))
    assert len(rows) == len(SUBJECTS) + 1
    states = {row[-1] for row in rows[1:]}
    assert states == {"ok", "breached", "paused", "met"}, states


def test_formulas_are_defused_in_subjects_and_tags(tricky, api, agent):
    rows = list(csv.reader(io.StringIO(b"".join(api(agent).get("/api/v1/tickets?format=csv")).decode())))

    by_subject = {row[2]: row for row in rows[1:]}
    assert "'=SUM(A1)" in by_subject and "'+1 call" in by_subject and "'@cmd" in by_subject
    assert "'\tTabbed" in by_subject and "Line\nbreak" in by_subject and 'Quote "x", comma' in by_subject
    assert by_subject["'=SUM(A1)"][11] == "'=tag, vpn"
    assert by_subject["'+1 call"][11] == "alpha, beta, zeta"


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_export_is_sent_chunk_by_chunk_as_it_is_read(customer, agent, monkeypatch):
    for index in range(30):
        services.ticket_create(actor=customer, subject=f"Ticket {index}", category=category())
    monkeypatch.setattr(export, "CHUNK_BYTES", 300)
    sent: list[dict] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/tickets",
        "query_string": b"format=csv",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {AccessToken.for_user(agent)}".encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    requested = []

    async def receive() -> dict:
        if not requested:
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    with warnings.catch_warnings():
        # Django's "must consume synchronous iterators": the whole body read into memory first.
        warnings.simplefilter("error")
        async_to_sync(get_asgi_application())(scope, receive, send)

    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    bodies = [message for message in sent if message["type"] == "http.response.body"]
    assert len(bodies) > 5
    assert all(message["more_body"] for message in bodies[:-1])
    rows = list(csv.reader(io.StringIO(b"".join(message.get("body", b"") for message in bodies).decode())))
    assert rows[0] == TICKET_COLUMNS and len(rows) == 31
