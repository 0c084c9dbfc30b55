"""A ticket's SLA clocks and state read from its columns: from a Ticket (``Fields``) or a ``values()`` row.

One reading for both, so the CSV export (values rows, no models) says what a ticket's page says.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import models

from tickets.sla import Clock, SlaState, sla_state
from tickets.workflow import SLA_PAUSED, SLA_STOPPED


class Readable(Protocol):
    """Read a ticket's column by name: a ``values()`` row, or a Ticket through ``Fields``."""

    def __getitem__(self, name: str) -> Any: ...


class Fields:
    """A ticket's attributes read as a mapping (deferred ones load as usual)."""

    __slots__ = ("ticket",)

    def __init__(self, ticket: models.Model) -> None:
        self.ticket = ticket

    def __getitem__(self, name: str) -> Any:
        return getattr(self.ticket, name)


# What a ticket's SLA state is judged from: a ``values()`` row of these columns is enough (the CSV export).
SLA_STATE_FIELDS = (
    "status",
    "sla_policy_id",
    "sla_first_response_minutes",
    "first_response_due_at",
    "first_response_at_risk_at",
    "first_response_stopped_at",
    "first_response_breached",
    "sla_resolution_minutes",
    "resolution_due_at",
    "resolution_at_risk_at",
    "resolved_at",
    "closed_at",
    "resolution_breached",
)


def first_response_clock_of(ticket: Readable) -> Clock | None:
    """The first-response clock of a ticket's ``SLA_STATE_FIELDS``; None without one (or with SLA_ENABLED off)."""
    if (
        not settings.SLA_ENABLED
        or ticket["sla_policy_id"] is None
        or ticket["first_response_due_at"] is None
        or not ticket["sla_first_response_minutes"]
    ):
        return None
    return Clock(
        target=timedelta(minutes=ticket["sla_first_response_minutes"]),
        due_at=ticket["first_response_due_at"],
        at_risk_at=ticket["first_response_at_risk_at"],
        stopped_at=ticket["first_response_stopped_at"],
        breached=ticket["first_response_breached"],
    )


def resolution_clock_of(ticket: Readable) -> Clock | None:
    """The resolution clock of a ticket's ``SLA_STATE_FIELDS``; it stops on resolving or on closing."""
    if not settings.SLA_ENABLED or ticket["sla_policy_id"] is None or not ticket["sla_resolution_minutes"]:
        return None
    return Clock(
        target=timedelta(minutes=ticket["sla_resolution_minutes"]),
        due_at=ticket["resolution_due_at"],
        at_risk_at=ticket["resolution_at_risk_at"],
        stopped_at=ticket["resolved_at"] or ticket["closed_at"],
        breached=ticket["resolution_breached"],
    )


def sla_state_of(ticket: Readable, now: datetime) -> SlaState:
    """The SLA word (ok, at_risk, breached, paused or met) of a ticket's ``SLA_STATE_FIELDS``."""
    return sla_state(
        now=now,
        first_response=first_response_clock_of(ticket),
        resolution=resolution_clock_of(ticket),
        paused=ticket["status"] in SLA_PAUSED,
        stopped=ticket["status"] in SLA_STOPPED,
    )
