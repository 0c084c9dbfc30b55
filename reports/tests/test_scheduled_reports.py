"""Scheduled report emails: one per subscription and period, the figures of the subscriber's scope, a CSV attached."""

import csv
import io
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from reports.models import ReportDelivery, ReportSubscription
from reports.subscriptions import report_delivery_send, scheduled_reports_record, scheduled_reports_run
from reports.tests.helpers import make
from tickets.choices import Status
from tickets.models import EmailStatus
from tickets.services.outbox import OFF_REASON

PARIS = ZoneInfo("Europe/Paris")
SUBSCRIBED = datetime(2026, 3, 1, 10, tzinfo=PARIS)
DUE = datetime(2026, 3, 2, 7, tzinfo=PARIS)  # the report of Sunday 1 March


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def desk(team, other_team, agent):
    """1 March (Paris): two tickets in the team (one resolved), one in another team; one the day before."""
    make(local(1, 0) + timedelta(minutes=30), team=team, assignee=agent)
    make(local(1, 9), Status.RESOLVED, team=team, resolved_at=local(1, 15), priority="urgent")
    make(local(1, 23) + timedelta(minutes=30), team=other_team)
    make(local(1, 0) - timedelta(minutes=1), team=team)  # 28 February, 23:59


def subscribe(user, **fields) -> ReportSubscription:
    return ReportSubscription.objects.create(user=user, created_at=SUBSCRIBED, **fields)


def run(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return scheduled_reports_run()


def figures(message) -> dict[str, str]:
    (name, content, mimetype), *_ = message.attachments
    assert mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["metric", "value"]
    return dict(rows[1:])


@pytest.mark.django_db
def test_a_daily_email_carries_the_days_figures_and_its_csv_once(manager, desk, eager):
    subscription = subscribe(manager)
    assert run(DUE - timedelta(minutes=1)) == 0  # the 28th's was due before subscribing: not sent
    run(DUE + timedelta(minutes=2))
    run(DUE + timedelta(minutes=7))  # beat again: nothing new
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [manager.email]
    assert message.subject == "Daily helpdesk report for Sun 1 Mar 2026"
    assert "Created: 3\n" in message.body and "Resolved: 1\n" in message.body
    html = message.alternatives[0][0]
    assert '<td style="padding:4px 8px">3</td>' in html and "/admin/reports/?from=2026-03-01&amp;to=2026-03-01" in html
    assert message.attachments[0][0] == "dashboard-20260301-20260301.csv"
    table = figures(message)
    assert (table["created"], table["resolved"], table["by_priority.urgent"]) == ("3", "1", "1")
    delivery = ReportDelivery.objects.get()
    assert (delivery.subscription, delivery.period_key, delivery.email_status) == (
        subscription,
        "daily:2026-03-01",
        EmailStatus.SENT,
    )
    assert (delivery.period_start, delivery.period_end) == (local(1, 0), local(2, 0))
    # The next day brings the next period, once.
    run(DUE + timedelta(days=1))
    assert [m.subject for m in mail.outbox][1:] == ["Daily helpdesk report for Mon 2 Mar 2026"]
    assert figures(mail.outbox[1])["created"] == "0"


@pytest.mark.django_db
def test_a_team_leads_figures_are_those_of_their_teams_and_filters_narrow_them(team_lead, manager, team, desk, eager):
    subscribe(team_lead)
    subscribe(manager, filters={"priority": ["urgent"]})
    run(DUE)
    sent = {message.to[0]: figures(message) for message in mail.outbox}
    assert sent[team_lead.email]["created"] == "2"  # not the other team's ticket
    assert (sent[manager.email]["created"], sent[manager.email]["by_priority.medium"]) == ("1", "0")


@pytest.mark.django_db
def test_weekly_goes_out_on_its_weekday_only(manager, desk, eager):
    subscribe(manager, frequency="weekly", weekday=0, hour=8)  # Mondays at 8
    run(local(2, 7))
    assert mail.outbox == []
    run(local(2, 8))
    run(local(3, 8))
    assert [m.subject for m in mail.outbox] == ["Weekly helpdesk report, 23 Feb to 1 Mar 2026"]
    assert figures(mail.outbox[0])["created"] == "4"
    run(local(9, 8))
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_who_gets_nothing(manager, agent, desk, eager):
    subscribe(manager, active=False)
    demoted = UserFactory(role=Role.AGENT)
    subscribe(demoted)
    demoted.role = Role.CUSTOMER
    demoted.save()
    gone = UserFactory(role=Role.MANAGER, is_active=False)
    subscribe(gone)
    run(DUE)
    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()


@pytest.mark.django_db
def test_notifications_off_records_the_period_but_sends_nothing(manager, desk, eager, settings):
    settings.NOTIFICATIONS_ENABLED = False
    subscribe(manager)
    run(DUE)
    delivery = ReportDelivery.objects.get()
    assert (delivery.email_status, delivery.email_error) == (EmailStatus.SKIPPED, OFF_REASON)
    settings.NOTIFICATIONS_ENABLED = True
    run(DUE + timedelta(minutes=5))
    assert mail.outbox == []  # that period stays held: no late flood


@pytest.mark.django_db
def test_a_broker_outage_delays_the_email_to_the_next_run(manager, desk, broker_down):
    subscribe(manager)
    assert run(DUE) == 0
    assert ReportDelivery.objects.get().email_status == EmailStatus.PENDING


@pytest.mark.django_db
def test_a_second_delivery_run_sends_nothing(manager, desk):
    subscribe(manager)
    with time_machine.travel(DUE, tick=False):
        scheduled_reports_record()
        scheduled_reports_record()
    delivery = ReportDelivery.objects.get()
    assert report_delivery_send(delivery_id=delivery.pk) is True
    assert report_delivery_send(delivery_id=delivery.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.skipif(not django_settings.DATABASE_IS_POSTGRES, reason="two connections racing need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_record_and_send_one_email(manager, desk):
    subscribe(manager)
    barrier = threading.Barrier(2)
    errors = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with time_machine.travel(DUE, tick=False):
                scheduled_reports_record()
                for pk in ReportDelivery.objects.values_list("pk", flat=True):
                    report_delivery_send(delivery_id=pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert ReportDelivery.objects.count() == 1
    assert len(mail.outbox) == 1
