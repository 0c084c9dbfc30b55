"""The SLA sweep: at risk and breached, each recorded and notified exactly once; breach actions."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from tickets import services
from tickets.models import EventKind, Notification, NotificationKind, SLAPolicy, Ticket, TicketEvent
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def ticket(customer, agent, team, team_lead):
    """Urgent Standard ticket in the Support team, assigned to the agent: first response 2 h, resolution 24 h."""
    ticket = services.ticket_create(actor=customer, subject="Outage", category=category(), priority="urgent", now=T0)
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    return services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)


def sweep(at):
    with time_machine.travel(at, tick=False):
        return services.sla_sweep()


@pytest.mark.django_db
def test_at_risk_from_80_percent_then_breached_each_once_and_told(ticket, agent, team_lead):
    assert sweep(T0 + 1.5 * H) == {"at_risk": 0, "breached": 0}
    assert sweep(T0 + 1.7 * H) == {"at_risk": 1, "breached": 0}  # first response: 1.6 h of 2 h
    assert sweep(T0 + 1.8 * H) == {"at_risk": 0, "breached": 0}
    assert sweep(T0 + 2.1 * H) == {"at_risk": 0, "breached": 1}
    told = sorted(
        Notification.objects.filter(kind=NotificationKind.SLA_AT_RISK).values_list("recipient__email", flat=True)
    )
    assert told == sorted([agent.email, team_lead.email])
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACHED).count() == 2
    assert sweep(T0 + 20 * H) == {"at_risk": 1, "breached": 0}  # resolution: 19.2 h of 24 h
    assert sweep(T0 + 25 * H) == {"at_risk": 0, "breached": 1}
    kinds = list(
        ticket.events.filter(kind__in=[EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED]).values_list("kind", "field")
    )
    assert kinds == [
        ("sla_at_risk", "first_response"),
        ("sla_breached", "first_response"),
        ("sla_at_risk", "resolution"),
        ("sla_breached", "resolution"),
    ]


@pytest.mark.django_db
def test_at_risk_share_is_per_policy(ticket):
    SLAPolicy.objects.filter(name="Standard").update(at_risk_percent=50)
    services.ticket_update(actor=ticket.assignee, ticket=ticket, changes={"priority": "urgent"}, now=T0)
    fresh = services.ticket_update(actor=ticket.assignee, ticket=ticket, changes={"priority": "high"}, now=T0)
    assert fresh.first_response_at_risk_at == T0 + 2 * H  # 50 % of 4 h


@pytest.mark.django_db
def test_breach_actions_raise_priority_and_escalate(ticket, team_lead):
    SLAPolicy.objects.filter(name="Standard").update(
        breach_raise_priority=True, breach_escalate=True, breach_notify_lead=False
    )
    Ticket.objects.filter(pk=ticket.pk).update(priority="high")
    services.ticket_update(actor=ticket.assignee, ticket=ticket, changes={"priority": "medium"}, now=T0)
    sweep(T0 + 200 * H)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status, ticket.resolution_breached) == ("high", "escalated", True)
    changes = list(
        ticket.events.filter(kind__in=[EventKind.PRIORITY_CHANGED, EventKind.ESCALATED]).values_list(
            "kind", "new_value", "actor"
        )
    )
    assert ("priority_changed", "high", None) in changes and ("escalated", "escalated", None) in changes
    breach_told = Notification.objects.filter(kind=NotificationKind.SLA_BREACHED, event__field="resolution")
    assert team_lead.pk not in set(breach_told.values_list("recipient_id", flat=True))


@pytest.mark.django_db
def test_manage_py_sla_sweep_runs_one_sweep(ticket, capsys):
    with time_machine.travel(T0 + 30 * H, tick=False):
        call_command("sla_sweep")
    assert "0 newly at risk, 2 newly breached" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_notify_each_breach_once(customer, agent):
    for index in range(20):
        created = services.ticket_create(
            actor=customer, subject=f"T{index}", category=category(), priority="urgent", now=T0
        )
        services.ticket_assign(actor=agent, ticket=created, assignee=agent, now=T0)
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            services.sla_sweep(now=T0 + 30 * H)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count() == 40
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACHED, recipient=agent).count() == 40


@pytest.mark.django_db
def test_a_backlog_larger_than_a_batch_is_worked_off_in_rounds_within_one_run(customer):
    tickets = [
        services.ticket_create(actor=customer, subject=f"Backlog {n}", category=category(), priority="low", now=T0)
        for n in range(7)
    ]

    with time_machine.travel(T0 + 30 * 24 * H, tick=False):
        counts = services.sla_sweep(batch_size=2)

    # Both clocks of all 7, in rounds of at most 2 of each kind, each recorded once.
    assert counts == {"at_risk": 0, "breached": 14}
    breached = TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED)
    assert sorted(breached.values_list("ticket_id", "field")) == sorted(
        (ticket.pk, metric) for ticket in tickets for metric in ("first_response", "resolution")
    )


@pytest.mark.django_db
def test_a_run_stops_when_its_time_is_spent_and_the_next_goes_on(customer):
    for n in range(5):
        services.ticket_create(actor=customer, subject=f"Backlog {n}", category=category(), priority="low", now=T0)

    with time_machine.travel(T0 + 30 * 24 * H, tick=False):
        first = services.sla_sweep(batch_size=1, budget_seconds=0)  # one round, then the time is up
        rest = services.sla_sweep(batch_size=100)

    assert first == {"at_risk": 0, "breached": 2}  # one clock of each kind
    assert rest == {"at_risk": 0, "breached": 8}
    assert TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count() == 10
