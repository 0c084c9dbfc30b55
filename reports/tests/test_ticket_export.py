"""``/api/v1/tickets?format=csv``: the filtered ticket list, every page of it, as a streamed CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.tests.helpers import csv_table
from tickets import services
from tickets.api.export import TICKET_COLUMNS
from tickets.choices import Status
from tickets.custom_fields import active_fields
from tickets.tests.factories import category

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


@pytest.fixture
def tickets(db, customer, other_customer, agent, team):
    """Twelve tickets through the services: mixed priorities and statuses, some paused (no resolution due)."""
    made = []
    with time_machine.travel(NOW, tick=False):
        for index in range(12):
            requester = customer if index % 3 else other_customer
            ticket = services.ticket_create(
                actor=requester,
                subject=f"Ticket {index}",
                category=category("billing" if index % 4 == 0 else "general"),
                priority=["low", "medium", "high", "urgent"][index % 4],
                tags=["vpn", f"t{index}"] if index % 2 else [],
                now=NOW - timedelta(hours=index),
            )
            if index % 2:
                ticket = services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=NOW)
            if index in (1, 7, 11):
                ticket = services.ticket_transition(actor=agent, ticket=ticket, to_status="pending", now=NOW)
            made.append(ticket)
    return made


def all_pages(client, url: str) -> list[dict]:
    """Every ticket the JSON list gives, following ``next`` to the end."""
    rows: list[dict] = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


@pytest.mark.parametrize(
    "query",
    ["", "status=open", "ordering=due", "ordering=priority,-created_at", "priority=P1,low&tag=vpn", "assignee=me"],
)
def test_the_csv_has_every_ticket_of_the_list_in_its_order(tickets, api, agent, query):
    client = api(agent)
    listed = all_pages(client, f"/api/v1/tickets?page_size=5&{query}")

    response = client.get(f"/api/v1/tickets?format=csv&{query}")

    assert response.status_code == 200
    table = csv_table(response)
    assert table[0] == TICKET_COLUMNS
    rows = [dict(zip(table[0], line, strict=True)) for line in table[1:]]
    assert [row["number"] for row in rows] == [ticket["number"] for ticket in listed]
    for row, ticket in zip(rows, listed, strict=True):
        assert row["id"] == str(ticket["id"])
        assert (row["status"], row["priority"], row["category"]) == (
            ticket["status"],
            ticket["priority"],
            ticket["category"],
        )
        assert row["requester_email"] == ticket["requester"]["email"]
        assert row["assignee_email"] == (ticket["assignee"]["email"] if ticket["assignee"] else "")
        assert row["tags"] == ", ".join(sorted(ticket["tags"]))
        assert row["created_at"] == ticket["created_at"]
        assert row["resolution_due_at"] == (ticket["resolution_due_at"] or "")
        assert row["sla_state"] == ticket["sla_state"]


def test_the_filters_select_the_same_tickets(tickets, api, agent):
    response = api(agent).get("/api/v1/tickets?format=csv&status=pending")

    rows = csv_table(response)[1:]
    assert len(rows) == 3
    assert {row[3] for row in rows} == {"pending"}
    assert {row[2] for row in rows} == {"Ticket 1", "Ticket 7", "Ticket 11"}


def test_a_customer_exports_only_their_own_tickets(tickets, api, customer):
    rows = csv_table(api(customer).get("/api/v1/tickets?format=csv"))[1:]

    assert len(rows) == 8  # the twelve minus the four of the other customer
    assert {row[6] for row in rows} == {customer.email}


def test_the_download_is_named_and_streamed(tickets, api, agent):
    with time_machine.travel(NOW, tick=False):
        response = api(agent).get("/api/v1/tickets?format=csv")

    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tickets-20260314-1000.csv"'
    assert response["Cache-Control"] == "private, no-store"


def test_cells_a_spreadsheet_would_run_are_defused(db, api, agent, customer):
    services.ticket_create(actor=customer, subject='=HYPERLINK("http://evil.example","x")', category=category())

    row = csv_table(api(agent).get("/api/v1/tickets?format=csv"))[1]

    assert row[2] == '\'=HYPERLINK("http://evil.example","x")'


def test_query_count_does_not_grow_with_the_tickets(tickets, api, agent, customer):
    client = api(agent)

    def queries_for_export() -> int:
        with CaptureQueriesContext(connection) as queries:
            csv_table(client.get("/api/v1/tickets?format=csv"))
        return len(queries)

    active_fields()  # the custom field definitions, cached as a running desk has them (tickets/custom_fields.py)
    before = queries_for_export()
    for index in range(10):
        services.ticket_create(actor=customer, subject=f"More {index}", category=category(), tags=["x"])
    assert queries_for_export() == before
    # The user, then on PostgreSQL one COPY writing every line (tags and related rows joined in);
    # elsewhere the tickets (related rows joined) and the tags, per chunk, as the list's own page.
    assert before == (2 if connection.vendor == "postgresql" else 3)


def test_bad_filters_answer_400_in_json(db, api, agent):
    response = api(agent).get("/api/v1/tickets?format=csv&priority=whenever")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "priority" in response.json()["errors"]


def test_only_the_list_speaks_csv(tickets, api, agent):
    client = api(agent)

    assert client.get(f"/api/v1/tickets/{tickets[0].pk}?format=csv").status_code == 404
    assert client.get(f"/api/v1/tickets/{tickets[0].pk}?format=json").status_code == 200
    assert client.get("/api/v1/tickets?format=json").json()["results"]


def test_a_closed_ticket_has_its_times(db, api, agent, customer):
    with time_machine.travel(NOW, tick=False):
        ticket = services.ticket_create(actor=customer, subject="Done", category=category())
        ticket = services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.CLOSED, now=NOW)

    row = dict(zip(TICKET_COLUMNS, csv_table(api(agent).get("/api/v1/tickets?format=csv"))[1], strict=True))

    assert row["status"] == "closed"
    assert row["closed_at"] == "2026-03-14T10:00:00Z"
    assert row["resolved_at"] == ""


def test_the_renderer_writes_rows_given_as_data():
    from tickets.api.export import CSVRenderer

    body = CSVRenderer().render({"results": [{"number": "TICK-1", "subject": "=cmd()"}, {"number": "TICK-2"}]})
    assert body.decode().splitlines() == ["number,subject", "TICK-1,'=cmd()", "TICK-2,"]
    assert CSVRenderer().render([]) == b""
