"""What an independent review found: broken rules, a squatted actor, chains, rolled-back kinds, starvation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from automations.engine import relay_pending
from automations.models import Firing, PendingChange, Rule, RuleKind
from automations.timed import run_automation
from tickets.choices import Status
from tickets.models import BusinessCalendar
from tickets.services.tickets import ticket_create, ticket_update
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True)


def saved(name: str, *, events=("created",), kind=RuleKind.TRIGGER, conditions=(), any_conditions=(), actions=()):
    rule = Rule(
        name=name,
        kind=kind,
        events=list(events) if kind == RuleKind.TRIGGER else [],
        conditions=list(conditions),
        any_conditions=list(any_conditions),
        actions=list(actions),
    )
    rule.full_clean()
    rule.save()
    return rule


def fired(rule: Rule) -> list[str]:
    return list(Firing.objects.filter(rule=rule).values_list("error", flat=True))


def test_a_rule_naming_a_deleted_team_is_refused_and_the_others_still_fire(customer):
    doomed = Team.objects.create(name="Doomed")
    broken = saved("To the doomed team", actions=[{"type": "set_team", "value": doomed.pk}])
    other = saved("Tag it", actions=[{"type": "add_tags", "value": ["seen"]}])
    doomed.delete()

    ticket = ticket_create(actor=customer, subject="Hello", category=category())

    assert fired(broken) == ["The team this rule names no longer exists: edit the rule."]
    assert fired(other) == [""] and list(ticket.tags.values_list("name", flat=True)) == ["seen"]
    assert not PendingChange.objects.filter(done_at__isnull=True).exists()
    assert relay_pending(now=timezone.now() + timedelta(hours=1)) == 0


def test_nobody_can_claim_the_automation_actor_by_its_address(customer):
    squatter = UserFactory(email="automation@helpdesk.invalid", role=Role.CUSTOMER)
    actor = User.objects.automation()

    assert actor != squatter and actor.is_system and actor.is_automation and not squatter.is_automation
    assert actor.role == Role.ADMIN and not actor.has_usable_password()
    assert User.objects.automation() == actor  # made once
    assert actor not in User.objects.staff()


def test_a_rule_fires_once_for_one_persons_change_whatever_the_others_do(customer):
    tagger = saved("Tag", actions=[{"type": "add_tags", "value": ["a"]}])
    noter = saved(
        "Note",
        events=["created", "updated", "commented"],
        actions=[{"type": "comment", "body": "Noted.", "internal": True}],
    )
    ticket_create(actor=customer, subject="Hello", category=category())

    assert (len(fired(tagger)), len(fired(noter))) == (1, 1)


def test_a_refused_rule_leaves_no_change_kind_behind(customer):
    saved("W", actions=[{"type": "add_tags", "value": ["w"]}])
    saved("X", actions=[{"type": "set_status", "value": "open"}, {"type": "set_status", "value": "new"}])
    saved("Y", actions=[{"type": "add_tags", "value": ["y"]}])
    on_status = saved("Z", events=["status_changed"], actions=[{"type": "add_tags", "value": ["z"]}])

    ticket = ticket_create(actor=customer, subject="Hello", category=category())

    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and fired(on_status) == []  # X's move to open was rolled back


def test_an_automation_is_not_starved_by_tickets_it_passes_over(customer, manager):
    calendar = BusinessCalendar.objects.create(name="Never", time_zone="UTC")  # no hours: never within
    rule = saved(
        "Old or tagged",
        kind=RuleKind.AUTOMATION,
        conditions=[{"field": "minutes_since_created", "op": "gt", "value": 0}],
        any_conditions=[
            {"field": "tag", "op": "includes", "value": "chase"},
            {"field": "business_hours", "op": "within", "value": calendar.pk},
        ],
        actions=[{"type": "add_tags", "value": ["chased"]}],
    )
    tickets = [ticket_create(actor=customer, subject=f"T{n}", category=category()) for n in range(3)]
    ticket_update(actor=manager, ticket=tickets[2], changes={"tags": ["chase"]})

    acted = run_automation(rule, now=timezone.now() + timedelta(minutes=5), limit=1)

    assert acted == 1 and list(Firing.objects.values_list("ticket_id", flat=True)) == [tickets[2].pk]


def test_a_write_no_trigger_listens_to_leaves_no_pending_change(customer, manager):
    saved("On status", events=["status_changed"], actions=[{"type": "add_tags", "value": ["s"]}])
    ticket = ticket_create(actor=customer, subject="Hello", category=category())
    ticket_update(actor=manager, ticket=ticket, changes={"subject": "Hello again"})

    assert not PendingChange.objects.exists()


def test_switching_off_a_broken_rule_from_the_list_works(client, admin_user):
    doomed = Team.objects.create(name="Doomed")
    broken = saved("Broken", actions=[{"type": "set_team", "value": doomed.pk}])
    doomed.delete()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:automations_rule_changelist"),
        {"action": "deactivate", "_selected_action": [broken.pk]},
        follow=True,
    )

    assert response.status_code == 200
    broken.refresh_from_db()
    assert broken.is_active is False
