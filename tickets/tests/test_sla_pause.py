"""The resolution clock pauses while the ticket waits (pending, on hold) and resumes where it stopped."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tickets import services
from tickets.models import EventKind
from tickets.services.sla import sla_apply
from tickets.sla import SlaState
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def ticket(customer, agent):
    """An urgent Standard ticket (first response 2 h, resolution 24 h), answered and being worked."""
    ticket = services.ticket_create(actor=customer, subject="Outage", category=category(), priority="urgent", now=T0)
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)
    services.comment_add(actor=agent, ticket=ticket, body="Looking", now=T0 + 0.5 * H)
    return ticket


def move(actor, ticket, status, at):
    return services.ticket_transition(actor=actor, ticket=ticket, to_status=status, now=at)


@pytest.mark.django_db
def test_pending_pauses_and_the_requesters_reply_resumes_with_time_kept(ticket, agent, customer):
    paused = move(agent, ticket, "pending", T0 + 2 * H)
    assert paused.resolution_due_at is None
    assert paused.sla_state(T0 + 30 * H) == SlaState.PAUSED
    with time_machine.travel(T0 + 30 * H, tick=False):
        assert services.sla_sweep()["breached"] == 0  # a paused clock cannot newly breach

    services.comment_add(actor=customer, ticket=ticket, body="Here is the log", now=T0 + 10 * H)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # 2 h used before the pause, 22 h left from the resume at T0+10h.
    assert ticket.resolution_due_at == T0 + 32 * H
    with time_machine.travel(T0 + 31 * H, tick=False):
        assert services.sla_sweep()["breached"] == 0
    with time_machine.travel(T0 + 33 * H, tick=False):
        assert services.sla_sweep()["breached"] == 1


@pytest.mark.django_db
def test_on_hold_pauses_too_and_first_response_does_not_pause(customer, agent):
    ticket = services.ticket_create(actor=customer, subject="Vendor", category=category(), priority="urgent", now=T0)
    services.ticket_transition(actor=agent, ticket=ticket, to_status="open", now=T0)
    held = move(agent, ticket, "on_hold", T0 + 1 * H)
    assert held.resolution_due_at is None
    assert held.first_response_due_at == T0 + 2 * H  # still running while on hold
    with time_machine.travel(T0 + 3 * H, tick=False):
        assert services.sla_sweep()["breached"] == 1
    assert held.events.filter(kind=EventKind.SLA_BREACHED, field="first_response").exists()


@pytest.mark.django_db
def test_reopen_resumes_the_clock_instead_of_restarting_it(ticket, agent, customer):
    move(agent, ticket, "resolved", T0 + 5 * H)
    reopened = services.ticket_reopen(actor=customer, ticket=ticket, now=T0 + 50 * H)
    assert reopened.resolution_due_at == T0 + 50 * H + 19 * H


@pytest.mark.django_db
def test_pausing_after_the_due_time_records_the_breach_at_once(ticket, agent):
    paused = move(agent, ticket, "pending", T0 + 30 * H)
    assert paused.resolution_breached is True
    assert paused.events.filter(kind=EventKind.SLA_BREACHED, field="resolution").count() == 1
    assert paused.sla_state(T0 + 31 * H) == SlaState.BREACHED
    with time_machine.travel(T0 + 40 * H, tick=False):
        assert services.sla_sweep()["breached"] == 0  # recorded once


@pytest.mark.django_db
def test_resolving_late_records_the_breach_even_without_a_sweep(ticket, agent):
    resolved = move(agent, ticket, "resolved", T0 + 25 * H)
    assert resolved.resolution_breached is True
    assert resolved.sla_state(T0 + 26 * H) == SlaState.BREACHED
    assert resolved.resolution_due_at == T0 + 24 * H  # a stopped clock keeps its due time


@pytest.mark.django_db
def test_priority_change_while_paused_and_recomputing_from_history(ticket, agent, manager, customer):
    move(agent, ticket, "pending", T0 + 2 * H)
    lowered = services.ticket_update(actor=manager, ticket=ticket, changes={"priority": "high"}, now=T0 + 3 * H)
    assert lowered.resolution_due_at is None  # still paused
    services.comment_add(actor=customer, ticket=ticket, body="Back", now=T0 + 6 * H)
    ticket.refresh_from_db()
    # high: 48 h; 2 h used; resumed at T0+6h -> due T0+52h.
    assert ticket.resolution_due_at == T0 + 52 * H
    # The same due time comes back when recomputed from the event history alone.
    ticket.resolution_due_at = None
    sla_apply(ticket)
    assert ticket.resolution_due_at == T0 + 52 * H
