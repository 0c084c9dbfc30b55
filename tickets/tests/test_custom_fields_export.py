"""Custom fields in the ticket CSV (a column each) and in the reports' filters."""

import csv
import io

import pytest
from django.db import connection

from reports.tests.helpers import csv_table
from tickets import services
from tickets.api import export
from tickets.api.export import csv_lines, ticket_columns, ticket_csv, ticket_csv_rows
from tickets.custom_fields import active_fields
from tickets.models import Ticket
from tickets.tests.factories import category, custom_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(manager, customer):
    custom_field("invoice_number", "text", customer_visible=True, position=1)
    custom_field("amount", "number", position=2)
    custom_field("due_on", "date", position=3)
    custom_field("plan", "dropdown", choices=["basic", "=pro"], categories=("billing",), position=4)
    custom_field("vip", "checkbox", position=5)
    values = [
        {"invoice_number": "INV-1", "amount": "12.50", "due_on": "2026-03-01", "plan": "=pro", "vip": True},
        {"invoice_number": "=HYPERLINK(1)", "amount": "-3", "plan": "basic"},
        {"amount": "1000000"},
        {},
    ]
    for index, fields in enumerate(values):
        services.ticket_create(
            actor=manager,
            requester=customer,
            subject=f"T{index}",
            category=category("billing"),
            custom_fields=fields,
        )


def test_the_csv_has_a_column_per_field_the_caller_sees(desk, api, agent, customer):
    table = csv_table(api(agent).get("/api/v1/tickets?format=csv&ordering=subject"))
    header, rows = table[0], table[1:]
    assert header[-5:] == ["cf_invoice_number", "cf_amount", "cf_due_on", "cf_plan", "cf_vip"]
    assert [row[-5:] for row in rows] == [
        ["INV-1", "12.5", "2026-03-01", "'=pro", "true"],
        ["'=HYPERLINK(1)", "'-3", "", "basic", "false"],
        ["", "1000000", "", "", "false"],
        ["", "", "", "", "false"],
    ]
    mine = csv_table(api(customer).get("/api/v1/tickets?format=csv&ordering=subject"))
    assert [c for c in mine[0] if c.startswith("cf_")] == ["cf_invoice_number"]


def test_the_csv_filters_on_custom_fields_like_the_list(desk, api, agent):
    table = csv_table(api(agent).get("/api/v1/tickets?format=csv&cf_amount__gte=10"))
    assert sorted(row[2] for row in table[1:]) == ["T0", "T2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_writes_the_custom_cells_python_writes(desk):
    tickets = Ticket.objects.order_by("subject")
    fields = active_fields()
    by_database = b"".join(export._chunks(ticket_csv(tickets, fields))).decode()
    by_python = "".join(csv_lines(ticket_columns(fields), ticket_csv_rows(tickets, fields), lineterminator="\n"))
    assert by_database == by_python
    assert len(list(csv.reader(io.StringIO(by_database)))) == 5


def test_reports_filter_on_custom_fields(desk, api, manager):
    # Resolutions are counted from milestones: filtered by the ticket's values too.
    for subject in ("T0", "T2"):
        ticket = services.ticket_transition(actor=manager, ticket=Ticket.objects.get(subject=subject), to_status="open")
        services.ticket_resolve(actor=manager, ticket=ticket)
    client = api(manager)
    everything = client.get("/api/v1/reports/dashboard").json()
    some = client.get("/api/v1/reports/dashboard?cf_amount__gte=10&cf_vip=false").json()
    assert some["params"]["custom_fields"] == {"cf_amount__gte": ["10"], "cf_vip": ["false"]}
    assert (some["created"], everything["created"]) == (1, 4)
    assert (some["resolved"], everything["resolved"]) == (1, 2)
    bad = client.get("/api/v1/reports/dashboard?cf_nope=1")
    assert bad.status_code == 400 and bad.json()["errors"] == {"cf_nope": ["There is no custom field 'nope'."]}
