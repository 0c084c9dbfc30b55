"""Per-field merge and per-ticket isolation: a desk comment is no field change; one bad ticket stops nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import RemoteLink, SyncLogEntry, SyncState
from integrations.sync.pull import pull_changes, pull_remote_ticket
from integrations.sync.push import push_ticket
from integrations.tests import sync_support
from integrations.tests.sync_support import fast_desk, zendesk_connection, zoho_connection
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_create, ticket_transition, ticket_update
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db
zendesk, zoho = sync_support.zendesk, sync_support.zoho
EARLIER = timezone.now() - timedelta(hours=1)


def synced_low(zendesk, customer):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category(), priority="low")
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    assert (link.synced_status, link.synced_priority) == ("new", "low")
    return connection, ticket, link


def test_a_customer_comment_on_the_desk_does_not_revert_our_priority_on_push(zendesk, customer, manager):
    connection, ticket, link = synced_low(zendesk, customer)
    ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"})
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    requester = zendesk.tickets[int(link.remote_id)]["requester_id"]
    zendesk.add_comment(int(link.remote_id), "Any news?", public=True, author_id=requester)

    push_ticket(connection, ticket, desk=fast_desk(connection))

    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert zendesk.tickets[int(link.remote_id)]["priority"] == "urgent"
    assert not TicketEvent.objects.filter(ticket=ticket, field="sync_conflict").exists()


def test_a_customer_comment_on_the_desk_does_not_revert_our_priority_on_pull(zendesk, customer, manager):
    connection, ticket, link = synced_low(zendesk, customer)
    ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"})
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    requester = zendesk.tickets[int(link.remote_id)]["requester_id"]
    zendesk.add_comment(int(link.remote_id), "Any news?", public=True, author_id=requester)

    assert pull_remote_ticket(connection, link.remote_id, desk=fast_desk(connection)) == "updated"

    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and ticket.comments.count() == 1
    assert not TicketEvent.objects.filter(ticket=ticket, field="sync_conflict").exists()
    push_ticket(connection, ticket, desk=fast_desk(connection))
    assert zendesk.tickets[int(link.remote_id)]["priority"] == "urgent"


def test_fields_changed_on_different_sides_both_survive(zendesk, customer, agent):
    connection, ticket, link = synced_low(zendesk, customer)
    ticket_transition(actor=agent, ticket=ticket, to_status="open")
    zendesk.update_ticket(int(link.remote_id), priority="high")

    push_ticket(connection, ticket, desk=fast_desk(connection))

    ticket.refresh_from_db()
    remote = zendesk.tickets[int(link.remote_id)]
    assert (ticket.status, ticket.priority) == ("open", "high")
    assert (remote["status"], remote["priority"]) == ("open", "high")
    assert not TicketEvent.objects.filter(ticket=ticket, field="sync_conflict").exists()


def test_a_field_changed_on_both_sides_is_a_conflict_naming_what_was_overwritten(zendesk, customer, manager):
    connection, ticket, link = synced_low(zendesk, customer)
    zendesk.update_ticket(int(link.remote_id), priority="high")
    ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"})
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() + timedelta(minutes=1))

    push_ticket(connection, ticket, desk=fast_desk(connection))

    conflict = TicketEvent.objects.get(ticket=ticket, field="sync_conflict")
    assert conflict.metadata["winner"] == "local" and conflict.metadata["overwritten"] == "remote priority=high"
    assert zendesk.tickets[int(link.remote_id)]["priority"] == "urgent"


def test_a_desk_reopening_a_ticket_closed_long_ago_is_applied(zoho, customer, agent):
    connection = zoho_connection(zoho, created_at=EARLIER)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category())
    ticket_transition(actor=agent, ticket=ticket, to_status="closed")
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=10))
    zoho.set_status(link.remote_id, "Open")

    result = pull_changes(connection, desk=fast_desk(connection))

    assert result.failed == 0
    ticket.refresh_from_db()
    assert ticket.status == "reopened"


def test_one_failing_ticket_is_logged_and_the_pull_moves_on(zendesk, customer, agent):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    bad = zendesk.create_ticket("Closed long ago", "Body", requester_email="a@example.com")
    good = zendesk.create_ticket("Fine", "Body", requester_email="b@example.com")
    first = pull_changes(connection, desk=fast_desk(connection))
    assert first.created == 2
    # Our rules refuse what the desk did to one ticket (a merged ticket is never reopened): the pull goes on.
    bad_ticket = RemoteLink.objects.get(remote_id=str(bad["id"])).ticket
    good_ticket = RemoteLink.objects.get(remote_id=str(good["id"])).ticket
    ticket_transition(actor=agent, ticket=bad_ticket, to_status="closed")
    Ticket.objects.filter(pk=bad_ticket.pk).update(merged_into=good_ticket, updated_at=EARLIER)
    zendesk.set_status(bad["id"], "open")
    zendesk.set_status(good["id"], "pending")
    cursor = SyncState.objects.get(connection=connection, kind="pull_tickets").cursor

    result = pull_changes(connection, desk=fast_desk(connection))

    assert (result.failed, result.updated) == (1, 1)
    assert RemoteLink.objects.get(remote_id=str(good["id"])).ticket.status == "pending"
    failed = SyncLogEntry.objects.get(connection=connection, action="pull_ticket", outcome="failed")
    assert failed.remote_id == str(bad["id"]) and "merged" in failed.message
    assert SyncState.objects.get(connection=connection, kind="pull_tickets").cursor != cursor
    again = pull_changes(connection, desk=fast_desk(connection))
    assert again.failed == 0  # not retried forever: the position moved past it
