"""Triggers, driven through the real services: what fires, once and only once, and what cannot loop."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import Organization, User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from automations.engine import relay_pending, run_change
from automations.models import Firing, PendingChange, Rule, RuleKind
from tickets.choices import Status
from tickets.models import EventKind, Notification, NotificationKind, TicketEvent
from tickets.services.comments import comment_add
from tickets.services.tickets import ticket_create, ticket_update
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True)


def rule(name: str, *, events=("created",), conditions=(), actions=(), position=0, **fields) -> Rule:
    made = Rule(
        name=name,
        kind=RuleKind.TRIGGER,
        events=list(events),
        conditions=list(conditions),
        actions=list(actions),
        position=position,
        **fields,
    )
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def acme(db) -> Organization:
    return Organization.objects.create(name="Acme")


@pytest.fixture
def acme_customer(acme) -> User:
    return UserFactory(email="buyer@acme.example", role=Role.CUSTOMER, organization=acme)


@pytest.fixture
def platform_ops(team):
    team.name = "Platform Ops"
    team.save()
    return team


@pytest.fixture
def urgent_from_acme(platform_ops):
    return rule(
        "Urgent from Acme to Platform Ops",
        conditions=[
            {"field": "priority", "op": "is", "value": "urgent"},
            {"field": "requester_email", "op": "ends_with", "value": "@acme.example"},
        ],
        actions=[
            {"type": "set_team", "value": platform_ops.pk},
            {"type": "add_tags", "value": ["acme", "vip"]},
            {"type": "notify", "recipients": ["team_lead"], "message": "Urgent {ticket_number} from Acme"},
        ],
    )


def test_an_urgent_ticket_from_acme_goes_to_platform_ops_and_its_lead_is_told(
    urgent_from_acme, acme_customer, customer, platform_ops
):
    ticket = ticket_create(actor=acme_customer, subject="Site down", category=category(), priority="urgent")
    other = ticket_create(actor=customer, subject="Site down too", category=category(), priority="urgent")

    ticket.refresh_from_db()
    other.refresh_from_db()
    assert ticket.team == platform_ops and sorted(ticket.tags.values_list("name", flat=True)) == ["acme", "vip"]
    assert other.team is None  # not from Acme
    told = Notification.objects.get(ticket=ticket, kind=NotificationKind.RULE_NOTICE)
    assert told.recipient == platform_ops.lead and told.body == f"Urgent {ticket.number} from Acme"
    history = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RULE_APPLIED)
    assert history.new_value == "Urgent from Acme to Platform Ops" and history.is_internal
    assert history.actor is None and history.metadata["done"][0] == f"team {platform_ops.name}"
    assert list(Firing.objects.values_list("rule__name", "ticket_id", "error")) == [
        ("Urgent from Acme to Platform Ops", ticket.pk, "")
    ]


def test_a_change_is_run_once_whoever_runs_it_again(urgent_from_acme, acme_customer):
    ticket = ticket_create(actor=acme_customer, subject="Site down", category=category(), priority="urgent")
    change = PendingChange.objects.get(ticket=ticket, depth=0)

    assert change.done_at is not None
    assert run_change(change.pk) == 0
    PendingChange.objects.filter(pk=change.pk).update(done_at=None, created_at=change.created_at.replace(year=2020))
    relay_pending()  # runs it: the firing's key keeps it from acting twice
    assert Firing.objects.filter(ticket=ticket).count() == 1


def test_a_change_rolled_back_leaves_nothing_to_run(urgent_from_acme, acme_customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_create(actor=acme_customer, subject="Site down", category=category(), priority="urgent")
        raise RuntimeError("the request failed after the ticket was made")

    assert not PendingChange.objects.exists() and not Firing.objects.exists()


def test_rules_that_answer_each_other_fire_once_each(customer, agent):
    # Each undoes the other's change: without the chain they would loop forever.
    up = rule(
        "Up",
        events=["created", "updated"],
        conditions=[{"field": "priority", "op": "is", "value": "high"}],
        actions=[{"type": "set_priority", "value": "urgent"}],
    )
    down = rule(
        "Down",
        events=["updated"],
        conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
        actions=[{"type": "set_priority", "value": "high"}],
        position=1,
    )
    ticket = ticket_create(actor=customer, subject="Flapping", category=category(), priority="high")

    ticket.refresh_from_db()
    assert ticket.priority == "high"  # Up made it urgent, Down made it high again, and Up did not answer
    assert sorted(Firing.objects.filter(ticket=ticket).values_list("rule_id", flat=True)) == sorted([up.pk, down.pk])
    assert ticket.events.filter(kind=EventKind.PRIORITY_CHANGED).count() == 2


def test_a_refused_action_keeps_none_of_the_rules_actions(customer):
    rule(
        "Impossible",
        actions=[{"type": "add_tags", "value": ["seen"]}, {"type": "set_status", "value": "resolved"}],
    )
    ticket = ticket_create(actor=customer, subject="New one", category=category())

    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and not ticket.tags.exists()  # new -> resolved is not allowed
    firing = Firing.objects.get(ticket=ticket)
    assert "cannot move from new to resolved" in firing.error
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RULE_APPLIED).exists()


def test_a_rules_reply_is_not_a_first_response(customer):
    rule("Acknowledge", actions=[{"type": "comment", "body": "Hello {requester_name}, we have {ticket_number}."}])
    ticket = ticket_create(actor=customer, subject="Printer", category=category())

    ticket.refresh_from_db()
    reply = ticket.comments.get()
    assert reply.body == f"Hello {customer.get_full_name()}, we have {ticket.number}."
    assert reply.author == User.objects.automation() and not reply.is_internal
    assert ticket.first_responded_at is None and ticket.first_response_stopped_at is None


def test_comment_conditions_tell_a_public_reply_from_a_note(customer, agent):
    rule(
        "Customer replied",
        events=["commented"],
        conditions=[{"field": "comment", "op": "is", "value": "public"}],
        actions=[{"type": "add_tags", "value": ["replied"]}],
    )
    ticket = ticket_create(actor=customer, subject="Printer", category=category())
    comment_add(actor=agent, ticket=ticket, body="Looking.", is_internal=True)
    assert not ticket.tags.exists()
    comment_add(actor=customer, ticket=ticket, body="Any news?")
    assert list(ticket.tags.values_list("name", flat=True)) == ["replied"]


def test_an_inactive_rule_or_another_kind_of_change_fires_nothing(urgent_from_acme, acme_customer, manager):
    urgent_from_acme.is_active = False
    urgent_from_acme.save()
    ticket = ticket_create(actor=acme_customer, subject="Site down", category=category(), priority="urgent")
    urgent_from_acme.is_active = True
    urgent_from_acme.save()
    ticket_update(actor=manager, ticket=ticket, changes={"subject": "Site down again"})  # "updated", not "created"

    assert not Firing.objects.exists()


def test_custom_field_conditions_and_actions(customer):
    from tickets.custom_fields import field_value
    from tickets.models import CustomField, Ticket

    CustomField.objects.create(label="Amount", key="amount", type="number", customer_visible=True)
    CustomField.objects.create(label="Needs approval", key="needs_approval", type="checkbox")
    rule(
        "Big refunds need approval",
        conditions=[{"field": "cf:amount", "op": "gte", "value": 1000}],
        actions=[{"type": "set_field", "key": "needs_approval", "value": True}],
    )
    big = ticket_create(actor=customer, subject="Refund", category=category(), custom_fields={"amount": "2500"})
    small = ticket_create(actor=customer, subject="Refund", category=category(), custom_fields={"amount": "20"})

    big, small = (Ticket.objects.get(pk=ticket.pk) for ticket in (big, small))
    assert (field_value(big, "needs_approval"), field_value(small, "needs_approval")) == (True, None)
    assert TicketEvent.objects.filter(ticket=big, kind=EventKind.RULE_APPLIED).get().metadata["done"] == [
        "needs_approval True"
    ]
