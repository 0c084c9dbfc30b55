"""Which ticket changes make deliveries, in which transaction, once each: through the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.errors import ValidationFailed
from tickets import services
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.services.common import events_recorded, record
from tickets.services.notifications import notifications_muted
from tickets.tests.factories import category
from webhooks.capture import connect, listening_endpoints
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import webhook_send
from webhooks.tests.conftest import ALL_EVENTS

pytestmark = pytest.mark.django_db


def open_ticket(customer, **kwargs):
    return services.ticket_create(actor=customer, subject="Printer on fire", category=category(), **kwargs)


@pytest.fixture
def ticket(commit, endpoint, receiver, customer):
    """A ticket opened (and its ticket.created delivered) before the test's own change."""
    with commit():
        made = open_ticket(customer)
    receiver.received.clear()
    return made


class TestWhatFires:
    def test_ticket_create_sends_one_signed_ticket_created(self, commit, endpoint, receiver, customer):
        with commit():
            ticket = open_ticket(customer, description="Smoke everywhere")
        [got] = receiver.received
        assert got.signature_ok and got.answered == 200
        assert got.event == "ticket.created"
        body = got.json
        assert body["event"] == "ticket.created" and body["id"] == got.delivery
        assert body["ticket"]["id"] == ticket.pk and body["ticket"]["number"] == ticket.number
        assert body["ticket"]["description"] == "Smoke everywhere"
        assert body["actor"] == {"id": customer.pk, "name": customer.get_full_name() or customer.email}
        assert [c["kind"] for c in body["changes"]] == ["created"]
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.ticket_id) == (DeliveryStatus.DELIVERED, 1, ticket.pk)
        assert str(delivery.uuid) == got.delivery

    def test_assignment_and_status_move_of_a_new_ticket_ride_in_its_created(
        self, commit, endpoint, receiver, customer, team, agent, team_lead
    ):
        with commit():
            services.ticket_create(
                actor=team_lead, requester=customer, subject="VPN", category=category(), team=team, assignee=agent
            )
        assert receiver.events() == ["ticket.created"]
        kinds = [c["kind"] for c in receiver.received[0].json["changes"]]
        assert kinds[0] == "created" and "assigned" in kinds
        assert receiver.received[0].json["ticket"]["assignee"]["id"] == agent.pk

    def test_an_edit_of_two_fields_is_one_ticket_updated_with_two_changes(
        self, commit, ticket, receiver, customer, manager
    ):
        with commit():
            services.ticket_update(
                actor=manager, ticket=ticket, changes={"subject": "Printer melted", "priority": "high"}
            )
        assert receiver.events() == ["ticket.updated"]
        changes = receiver.received[0].json["changes"]
        assert {(c["field"], c["old"], c["new"]) for c in changes} == {
            ("subject", "Printer on fire", "Printer melted"),
            ("priority", "medium", "high"),
        }
        assert changes[0]["actor"]["id"] == manager.pk

    def test_status_changes_fire_status_changed(self, commit, ticket, receiver, customer, agent):
        with commit():
            services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        with commit():
            services.ticket_resolve(actor=agent, ticket=ticket, resolution_notes="Replaced")
        with commit():
            services.ticket_reopen(actor=customer, ticket=ticket, reason="Burning again")
        # Assigning a new ticket opens it: a field change and a status move, each its own event.
        assert receiver.events() == [
            "ticket.updated",
            "ticket.status_changed",
            "ticket.status_changed",
            "ticket.status_changed",
        ]
        assert [c["new"] for c in receiver.received[1].json["changes"]] == ["open"]
        resolved, reopened = receiver.received[2].json, receiver.received[3].json
        assert resolved["changes"][0]["kind"] == "resolved" and resolved["changes"][0]["new"] == "resolved"
        assert resolved["ticket"]["status"] == "resolved" and resolved["ticket"]["resolution_notes"] == "Replaced"
        assert reopened["changes"][0]["kind"] == "reopened" and reopened["actor"]["id"] == customer.pk

    def test_a_public_reply_fires_commented_with_the_comment(self, commit, ticket, receiver, customer, agent):
        with commit():
            comment = services.comment_add(actor=agent, ticket=ticket, body="Have you tried water?")
        assert receiver.events() == ["ticket.commented"]
        body = receiver.received[0].json
        assert body["comment"]["id"] == comment.pk and body["comment"]["body"] == "Have you tried water?"
        assert body["comment"]["is_internal"] is False

    def test_internal_notes_only_reach_endpoints_that_include_them(
        self, commit, endpoint, ticket, receiver, customer, agent
    ):
        with commit():
            services.comment_add(actor=agent, ticket=ticket, body="Customer set it on fire", is_internal=True)
        assert receiver.received == [] and not Delivery.objects.filter(event="ticket.commented").exists()
        Endpoint.objects.filter(pk=endpoint.pk).update(include_internal=True)
        Endpoint.objects.get(pk=endpoint.pk).save()  # what the console does: saving drops the cached list
        with commit():
            services.comment_add(actor=agent, ticket=ticket, body="Really on fire", is_internal=True)
        assert receiver.events() == ["ticket.commented"]
        assert receiver.received[0].json["comment"]["is_internal"] is True

    def test_only_the_chosen_events_fire(self, commit, endpoint, ticket, receiver, customer, agent):
        endpoint.events = ["ticket.status_changed"]
        endpoint.save()
        with commit():
            services.comment_add(actor=agent, ticket=ticket, body="Hello")
            services.ticket_transition(actor=agent, ticket=ticket, to_status="in_progress")
        assert receiver.events() == ["ticket.status_changed"]

    def test_a_paused_or_switched_off_endpoint_gets_no_new_deliveries(self, commit, endpoint, receiver, customer):
        endpoint.paused_at = timezone.now()
        endpoint.save()
        with commit():
            open_ticket(customer)
        endpoint.paused_at, endpoint.is_active = None, False
        endpoint.save()
        with commit():
            open_ticket(customer)
        assert receiver.received == [] and not Delivery.objects.exists()

    def test_an_import_of_history_sends_nothing_a_live_sync_does(self, commit, endpoint, receiver, customer):
        with commit(), notifications_muted("everyone"):
            open_ticket(customer)
        assert not Delivery.objects.exists()
        with commit(), notifications_muted("customers"):
            open_ticket(customer)
        assert receiver.events() == ["ticket.created"]

    def test_sla_at_risk_and_breach_from_the_sweep(self, commit, endpoint, receiver, customer, agent):
        endpoint.events = ["ticket.sla_at_risk", "ticket.sla_breached"]
        endpoint.save()
        t0 = timezone.now()
        ticket = open_ticket(customer, priority="urgent", now=t0)  # Standard policy: first response in 2 h
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent, now=t0)
        for hours in (1.7, 2.1):
            with time_machine.travel(t0 + timedelta(hours=hours), tick=False), commit():
                services.sla_sweep()
        assert receiver.events() == ["ticket.sla_at_risk", "ticket.sla_breached"]
        assert {r.json["ticket"]["id"] for r in receiver.received} == {ticket.pk}
        assert [r.json["changes"][0]["field"] for r in receiver.received] == ["first_response", "first_response"]
        assert receiver.received[1].json["actor"] is None  # the system's own doing


