"""Seed 004's switches: SLA_ENABLED=false (no due times, no sweeps) and NOTIFICATIONS_ENABLED=false (no sending)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from tickets import services
from tickets.admin.timeline import sla_summary
from tickets.models import EmailStatus, EventKind, Notification, NotificationKind, Ticket
from tickets.services.notifications import OFF_REASON, notification_send_email, notifications_relay
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def urgent(customer, *, now=T0):
    return services.ticket_create(actor=customer, subject="Outage", category=category(), priority="urgent", now=now)


@pytest.mark.django_db
class TestSlaOff:
    def test_new_tickets_get_no_policy_and_no_due_times(self, customer, settings, api):
        settings.SLA_ENABLED = False
        ticket = urgent(customer)
        ticket.refresh_from_db()
        assert (ticket.sla_policy_id, ticket.first_response_due_at, ticket.resolution_due_at) == (None, None, None)
        body = api(customer).get(f"/api/v1/tickets/{ticket.pk}").json()
        assert (body["sla_policy"], body["first_response_due_at"], body["resolution_due_at"]) == (None, None, None)
        assert body["sla_state"] == "ok"

    def test_a_priority_change_gives_no_due_time_either(self, customer, manager, settings):
        settings.SLA_ENABLED = False
        ticket = urgent(customer)
        changed = services.ticket_update(actor=manager, ticket=ticket, changes={"priority": "low"}, now=T0 + H)
        assert (changed.first_response_due_at, changed.resolution_due_at) == (None, None)

    def test_the_sweep_records_nothing_even_for_tickets_due_from_before(self, customer, agent, settings):
        ticket = urgent(customer)  # made while on: due in 2 h and 24 h
        assert ticket.first_response_due_at is not None
        settings.SLA_ENABLED = False
        with time_machine.travel(T0 + 30 * H, tick=False):
            assert services.sla_sweep() == {"at_risk": 0, "breached": 0}
        ticket.refresh_from_db()
        assert not (ticket.first_response_breached or ticket.resolution_breached)
        assert not ticket.events.filter(kind__in=[EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED]).exists()
        assert not Notification.objects.filter(kind__in=[NotificationKind.SLA_AT_RISK, NotificationKind.SLA_BREACHED])

    def test_a_late_reply_or_resolve_records_no_breach_and_surfaces_show_no_due(self, customer, agent, settings, api):
        ticket = urgent(customer)
        settings.SLA_ENABLED = False
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=T0 + H)
        services.comment_add(actor=agent, ticket=ticket, body="Looking", now=T0 + 30 * H)
        ticket.refresh_from_db()
        assert not ticket.first_response_breached
        assert not ticket.events.filter(kind=EventKind.SLA_BREACHED).exists()
        body = api(agent).get(f"/api/v1/tickets/{ticket.pk}").json()
        assert (body["first_response_due_at"], body["resolution_due_at"], body["sla_state"]) == (None, None, "ok")
        summary = sla_summary(Ticket.objects.get(pk=ticket.pk), T0 + 30 * H)
        assert (summary["policy"], summary["first_response"]["due"], summary["resolution"]["due"]) == (None, None, None)
        overdue = api(agent).get("/api/v1/tickets?overdue=true").json()
        assert overdue["results"] == []

    def test_on_by_default_tickets_get_due_times(self, customer, settings):
        assert settings.SLA_ENABLED is True
        assert urgent(customer).first_response_due_at == T0 + 2 * H


@pytest.mark.django_db
class TestNotificationsOff:
    def test_rows_are_recorded_but_no_email_is_sent(
        self, customer, settings, eager, django_capture_on_commit_callbacks
    ):
        settings.NOTIFICATIONS_ENABLED = False
        with django_capture_on_commit_callbacks(execute=True):
            ticket = urgent(customer, now=None)
        row = Notification.objects.get(ticket=ticket, recipient=customer, kind=NotificationKind.TICKET_CREATED)
        assert (row.email_status, row.email_error, row.in_app) == (EmailStatus.SKIPPED, OFF_REASON, True)
        assert mail.outbox == []
        assert notifications_relay() == 0
        assert mail.outbox == []

    def test_emails_waiting_when_it_goes_off_are_held_not_sent_and_stay_held(
        self, customer, settings, eager, django_capture_on_commit_callbacks
    ):
        with time_machine.travel(T0, tick=False):
            urgent(customer, now=None)  # recorded while on; its send is lost with the broker, say
        Notification.objects.update(email_status=EmailStatus.PENDING)
        waiting = Notification.objects.get(recipient=customer)
        settings.NOTIFICATIONS_ENABLED = False
        assert notification_send_email(notification_id=waiting.pk) is False
        waiting.refresh_from_db()
        assert (waiting.email_status, waiting.email_error) == (EmailStatus.SKIPPED, OFF_REASON)
        settings.NOTIFICATIONS_ENABLED = True
        # Back on: the held backlog is not flooded out; what comes next is sent.
        with time_machine.travel(T0 + H, tick=False):
            assert notifications_relay() == 0
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True):
            urgent(customer, now=None)
        assert [message.to for message in mail.outbox] == [[customer.email]]

    def test_the_relay_holds_the_whole_backlog_while_off(self, customer, settings):
        with time_machine.travel(T0, tick=False):
            urgent(customer, now=None)
            urgent(customer, now=None)
        Notification.objects.update(email_status=EmailStatus.PENDING)
        settings.NOTIFICATIONS_ENABLED = False
        with time_machine.travel(T0 + H, tick=False):
            assert notifications_relay() == 0
        assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SKIPPED}
        assert mail.outbox == []
