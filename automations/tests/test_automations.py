"""Time-based automations, dry runs and the rules' console pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from automations.dryrun import dry_run
from automations.models import Firing, Rule, RuleKind
from automations.tasks import run_automations
from tickets.choices import Status
from tickets.models import EventKind
from tickets.services.status import ticket_transition
from tickets.services.tickets import ticket_assign, ticket_create
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
WEEK = 7 * 24 * 60


def automation(name: str, conditions: list, actions: list) -> Rule:
    made = Rule(name=name, kind=RuleKind.AUTOMATION, conditions=conditions, actions=actions)
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def close_stale_pending():
    return automation(
        "Close what waits on the customer for a week",
        [
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "minutes_since_status_changed", "op": "gt", "value": WEEK},
        ],
        [
            {"type": "comment", "body": "Closing {ticket_number}: we did not hear back.", "internal": False},
            {"type": "set_status", "value": "closed"},
        ],
    )


def pending_ticket(customer, agent, manager, at: datetime):
    with time_machine.travel(at, tick=False):
        ticket = ticket_create(actor=customer, subject="Waiting on you", category=category())
        ticket = ticket_assign(actor=manager, ticket=ticket, assignee=agent)
        return ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING)


def test_pending_for_a_week_is_closed_once(close_stale_pending, customer, agent, manager):
    stale = pending_ticket(customer, agent, manager, NOW - timedelta(days=8))
    fresh = pending_ticket(customer, agent, manager, NOW - timedelta(days=2))

    with time_machine.travel(NOW, tick=False):
        assert run_automations() == {close_stale_pending.name: 1}
        assert run_automations() == {close_stale_pending.name: 0}  # the next run finds nothing more to do

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (Status.CLOSED, Status.PENDING)
    assert stale.comments.get().body == f"Closing {stale.number}: we did not hear back."
    firing = Firing.objects.get()
    assert (firing.ticket, firing.episode) == (stale, NOW - timedelta(days=8))


def test_an_episode_fires_once_and_a_new_one_again(customer, agent, manager):
    remind = automation(
        "Remind the assignee",
        [
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "minutes_since_status_changed", "op": "gt", "value": 60},
        ],
        [{"type": "add_tags", "value": ["stale"]}],
    )
    ticket = pending_ticket(customer, agent, manager, NOW - timedelta(hours=3))
    with time_machine.travel(NOW, tick=False):
        run_automations()
        run_automations()
    assert Firing.objects.filter(rule=remind).count() == 1
    # Back to open and pending again: a new stretch of waiting, a new episode.
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        ticket = ticket_transition(actor=agent, ticket=ticket, to_status=Status.OPEN)
        ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        run_automations()
    assert Firing.objects.filter(rule=remind).count() == 2


def test_a_trigger_dry_run_lists_what_it_would_have_changed(customer, agent, manager):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        urgent = ticket_create(actor=customer, subject="Down", category=category(), priority="urgent")
        ticket_create(actor=customer, subject="Slow", category=category(), priority="low")
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        ticket_create(actor=customer, subject="Old", category=category(), priority="urgent")
    trigger = Rule(
        name="Urgent",
        events=["created"],
        conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
        actions=[{"type": "add_tags", "value": ["urgent"]}],
    )
    trigger.full_clean()
    trigger.save()

    with time_machine.travel(NOW, tick=False):
        week = dry_run(trigger, days=7)
        month = dry_run(trigger, days=30)
    assert (week.count, [t.pk for t in week.tickets]) == (1, [urgent.pk])
    assert month.count == 2
    assert not urgent.tags.exists() and not Firing.objects.exists()  # nothing changed


def test_an_admin_builds_a_rule_in_the_console_and_sees_its_dry_run(client, admin_user, team):
    client.force_login(admin_user)
    add = reverse("admin:automations_rule_add")
    form = {
        "name": "Urgent to the team",
        "kind": "trigger",
        "description": "",
        "is_active": "on",
        "position": "0",
        "events": ["created"],
        "conditions": '[{"field": "priority", "op": "is", "value": "urgent"}]',
        "any_conditions": "",
        "actions": f'[{{"type": "set_team", "value": {team.pk}}}]',
    }
    bad = client.post(add, {**form, "actions": '[{"type": "set_status", "value": "done"}]'})
    assert bad.status_code == 200 and "Action 1: status cannot be &#x27;done&#x27;" in bad.content.decode()
    assert not Rule.objects.exists()

    response = client.post(add, form)
    assert response.status_code == 302
    made = Rule.objects.get()
    assert made.created_by == admin_user and made.actions == [{"type": "set_team", "value": team.pk}]
    page = client.get(reverse("admin:automations_rule_dry_run", args=[made.pk]))
    assert page.status_code == 200 and 'id="dry-run-count"' in page.content.decode()


def test_only_admins_see_the_rules(client, manager, agent):
    for user in (manager, agent):
        client.force_login(user)
        assert client.get(reverse("admin:automations_rule_changelist")).status_code == 403
        assert client.get(reverse("admin:automations_firing_changelist")).status_code == 403


def test_rule_validation_names_each_wrong_condition():
    bad = Rule(
        name="Bad",
        events=["created", "teleported"],
        conditions=[{"field": "priority", "op": "is", "value": "critical"}, {"field": "mood", "op": "is"}],
        actions=[],
    )
    with pytest.raises(Exception) as caught:
        bad.full_clean()
    errors = caught.value.message_dict
    assert errors["conditions"] == [
        "Condition 1: priority cannot be critical; use low, medium, high, urgent.",
        "Condition 2: unknown field 'mood'; use one of status, priority, channel, category, team, assignee, "
        "organization, requester_email, subject, description, tag, sla, minutes_since_created, "
        "minutes_since_status_changed, minutes_since_updated, comment, business_hours or cf:<a custom field's key>.",
    ]
    assert errors["events"] == ["Not a kind of change: teleported."]
    assert errors["actions"] == ["A rule does at least one thing."]


def test_the_history_shows_the_rule_by_name(client, customer, admin_user):
    trigger = Rule(name="Tag new ones", events=["created"], actions=[{"type": "add_tags", "value": ["fresh"]}])
    trigger.full_clean()
    trigger.save()
    ticket = ticket_create(actor=customer, subject="Hello", category=category())
    assert ticket.events.filter(kind=EventKind.RULE_APPLIED).exists()
    client.force_login(admin_user)
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "Rule “Tag new ones” applied: tags fresh" in page


def test_every_kind_of_ticket_change_is_a_trigger_event_and_a_webhook_event():
    from automations.models import TriggerEvent
    from tickets.models import CHANGE_OF_KIND
    from webhooks.capture import EVENT_FOR_KIND
    from webhooks.models import SUBSCRIBABLE

    assert set(CHANGE_OF_KIND.values()) == set(TriggerEvent.values)
    assert set(EVENT_FOR_KIND.values()) == {value for value, _label in SUBSCRIBABLE}
