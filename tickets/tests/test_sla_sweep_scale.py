"""The SLA sweep at scale: a round's emails handed over in a few batches, each email still sent once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from helpdesk import queue
from tickets import services
from tickets.models import EmailStatus, EventKind, Notification, NotificationKind, TicketEvent
from tickets.services import notifications
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.django_db
def test_a_sweep_hands_many_emails_over_in_batches_and_each_is_sent_once(
    customer, agent, monkeypatch, eager, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(notifications, "FAN_OUT_OVER", 3)
    monkeypatch.setattr(notifications, "FAN_OUT_SIZE", 4)
    published: list[tuple[str, object]] = []

    def recorded(task, *args, **options):
        published.append((task, args[0]))
        return queue.publish(task, *args, **options)

    monkeypatch.setattr(notifications, "publish", recorded)
    for index in range(5):
        ticket = services.ticket_create(
            actor=customer, subject=f"T{index}", category=category(), priority="urgent", now=T0
        )
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)
    mail.outbox.clear()
    published.clear()

    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(T0 + 30 * H, tick=False):
        assert services.sla_sweep() == {"at_risk": 0, "breached": 10}

    breaches = Notification.objects.filter(kind=NotificationKind.SLA_BREACHED)
    assert breaches.count() == 10 == TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count()
    batches = [ids for task, ids in published if task == "tickets.tasks.enqueue_notification_emails"]
    assert [len(ids) for ids in batches] == [4, 1, 4, 1]  # five of each kind of clock, in batches of four
    assert sorted(pk for ids in batches for pk in ids) == sorted(breaches.values_list("pk", flat=True))
    deliveries = [pk for task, pk in published if task == "tickets.tasks.deliver_notification_email"]
    assert sorted(deliveries) == sorted(breaches.values_list("pk", flat=True))
    assert len(mail.outbox) == 10
    assert set(breaches.values_list("email_status", flat=True)) == {EmailStatus.SENT}

    # A batch handed over twice (a worker killed after publishing, its task redelivered) sends nothing twice.
    published.clear()
    assert notifications.enqueue_each(ids=batches[0]) == 0
    assert published == [] and len(mail.outbox) == 10


@pytest.mark.django_db
def test_a_few_emails_are_published_one_task_each(customer, agent, monkeypatch, django_capture_on_commit_callbacks):
    published: list[str] = []
    monkeypatch.setattr(notifications, "publish", lambda task, *args, **options: published.append(task) or True)
    ticket = services.ticket_create(actor=customer, subject="One", category=category(), priority="urgent", now=T0)
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)
    published.clear()

    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(T0 + 30 * H, tick=False):
        services.sla_sweep()

    assert published == ["tickets.tasks.deliver_notification_email"] * 2  # two breaches, the assignee told of each


@pytest.mark.django_db
def test_a_round_that_dies_midway_leaves_nothing_half_done_and_the_next_run_records_it_once(
    customer, agent, monkeypatch
):
    """A worker killed mid-round: the round's transaction is gone whole, its clocks are found again."""
    from tickets.services import sweep as sweep_module

    for index in range(3):
        ticket = services.ticket_create(actor=customer, subject=f"T{index}", category=category(), now=T0)
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch, time_machine.travel(T0 + 300 * H, tick=False):
        patch.setattr(sweep_module, "notify_many", killed)
        with pytest.raises(SystemExit):
            services.sla_sweep()
    assert not TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).exists()
    assert not Notification.objects.filter(kind=NotificationKind.SLA_BREACHED).exists()

    with time_machine.travel(T0 + 300 * H, tick=False):
        assert services.sla_sweep() == {"at_risk": 0, "breached": 6}
        assert services.sla_sweep() == {"at_risk": 0, "breached": 0}
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACHED, recipient=agent).count() == 6


@pytest.mark.django_db
def test_rounds_shrink_to_the_time_left_so_a_run_ends_near_its_budget(customer, monkeypatch):
    """Each clock costs a (fake) second here: the second round takes only what the 4 seconds left allow."""
    from types import SimpleNamespace

    from tickets.services import sweep as sweep_module

    for index in range(14):
        services.ticket_create(actor=customer, subject=f"T{index}", category=category(), priority="low", now=T0)
    clock, sizes = [0.0], []
    real_round = sweep_module._sweep_round

    def slow_round(now, size, counts):
        sizes.append(size)
        found = real_round(now, size, counts)
        clock[0] += found  # one second a clock
        return found

    monkeypatch.setattr(sweep_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(sweep_module, "_sweep_round", slow_round)
    with time_machine.travel(T0 + 30 * 24 * H, tick=False):
        counts = services.sla_sweep(batch_size=8, budget_seconds=20)

    assert sizes == [8, 4]  # 16 clocks in 16 s, then 4 of each kind for the 4 s left (not 8 more)
    assert counts == {"at_risk": 0, "breached": 24} and clock[0] == 24  # 4 clocks left for the next run


@pytest.mark.django_db
def test_a_round_raising_priorities_looks_the_policy_up_once(customer, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.models import SLAPolicy, Ticket

    SLAPolicy.objects.update(breach_raise_priority=True)
    for index in range(6):
        ticket = services.ticket_create(
            actor=customer, subject=f"T{index}", category=category(), priority="low", now=T0
        )
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0)

    with CaptureQueriesContext(connection) as queries, time_machine.travel(T0 + 30 * 24 * H, tick=False):
        assert services.sla_sweep() == {"at_risk": 0, "breached": 12}

    assert set(Ticket.objects.values_list("priority", flat=True)) == {"medium"}
    policy_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "tickets_slapolicy"')]
    assert len(policy_reads) == 1  # the six tickets share category, organization and team
