"""The sync tasks: bounded pulls that continue themselves, claims always released, the desk's Retry-After kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from helpdesk.celery import app
from integrations.models import SyncState
from integrations.sync import mapping
from integrations.sync.pull import pull_changes
from integrations.tasks import pull_connection_task
from integrations.tests import sync_support
from integrations.tests.sync_support import fast_desk, zendesk_connection, zoho_connection
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
zendesk, zoho = sync_support.zendesk, sync_support.zoho
EARLIER = timezone.now() - timedelta(hours=1)


def test_a_pull_stopped_by_a_time_limit_releases_its_claim(zendesk):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    zendesk.create_ticket("One", "Body", requester_email="a@example.com")

    def time_is_up(_result):
        raise SoftTimeLimitExceeded()

    with pytest.raises(SoftTimeLimitExceeded):
        pull_changes(connection, desk=fast_desk(connection), on_page=time_is_up)

    state = SyncState.objects.get(connection=connection, kind="pull_tickets")
    assert state.running_since is None and state.claim_token is None
    assert pull_changes(connection, desk=fast_desk(connection)) is not None


def test_the_pull_task_runs_a_few_pages_and_enqueues_the_rest(zendesk):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    for n in range(5):
        zendesk.create_ticket(f"Ticket {n}", "Body", requester_email=f"c{n}@example.com")
    app.conf.task_always_eager = True
    try:
        pull_connection_task.delay(connection.pk, max_pages=1, batch=2)
    finally:
        app.conf.task_always_eager = False
    assert Ticket.objects.filter(channel="zendesk").count() == 5


def test_zoho_pull_asks_only_for_the_connections_department(zoho):
    other = zoho.add_department("Sales")
    connection = zoho_connection(zoho, created_at=EARLIER)
    zoho.create_ticket("Ours", contact_email="a@example.com")
    zoho.create_ticket("Theirs", contact_email="b@example.com", departmentId=other)

    pull_changes(connection, desk=fast_desk(connection))

    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Ours"]


def test_zoho_default_statuses_map_without_a_status_type():
    assert mapping.zoho_status_in("On Hold", None) == "on_hold"
    assert mapping.zoho_status_in("Closed", "") == "closed"
    assert mapping.zoho_status_in("Open", None) == "open"
    assert mapping.zoho_status_in("Escalated", None) == "escalated"
