"""Building tickets in a known SLA state, and reading report answers back."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import datetime, timedelta

from django.db import connection

from tickets.choices import Status
from tickets.models import Milestone, SLAPolicy, Ticket
from tickets.tests.factories import TicketFactory
from tickets.workflow import SLA_PAUSED

H = timedelta(hours=1)
_milestones_migration = importlib.import_module("tickets.migrations.0021_milestones")


def make(created_at: datetime, status: Status = Status.OPEN, *, sla: bool = True, **fields) -> Ticket:
    """A ticket on the Standard policy's medium targets (8 h / 120 h, at risk from 80 %), 24x7.

    Fields not given keep the factory's defaults (priority medium, no team or assignee).
    """
    values: dict = {"created_at": created_at, "status": status, "status_changed_at": created_at}
    if sla:
        values |= {
            "sla_policy": SLAPolicy.objects.get(name="Standard"),
            "sla_first_response_minutes": 8 * 60,
            "sla_resolution_minutes": 120 * 60,
            "first_response_due_at": created_at + 8 * H,
            "first_response_at_risk_at": created_at + timedelta(minutes=384),
            "resolution_due_at": created_at + 120 * H,
            "resolution_at_risk_at": created_at + 96 * H,
        }
        if status in SLA_PAUSED:
            # As the services leave it: a paused resolution clock has no due time.
            values |= {"resolution_due_at": None, "resolution_at_risk_at": None}
    if "first_response_stopped_at" not in fields:
        # As the services leave it: the first reply, or resolving or closing before one, stops that clock.
        stops = [fields.get(name) for name in ("first_responded_at", "resolved_at", "closed_at")]
        values["first_response_stopped_at"] = min((stop for stop in stops if stop is not None), default=None)
    ticket = TicketFactory(**(values | fields))
    with_milestones(ticket)
    return ticket


def with_milestones(ticket: Ticket) -> Ticket:
    """Write the milestones a ticket's row and events say it reached, as migration 0021 does for a
    desk's tickets from before milestones (a row made here, not through the services, has none)."""
    Milestone.objects.filter(ticket=ticket).delete()
    with connection.cursor() as cursor:
        _milestones_migration.backfill(cursor, "t.id = %s", [ticket.pk])
    return ticket


def csv_table(response) -> list[list[str]]:
    """A streamed CSV response, read to the end and parsed back."""
    assert response.streaming, "a CSV answer is streamed"
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def as_csv_cells(rows: list[dict], columns: list[str]) -> list[list[str]]:
    """JSON rows as the CSV writes them: None empty, lists joined with ", ", everything text."""

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)

    return [[cell(row[column]) for column in columns] for row in rows]
