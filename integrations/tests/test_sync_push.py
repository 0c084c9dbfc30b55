"""Push: our tickets, comments, status and priority reach the desks once, through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.errors import TransientError
from integrations.models import PushState, RemoteComment, RemoteLink, SyncLogEntry
from integrations.sync.push import push_ticket
from integrations.tasks import push_pending_relay, push_ticket_task
from integrations.tests import sync_support
from integrations.tests.sync_support import fast_desk, wait_for, zendesk_connection, zoho_connection
from tickets.services import comment_add, ticket_create, ticket_transition, ticket_update
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db
zendesk, zoho = sync_support.zendesk, sync_support.zoho


def new_ticket(customer, **fields):
    return ticket_create(
        actor=customer, subject="Printer on fire", description="Smoke everywhere.", category=category(), **fields
    )


def test_a_change_marks_the_link_pending_in_its_own_transaction(zendesk, customer, django_capture_on_commit_callbacks):
    from django.db import transaction

    connection = zendesk_connection(zendesk)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        ticket = new_ticket(customer)
        comment_add(actor=customer, ticket=ticket, body="And the fax too.")
    link = RemoteLink.objects.get(ticket=ticket, connection=connection)
    assert link.push_state == PushState.PENDING and link.remote_id == ""
    assert link.idempotency_key is not None
    # One enqueue for the transaction, however many events it recorded.
    ours = [c for c in callbacks if "_enqueue_after_commit" in c.__qualname__]
    assert len(ours) == 1


def test_team_scoped_connection_ignores_other_teams(zendesk, customer, team, other_team, agent):
    zendesk_connection(zendesk, team=other_team)
    new_ticket(customer)
    ticket = new_ticket(agent, team=team, requester=customer)
    assert not RemoteLink.objects.filter(ticket=ticket).exists()


def test_zendesk_push_creates_then_updates_and_comments_once(zendesk, customer, agent):
    connection = zendesk_connection(zendesk)
    ticket = new_ticket(customer, priority="high")
    link = RemoteLink.objects.get(ticket=ticket)

    assert push_ticket_task(link.pk) == "pushed"
    link.refresh_from_db()
    remote = zendesk.tickets[int(link.remote_id)]
    assert remote["external_id"] == str(link.idempotency_key)
    assert (remote["subject"], remote["status"], remote["priority"]) == ("Printer on fire", "new", "high")
    assert link.push_state == PushState.SYNCED and link.remote_updated_at is not None

    comment_add(actor=agent, ticket=ticket, body="On it.")
    comment_add(actor=agent, ticket=ticket, body="Vendor called.", is_internal=True)
    ticket_transition(actor=agent, ticket=ticket, to_status="open")
    ticket_transition(actor=agent, ticket=ticket, to_status="escalated")
    push_ticket(connection, ticket, desk=fast_desk(connection))
    push_ticket(connection, ticket, desk=fast_desk(connection))  # nothing left to do

    remote = zendesk.tickets[int(link.remote_id)]
    assert remote["status"] == "open" and "escalated" in remote["tags"]
    bodies = [(c["body"], c["public"]) for c in zendesk.comments[remote["id"]]]
    assert bodies == [("Smoke everywhere.", True), ("On it.", True), ("Vendor called.", False)]
    assert zendesk.counters["ticket_create"] == 1
    assert RemoteComment.objects.filter(connection=connection).exclude(remote_id="").count() == 2
    assert SyncLogEntry.objects.filter(connection=connection, action="push_ticket", outcome="ok").count() == 3
    connection.refresh_from_db()
    assert connection.last_success_at is not None and connection.consecutive_failures == 0


def test_on_hold_goes_as_pending_unless_hold_is_enabled(zendesk, customer, agent, manager):
    connection = zendesk_connection(zendesk)
    ticket = new_ticket(customer)
    for status in ("open", "on_hold"):
        ticket = ticket_transition(actor=agent, ticket=ticket, to_status=status)
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    assert zendesk.tickets[int(link.remote_id)]["status"] == "pending"
    connection.hold_enabled = True
    connection.save()
    ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"})
    push_ticket(connection, ticket, desk=fast_desk(connection))
    remote = zendesk.tickets[int(link.remote_id)]
    assert (remote["status"], remote["priority"]) == ("hold", "urgent")


def test_zendesk_create_retried_after_a_timeout_makes_one_ticket(zendesk, customer):
    connection = zendesk_connection(zendesk)
    ticket = new_ticket(customer)
    # The desk creates the ticket, but answers after our client has given up.
    zendesk.fail_next(None, delay=0.6, path_contains="/api/v2/tickets")
    with pytest.raises(TransientError) as caught:
        push_ticket(connection, ticket, desk=fast_desk(connection, timeout=0.2))
    assert caught.value.maybe_applied
    wait_for(lambda: len(zendesk.tickets) == 1)
    assert RemoteLink.objects.get(ticket=ticket).push_state == PushState.PENDING

    link = push_ticket(connection, ticket, desk=fast_desk(connection))

    assert len(zendesk.tickets) == 1 and zendesk.counters["ticket_create"] == 1
    assert link.remote_id == str(next(iter(zendesk.tickets)))
    assert RemoteLink.objects.filter(ticket=ticket).count() == 1
    assert SyncLogEntry.objects.filter(action="create_ticket", outcome="skipped").count() == 1


def test_comment_retried_after_a_timeout_is_posted_once(zendesk, customer, agent):
    connection = zendesk_connection(zendesk)
    ticket = new_ticket(customer)
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    comment_add(actor=agent, ticket=ticket, body="Have you tried turning it off?")
    # The GET of the ticket answers in time; the PUT carrying the comment reaches the desk, but late.
    zendesk.fail_next(None, delay=0.01, path_contains=f"/tickets/{link.remote_id}")
    zendesk.fail_next(None, delay=0.6, path_contains=f"/tickets/{link.remote_id}")
    with pytest.raises(TransientError):
        push_ticket(connection, ticket, desk=fast_desk(connection, timeout=0.2))
    wait_for(lambda: not zendesk._failures)
    push_ticket(connection, ticket, desk=fast_desk(connection))
    push_ticket(connection, ticket, desk=fast_desk(connection))
    bodies = [c["body"] for c in zendesk.comments[int(link.remote_id)]]
    assert bodies.count("Have you tried turning it off?") == 1


def test_zoho_push_with_key_and_timeout_retry(zoho, customer, agent):
    connection = zoho_connection(zoho)
    ticket = new_ticket(customer, priority="urgent")
    zoho.fail_next(None, delay=0.6, path_contains="/api/v1/tickets")
    with pytest.raises(TransientError):
        push_ticket(connection, ticket, desk=fast_desk(connection, timeout=0.2))
    wait_for(lambda: len(zoho.tickets) == 1)

    comment_add(actor=agent, ticket=ticket, body="Looking.", is_internal=True)
    ticket_transition(actor=agent, ticket=ticket, to_status="open")
    ticket_transition(actor=agent, ticket=ticket, to_status="pending")
    link = push_ticket(connection, ticket, desk=fast_desk(connection))

    assert len(zoho.tickets) == 1
    remote = zoho.tickets[link.remote_id]
    assert remote["cf"]["cf_helpdesk_key"] == str(link.idempotency_key)
    assert (remote["status"], remote["priority"]) == ("On Hold", "Urgent")
    assert [(c["content"], c["isPublic"]) for c in zoho.comments[link.remote_id]] == [("Looking.", False)]
    assert link.push_state == PushState.SYNCED


def test_zoho_without_the_key_field_creates_once_and_finds_a_lost_create(zoho, customer):
    zoho.custom_fields = set()  # the department has no cf_helpdesk_key: a create carrying it is refused
    connection = zoho_connection(zoho)
    ticket = new_ticket(customer)
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    assert len(zoho.tickets) == 1 and zoho.tickets[link.remote_id]["cf"] == {}
    assert [r.method for r in zoho.requests if r.path.startswith("/api/v1/tickets")][:2] == ["POST", "POST"]

    # A second ticket whose create reached the desk but whose answer was lost: found by subject,
    # requester and time, not made twice.
    other = new_ticket(customer, priority="high")
    other_link = RemoteLink.objects.get(ticket=other)
    RemoteLink.objects.filter(pk=other_link.pk).update(last_pushed_at=timezone.now() - timedelta(seconds=30))
    lost = zoho.create_ticket(other.subject, contact_email=customer.email, priority="High")
    pushed = push_ticket(connection, other, desk=fast_desk(connection))
    assert pushed.remote_id == lost["id"] and len(zoho.tickets) == 2


def test_relay_enqueues_links_left_pending(zendesk, customer):
    from datetime import timedelta

    from django.utils import timezone

    zendesk_connection(zendesk)
    tickets = [new_ticket(customer) for _ in range(3)]
    RemoteLink.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    from helpdesk.celery import app

    app.conf.task_always_eager = True
    try:
        assert push_pending_relay() == 3
    finally:
        app.conf.task_always_eager = False
    assert len(zendesk.tickets) == 3
    assert set(RemoteLink.objects.values_list("push_state", flat=True)) == {PushState.SYNCED}
    assert {t.pk for t in tickets} == set(RemoteLink.objects.values_list("ticket_id", flat=True))


def test_a_ticket_closed_in_zendesk_stops_being_sent_with_one_clear_line(zendesk, customer, agent):
    connection = zendesk_connection(zendesk)
    ticket = new_ticket(customer)
    link = RemoteLink.objects.get(ticket=ticket)
    push_ticket(connection, ticket, desk=fast_desk(connection))
    link.refresh_from_db()
    zendesk.set_status(int(link.remote_id), "closed")
    puts = sum(r.method == "PUT" for r in zendesk.requests)

    comment_add(actor=agent, ticket=ticket, body="One more thing.")
    push_ticket(connection, ticket, desk=fast_desk(connection))  # no exception: nothing to retry

    link.refresh_from_db()
    assert link.push_state == PushState.FAILED
    assert sum(r.method == "PUT" for r in zendesk.requests) == puts  # no write the desk would refuse
    assert [c["body"] for c in zendesk.comments[int(link.remote_id)]] == ["Smoke everywhere."]
    entry = SyncLogEntry.objects.filter(connection=connection, outcome="skipped").latest("created_at")
    assert "is closed on" in entry.message and "no longer sent" in entry.message
    connection.refresh_from_db()
    assert connection.consecutive_failures == 0  # a closed ticket is not a failing connection
