"""The rule builder's side on the server: the fields, operators and actions described in words from the
definitions the validation uses, and the desk's choices by name, bounded and one query per kind."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from accounts.models import Organization, User
from accounts.roles import Role
from accounts.tests.factories import TeamFactory, UserFactory
from automations import admin as rules_admin
from automations.actions import HANDLERS, describe_actions
from automations.conditions import FIELDS, OPERATORS, describe_fields
from automations.models import Rule
from tickets.custom_fields import active_fields
from tickets.models import BusinessCalendar, Category, CustomField
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

# The editors rule-builder.js has besides the lists of choices it is handed.
BUILDER_VALUES = {"text", "minutes", "number", "date", "dropdown", "checkbox"}
BUILDER_EDITORS = {"", "tags", "comment", "notify", "set_field"}


@pytest.fixture
def invoice_fields():
    invoice = CustomField.objects.create(label="Invoice number", key="invoice_number", type="text")
    due = CustomField.objects.create(label="Due on", key="due_on", type="date")
    plan = CustomField.objects.create(label="Plan", key="plan", type="dropdown", choices=["free", "pro"])
    CustomField.objects.create(label="Old", key="old", type="number", is_active=False)
    return invoice, due, plan


def test_every_field_is_described_in_words_from_the_definitions(invoice_fields):
    described = {field["name"]: field for field in describe_fields(active_fields())}
    choices = rules_admin.builder_choices()["choices"]

    assert list(described)[: len(FIELDS)] == list(FIELDS)
    for name, field in FIELDS.items():
        one = described[name]
        assert one["label"] and one["group"] and one["ops"] == list(field.ops)
        assert one["values"] in BUILDER_VALUES or one["values"] in choices, name
    assert all(op in OPERATORS for field in FIELDS.values() for op in field.ops)
    assert described["comment"]["kinds"] == ["trigger"]  # "Comment is": triggers only
    assert described["status"]["label"] == "Status" and described["status"]["group"] == "The ticket"
    assert described["minutes_since_status_changed"]["values"] == "minutes"
    assert described["cf:invoice_number"] == {
        "name": "cf:invoice_number",
        "label": "Invoice number",
        "group": "Custom fields",
        "ops": ["is"],
        "values": "text",
        "choices": [],
        "kinds": ["trigger", "automation"],
    }
    assert described["cf:due_on"]["ops"] == ["is", "gte", "lte"]
    assert described["cf:plan"]["choices"] == ["free", "pro"]
    assert "cf:old" not in described  # switched off


def test_every_action_the_engine_carries_out_is_described():
    described = describe_actions()
    choices = rules_admin.builder_choices()["choices"]
    assert sorted(action["type"] for action in described) == sorted(HANDLERS)
    assert {action["type"]: action["label"] for action in described}["notify"] == "Notify"
    for action in described:
        assert action["values"] in BUILDER_EDITORS or action["values"] in choices, action


def test_the_choices_name_the_desks_things_bounded_in_one_query_each(django_assert_num_queries, invoice_fields):
    lead = UserFactory(email="olga@example.com", full_name="Olga Ops", role=Role.TEAM_LEAD)
    UserFactory(email="gone@example.com", role=Role.AGENT, is_active=False)
    UserFactory(email="buyer@acme.example", role=Role.CUSTOMER)
    robot = User.objects.automation()
    ops = TeamFactory(name="Platform Ops", lead=lead)
    acme = Organization.objects.create(name="Acme", slug="acme")
    Category.objects.create(name="Retired", slug="retired", is_active=False)
    office = BusinessCalendar.objects.create(name="Paris office", time_zone="Europe/Paris")
    chat = Endpoint.objects.create(name="Chat", url="https://chat.example/hook", events=[])
    Endpoint.objects.create(name="Old hook", url="https://old.example/hook", events=[], is_active=False)
    active_fields()  # cached, as on any page that read them

    with django_assert_num_queries(6):  # teams, agents, categories, organizations, calendars, endpoints
        made = rules_admin.builder_choices()

    choices = made["choices"]
    assert choices["team"] == [[ops.pk, "Platform Ops"]]
    assert choices["agent"] == [[lead.pk, "Olga Ops (olga@example.com)"]]  # staff, active, not the automation
    assert [slug for slug, _name in choices["category"]] == list(
        Category.objects.filter(is_active=True).values_list("slug", flat=True)
    )
    assert "retired" not in dict(choices["category"])
    assert choices["organization"] == [[acme.pk, "Acme"]]
    assert choices["calendar"] == [[office.pk, "Paris office"]]
    assert choices["endpoint"][0] == [chat.pk, "Chat"] and choices["endpoint"][1][1] == "Old hook (paused)"
    assert choices["priority"][-1] == ["urgent", "Urgent"] and ["breached", "breached"] in choices["sla"]
    assert made["operators"]["ends_with"] == "ends with" and made["operators"]["in"] == "is one of"
    assert made["recipients"][1] == ["team_lead", "The team's lead"]
    assert ["ticket_number", "the ticket's number"] in made["placeholders"]
    assert robot.email not in json.dumps(made)


def test_too_many_organizations_to_list_are_asked_for_by_id(monkeypatch):
    monkeypatch.setattr(rules_admin, "MAX_LISTED", 2)
    for name in ("Acme", "Beta", "Gamma"):
        Organization.objects.create(name=name, slug=name.lower())
    assert rules_admin.builder_choices()["choices"]["organization"] is None
    monkeypatch.setattr(rules_admin, "MAX_LISTED", 3)
    assert len(rules_admin.builder_choices()["choices"]["organization"]) == 3


def test_the_rule_page_carries_the_builder_and_keeps_the_json_fields(client, admin_user, django_assert_max_num_queries):
    rule = Rule(name="Urgent", events=["created"], conditions=[{"field": "priority", "op": "is", "value": "urgent"}])
    rule.actions = [{"type": "add_tags", "value": ["vip"]}]
    rule.full_clean()
    rule.save()
    for number in range(5):
        TeamFactory(name=f"Team {number}")
    client.force_login(admin_user)

    with django_assert_max_num_queries(20):
        page = client.get(reverse("admin:automations_rule_change", args=[rule.pk])).content.decode()

    for asset in ("rule-builder-editors.js", "rule-builder.js", "rule-builder.css"):
        assert f"helpdesk/admin/{asset}" in page
    data = json.loads(
        re.search(r'<script id="rule-builder-choices" type="application/json">(.*?)</script>', page).group(1)
    )
    assert len(data["choices"]["team"]) == 5 and data["fields"][0]["name"] == "status"
    # Without JavaScript the JSON fields are the form, as before.
    assert '<textarea name="conditions"' in page and "&quot;urgent&quot;" in page