class TestTransaction:
    def test_a_rolled_back_change_leaves_no_delivery_and_sends_nothing(self, commit, endpoint, receiver, customer):
        with commit(), pytest.raises(RuntimeError), transaction.atomic():
            open_ticket(customer)
            assert Delivery.objects.count() == 1  # written in the change's transaction...
            raise RuntimeError("the request fails after the ticket was made")
        assert not Ticket.objects.exists() and not Delivery.objects.exists()  # ...and gone with it
        assert receiver.received == []

    def test_a_refused_change_makes_no_delivery(self, commit, endpoint, receiver, customer):
        with commit(), pytest.raises(ValidationFailed):
            services.ticket_create(actor=customer, subject="  ", category=category())
        assert not Delivery.objects.exists() and receiver.received == []

    def test_nothing_is_sent_before_the_commit(
        self, django_capture_on_commit_callbacks, eager, endpoint, receiver, customer
    ):
        with django_capture_on_commit_callbacks(execute=False) as hooks:
            open_ticket(customer)
        assert Delivery.objects.get().status == DeliveryStatus.PENDING
        assert receiver.received == []
        for hook in hooks:
            hook()
        assert receiver.events() == ["ticket.created"]


class TestCost:
    def test_a_ticket_write_costs_no_query_more_without_endpoints(self, customer, django_assert_num_queries):
        open_ticket(customer)  # the numbering's day row and the caches are warm from here
        events_recorded.disconnect(dispatch_uid="webhooks.capture", sender=TicketEvent)
        try:
            with CaptureQueriesContext(connection) as without:
                open_ticket(customer)
        finally:
            connect()
        with django_assert_num_queries(len(without.captured_queries)):
            open_ticket(customer)

    def test_with_an_endpoint_a_ticket_write_adds_only_its_delivery_insert(self, customer, endpoint):
        open_ticket(customer)
        Endpoint.objects.create(name="Second", url="https://example.com/hook", events=ALL_EVENTS)
        open_ticket(customer)  # the cache is refilled with both endpoints
        with CaptureQueriesContext(connection) as counted:
            open_ticket(customer)
        inserts = [q["sql"] for q in counted.captured_queries if "webhooks_delivery" in q["sql"]]
        assert len(inserts) == 1  # one INSERT for both endpoints, and no read of the endpoints
        assert Delivery.objects.count() == 5  # 1 before the second endpoint, then 2 a ticket


