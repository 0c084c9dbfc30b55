"""The ticket's hand-written JSON is exactly what DRF makes from the serializer's declared fields."""

import pytest
from django.utils import timezone
from rest_framework import serializers

from tickets import services
from tickets.api.serializers import TicketSerializer
from tickets.choices import Environment, ImpactLevel
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to
from tickets.tests.factories import category, custom_field


def declared(ticket: Ticket) -> dict:
    """The reference: DRF's own walk over the fields TicketSerializer declares."""
    serializer = TicketSerializer(ticket)
    data = serializers.ModelSerializer.to_representation(serializer, ticket)
    return data


def desk(customer, agent, team, admin_user) -> list[Ticket]:
    """Tickets with each optional part set and unset: assignee, team, organization, tags, SLA, instants."""
    bare = services.ticket_create(actor=admin_user, requester=admin_user, subject="Bare", category=category())
    full = services.ticket_create(
        actor=customer,
        subject="Full, with unicode: café ☕",
        description="Line one\nline two",
        category=category("technical"),
        tags=["vpn", "Zeta", "alpha"],
        environment=Environment.PRODUCTION,
        affected_service="Mail",
        impact_level=ImpactLevel.HIGH,
    )
    services.ticket_assign(actor=agent, ticket=full, assignee=agent)
    services.ticket_transition(actor=agent, ticket=full, to_status="in_progress")
    services.comment_add(actor=agent, ticket=full, body="On it")
    services.ticket_resolve(actor=agent, ticket=full, resolution_notes="Fixed")
    teamed = services.ticket_create(
        actor=admin_user, requester=customer, subject="In a team", category=category(), team=team
    )
    services.ticket_assign(actor=agent, ticket=teamed, assignee=agent)
    Ticket.objects.filter(pk=bare.pk).update(sla_policy=None, first_response_due_at=None, resolution_due_at=None)
    return list(tickets_visible_to(admin_user).order_by("pk"))


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_the_hand_written_json_is_the_declared_one(customer, agent, team, admin_user, settings, zone):
    tickets = desk(customer, agent, team, admin_user)
    assert {t.assignee_id is None for t in tickets} == {True, False}
    assert {t.team_id is None for t in tickets} == {True, False}
    assert {t.sla_policy_id is None for t in tickets} == {True, False}
    assert any(t.resolved_at for t in tickets) and any(t.tags.all() for t in tickets)
    with timezone.override(zone):
        for ticket in tickets:
            fast, reference = TicketSerializer(ticket).data, declared(ticket)
            assert fast == reference
            assert list(fast) == list(reference), "the keys keep the declared order"


@pytest.mark.django_db
def test_a_follow_up_names_the_ticket_it_follows(customer, agent, admin_user):
    old = services.ticket_create(actor=customer, subject="Old", category=category())
    new = services.ticket_create(actor=customer, subject="New", category=category())
    Ticket.objects.filter(pk=new.pk).update(follow_up_of=old)
    ticket = tickets_visible_to(admin_user).get(pk=new.pk)
    assert TicketSerializer(ticket).data["follow_up_of"] == old.pk == declared(ticket)["follow_up_of"]


@pytest.mark.django_db
def test_with_sla_off_no_policy_or_due_time_shows(customer, settings):
    ticket = services.ticket_create(actor=customer, subject="Timed", category=category())
    assert ticket.sla_policy_id and ticket.resolution_due_at
    settings.SLA_ENABLED = False
    data = TicketSerializer(Ticket.objects.get(pk=ticket.pk)).data
    assert (data["sla_policy"], data["first_response_due_at"], data["resolution_due_at"]) == (None, None, None)
    assert data["sla_state"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["customer", "agent"])
def test_a_created_ticket_reads_back_as_it_was_answered(api, customer, agent, team, who):
    """Create answers from the ticket as made, without reading it again: a GET must show the same."""
    body = {"subject": "Printer on fire", "priority": "high", "tags": ["hardware", "Fire"]}
    if who == "agent":
        body |= {"customer_email": customer.email, "team_id": team.pk, "assignee_id": agent.pk}
    client = api(customer if who == "customer" else agent)
    created = client.post("/api/v1/tickets", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json() == client.get(f"/api/v1/tickets/{created.json()['id']}").json()
    assert created.json()["tags"] == ["fire", "hardware"]


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["agent", "customer"])
def test_custom_fields_are_the_declared_ones_for_each_viewer(customer, agent, team, admin_user, viewer, rf):
    """Every type, set and empty, and a value on a field another category carries (kept, still shown)."""
    custom_field("invoice_number", "text", categories=("billing",), customer_visible=True)
    custom_field("amount", "number")
    custom_field("due_on", "date", customer_visible=True)
    custom_field("plan", "dropdown", choices=["basic", "pro"])
    custom_field("vip", "checkbox", customer_visible=True)
    tickets = desk(customer, agent, team, admin_user)
    billing = services.ticket_create(
        actor=admin_user,
        requester=customer,
        subject="Billing",
        category=category("billing"),
        custom_fields={"invoice_number": "INV-1", "amount": "2.50", "due_on": "2026-01-31", "plan": "pro", "vip": True},
    )
    request = rf.get("/")
    request.user = customer if viewer == "customer" else agent
    for ticket in [*tickets, tickets_visible_to(admin_user).get(pk=billing.pk)]:
        serializer = TicketSerializer(ticket, context={"request": request})
        fast = serializer.data
        assert fast == serializers.ModelSerializer.to_representation(serializer, ticket)
    if viewer == "customer":
        assert fast["custom_fields"] == {"invoice_number": "INV-1", "due_on": "2026-01-31", "vip": True}
    else:
        assert fast["custom_fields"]["amount"] == 2.5 and fast["custom_fields"]["plan"] == "pro"
