"""The custom field services and selectors later work builds on (automation conditions and actions)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from helpdesk.errors import PreconditionFailed, ValidationFailed
from tickets import services
from tickets.custom_fields import active_fields, field_condition, field_value, parse_value
from tickets.models import CustomField, Ticket, TicketEvent
from tickets.tests.factories import category, custom_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(manager):
    custom_field("amount", "number")
    custom_field("region", "dropdown", choices=["eu", "us"])
    custom_field("signed", "checkbox", customer_visible=True)
    return services.ticket_create(actor=manager, subject="x", category=category())


def test_set_read_and_filter_one_field_by_key(manager, ticket):
    ticket = services.ticket_set_custom_field(
        actor=manager, ticket=ticket, key="amount", value="42.125", expected_version=ticket.version
    )
    assert ticket.version == 2
    assert field_value(Ticket.objects.get(pk=ticket.pk), "amount") == Decimal("42.125")
    assert list(Ticket.objects.filter(field_condition("amount", "gte", 42))) == [ticket]
    assert not Ticket.objects.filter(field_condition("amount", "lte", "42.1")).exists()
    assert not Ticket.objects.filter(field_condition("gone", "exact", "x")).exists()
    event = TicketEvent.objects.get(ticket=ticket, field="cf_amount")
    assert (event.actor, event.old_value, event.new_value, event.is_internal) == (manager, "", "42.125", True)


def test_a_stale_version_or_a_bad_value_changes_nothing(manager, ticket):
    with pytest.raises(PreconditionFailed):
        services.ticket_set_custom_field(actor=manager, ticket=ticket, key="region", value="eu", expected_version=9)
    with pytest.raises(ValidationFailed) as refused:
        services.ticket_set_custom_field(actor=manager, ticket=ticket, key="region", value="mars")
    assert refused.value.errors == {"custom_fields.region": ["'mars' is not one of the choices: eu, us."]}
    assert field_value(Ticket.objects.get(pk=ticket.pk), "region") is None
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_setting_the_same_value_again_records_nothing(manager, ticket):
    services.ticket_set_custom_field(actor=manager, ticket=ticket, key="signed", value=True)
    services.ticket_set_custom_field(actor=manager, ticket=ticket, key="signed", value="yes")
    assert TicketEvent.objects.filter(field="cf_signed").count() == 1
    services.ticket_set_custom_field(actor=manager, ticket=ticket, key="signed", value=False)
    assert list(TicketEvent.objects.filter(field="cf_signed").values_list("new_value", flat=True)) == ["true", "false"]


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("number", 3, Decimal(3)),
        ("number", " -0.5 ", Decimal("-0.5")),
        ("date", "2026-02-28", date(2026, 2, 28)),
        ("text", 2291, "2291"),
        ("text", "  padded  ", "padded"),
        ("text", "   ", None),
        ("checkbox", "off", False),
        ("checkbox", "", False),
        ("dropdown", None, None),
    ],
)
def test_values_are_parsed_by_type(kind, raw, value):
    field = custom_field("thing", kind, choices=["a"] if kind == "dropdown" else [])
    (spec,) = active_fields()
    assert spec.key == field.key and parse_value(spec, raw) == value


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "dropdown"}, "A dropdown needs a list of non-empty texts."),
        ({"type": "dropdown", "choices": ["a", " "]}, "A dropdown needs a list of non-empty texts."),
        ({"type": "text", "choices": ["a"]}, "Only a dropdown has choices."),
    ],
)
def test_definitions_are_checked(changes, message):
    field = CustomField(key="thing", label="Thing", **changes)
    with pytest.raises(ValidationError) as refused:
        field.full_clean()
    assert message in str(refused.value)


def test_a_used_field_keeps_its_key_and_type(manager, ticket):
    services.ticket_set_custom_field(actor=manager, ticket=ticket, key="amount", value=1)
    field = CustomField.objects.get(key="amount")
    field.key = "total"
    with pytest.raises(ValidationError, match="can no longer change"):
        field.full_clean()
    field.key, field.type = "amount", "text"
    with pytest.raises(ValidationError, match="can no longer change"):
        field.full_clean()