def test_with_redis_away_the_endpoints_are_read_from_the_database(
    redis_configured, commit, endpoint, receiver, customer
):
    assert [pk for pk, _events, _internal in listening_endpoints()] == [endpoint.pk]  # cached in Redis
    redis_configured.stop()
    second = Endpoint.objects.create(name="Second", url=receiver.url, events=["ticket.created"])  # its drop is lost
    with commit():
        open_ticket(customer)
    assert sorted(Delivery.objects.values_list("endpoint_id", flat=True)) == [endpoint.pk, second.pk]
    assert receiver.events()[0] == "ticket.created"


@pytest.mark.django_db(transaction=True)
def test_real_commits_and_an_event_recorded_outside_a_transaction(eager, endpoint, receiver, customer, manager):
    ticket = open_ticket(customer)  # a real commit runs the hook: nothing captured by the test
    assert receiver.events() == ["ticket.created"]
    record(ticket, EventKind.UPDATED, actor=manager, field="subject", old="a", new="b")  # autocommit
    assert receiver.events() == ["ticket.created", "ticket.updated"]
    assert receiver.received[1].json["changes"][0]["new"] == "b"


def test_webhook_send_queues_a_signed_payload_of_ones_own(commit, endpoint, receiver):
    with commit():
        delivery = webhook_send(endpoint=endpoint, event="ticket.updated", payload={"rule": "escalate-vip"})
    [got] = receiver.received
    assert got.signature_ok and got.event == "ticket.updated" and got.delivery == str(delivery.uuid)
    assert got.json == {
        "id": str(delivery.uuid),
        "event": "ticket.updated",
        "occurred_at": got.json["occurred_at"],
        "rule": "escalate-vip",
    }
    Endpoint.objects.filter(pk=endpoint.pk).update(paused_at=timezone.now())
    with pytest.raises(ValidationFailed, match="paused"):
        webhook_send(endpoint=Endpoint.objects.get(pk=endpoint.pk), event="ticket.updated", payload={})
