"""Custom fields through the API: create, patch, filter, refusals, visibility, history, definitions."""

from datetime import date
from decimal import Decimal

import pytest

from tickets import services
from tickets.models import CustomFieldValue, Ticket, TicketEvent
from tickets.tests.factories import category, custom_field


@pytest.fixture
def fields(db):
    """One field of each type; the invoice number is billing's, customer-visible and required."""
    return {
        "invoice_number": custom_field(
            "invoice_number", "text", categories=("billing",), required=True, customer_visible=True, position=1
        ),
        "amount": custom_field("amount", "number", categories=("billing",), position=2),
        "due_on": custom_field("due_on", "date", position=3),
        "plan": custom_field("plan", "dropdown", choices=["basic", "pro"], customer_visible=True, position=4),
        "vip": custom_field("vip", "checkbox", position=5),
    }


def stored(ticket_id: int) -> dict:
    rows = CustomFieldValue.objects.filter(ticket_id=ticket_id).select_related("field")
    return {
        row.field.key: getattr(row, {"text": "text", "dropdown": "text"}.get(row.field.type, "x"), None)
        if row.field.type in ("text", "dropdown")
        else row.number
        if row.field.type == "number"
        else row.date
        if row.field.type == "date"
        else row.flag
        for row in rows
    }


def billing(actor, values):
    """A billing ticket opened by ``actor`` with these custom values."""
    return services.ticket_create(actor=actor, subject="x", category=category("billing"), custom_fields=values)


EVERY_TYPE = {
    "invoice_number": "INV-2291",
    "amount": "1250.50",
    "due_on": "2026-12-31",
    "plan": "pro",
    "vip": True,
}


@pytest.mark.django_db
def test_staff_create_with_every_type_answers_and_stores_typed_values(api, agent, fields):
    response = api(agent).post(
        "/api/v1/tickets",
        {"subject": "Charged twice", "category": "billing", "custom_fields": EVERY_TYPE},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["custom_fields"] == {
        "invoice_number": "INV-2291",
        "amount": 1250.5,
        "due_on": "2026-12-31",
        "plan": "pro",
        "vip": True,
    }
    assert stored(response.json()["id"]) == {
        "invoice_number": "INV-2291",
        "amount": Decimal("1250.5"),
        "due_on": date(2026, 12, 31),
        "plan": "pro",
        "vip": True,
    }
    again = api(agent).get(f"/api/v1/tickets/{response.json()['id']}").json()
    assert again == response.json()


@pytest.mark.django_db
def test_a_ticket_without_values_shows_its_categorys_fields_empty(api, agent, fields):
    response = api(agent).post("/api/v1/tickets", {"subject": "Hello", "category": "general"}, format="json")
    assert response.status_code == 201, response.content
    # billing's fields are not on a general ticket; the others show empty
    assert response.json()["custom_fields"] == {"due_on": None, "plan": None, "vip": False}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        ({"nope": "x"}, "custom_fields.nope", "There is no custom field 'nope'."),
        ({"amount": "12abc"}, "custom_fields.amount", "Must be a number."),
        ({"amount": True}, "custom_fields.amount", "Must be a number."),
        ({"amount": "0.0000001"}, "custom_fields.amount", "At most 6 decimal places."),
        ({"amount": "1e20"}, "custom_fields.amount", "Must be less than 10^15 in size."),
        ({"due_on": "31/12/2026"}, "custom_fields.due_on", "Must be a date as YYYY-MM-DD."),
        ({"due_on": "2026-02-30"}, "custom_fields.due_on", "Must be a date as YYYY-MM-DD."),
        ({"plan": "gold"}, "custom_fields.plan", "'gold' is not one of the choices: basic, pro."),
        ({"vip": "maybe"}, "custom_fields.vip", "Must be true or false."),
        ({"invoice_number": ["a"]}, "custom_fields.invoice_number", "Must be text."),
        ({"invoice_number": "x" * 256}, "custom_fields.invoice_number", "At most 255 characters."),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_made(api, agent, fields, values, key, message):
    body = {"subject": "Bad", "category": "billing", "custom_fields": {"invoice_number": "INV-1", **values}}
    response = api(agent).post("/api/v1/tickets", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {
        "status": "error",
        "code": "VALIDATION_ERROR",
        "message": message,
        "errors": {key: [message]},
    }
    assert not Ticket.objects.exists() and not CustomFieldValue.objects.exists()


@pytest.mark.django_db
def test_a_required_field_is_asked_on_create_and_a_field_of_another_category_refused(api, agent, fields):
    client = api(agent)
    missing = client.post("/api/v1/tickets", {"subject": "No invoice", "category": "billing"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"custom_fields.invoice_number": ["Invoice number is required."]}
    elsewhere = client.post(
        "/api/v1/tickets",
        {"subject": "Wrong", "category": "technical", "custom_fields": {"invoice_number": "INV-1", "amount": 3}},
        format="json",
    )
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"] == {
        "custom_fields.invoice_number": ["Invoice number is not a field of this ticket's category."],
        "custom_fields.amount": ["Amount is not a field of this ticket's category."],
    }
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_customers_see_and_set_only_customer_visible_fields(api, customer, manager, fields):
    client = api(customer)
    hidden = client.post(
        "/api/v1/tickets",
        {"subject": "x", "category": "billing", "custom_fields": {"invoice_number": "INV-7", "vip": True}},
        format="json",
    )
    assert hidden.status_code == 400
    assert hidden.json()["errors"] == {"custom_fields.vip": ["There is no custom field 'vip'."]}
    created = client.post(
        "/api/v1/tickets",
        {"subject": "x", "category": "billing", "custom_fields": {"invoice_number": "INV-7"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    ticket_id = created.json()["id"]
    # the staff-only ones (vip, amount) never show to the customer, even with a value
    services.ticket_update(
        actor=manager, ticket=Ticket.objects.get(pk=ticket_id), changes={"custom_fields": {"vip": True, "amount": 5}}
    )
    assert client.get(f"/api/v1/tickets/{ticket_id}").json()["custom_fields"] == {
        "invoice_number": "INV-7",
        "plan": None,
    }
    assert api(manager).get(f"/api/v1/tickets/{ticket_id}").json()["custom_fields"]["vip"] is True
    listed = client.get("/api/v1/tickets").json()["results"][0]
    assert set(listed["custom_fields"]) == {"invoice_number", "plan"}
    # a staff-only field's change is an internal event: not in the customer's history
    history = client.get(f"/api/v1/tickets/{ticket_id}/history").json()["results"]
    assert not [event for event in history if event["field"] in ("cf_vip", "cf_amount")]
    assert client.get("/api/v1/tickets?cf_vip=true").json()["errors"] == {"cf_vip": ["There is no custom field 'vip'."]}
    assert [f["key"] for f in client.get("/api/v1/custom-fields").json()] == ["invoice_number", "plan"]


@pytest.mark.django_db
def test_a_staff_only_required_field_never_blocks_a_customer(api, customer, fields):
    custom_field("approver", "text", required=True)  # every category, staff-only
    response = api(customer).post(
        "/api/v1/tickets",
        {"subject": "x", "category": "billing", "custom_fields": {"invoice_number": "I"}},
        format="json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_patch_changes_values_records_history_and_moves_the_version(api, manager, fields):
    ticket = billing(manager, {"invoice_number": "INV-1", "amount": 10})
    client = api(manager)
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        {"custom_fields": {"invoice_number": "INV-2", "amount": None, "vip": "true", "plan": "basic"}},
        format="json",
        HTTP_IF_MATCH=f'"{ticket.version}"',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == ticket.version + 1
    assert body["custom_fields"] == {
        "invoice_number": "INV-2",
        "amount": None,
        "due_on": None,
        "plan": "basic",
        "vip": True,
    }
    events = {e.field: e for e in TicketEvent.objects.filter(ticket=ticket, field__startswith="cf_")}
    assert {name: (e.old_value, e.new_value) for name, e in events.items()} == {
        "cf_invoice_number": ("INV-1", "INV-2"),
        "cf_amount": ("10", ""),
        "cf_vip": ("false", "true"),
        "cf_plan": ("", "basic"),
    }
    assert events["cf_invoice_number"].metadata["label"] == "Invoice number"
    assert events["cf_vip"].is_internal and not events["cf_plan"].is_internal
    # a stale version is refused, and changes nothing
    stale = client.patch(
        f"/api/v1/tickets/{ticket.pk}",
        {"custom_fields": {"plan": "pro"}},
        format="json",
        HTTP_IF_MATCH=f'"{ticket.version}"',
    )
    assert stale.status_code == 412
    assert stored(ticket.pk)["plan"] == "basic"


@pytest.mark.django_db
def test_a_bad_patch_changes_nothing_not_even_the_other_fields(api, manager, fields):
    ticket = billing(manager, {"invoice_number": "INV-1"})
    response = api(manager).patch(
        f"/api/v1/tickets/{ticket.pk}",
        {"subject": "Changed", "custom_fields": {"invoice_number": "INV-9", "plan": "gold"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"custom_fields.plan": ["'gold' is not one of the choices: basic, pro."]}
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.version, stored(ticket.pk)) == ("x", 1, {"invoice_number": "INV-1"})
    cleared = api(manager).patch(
        f"/api/v1/tickets/{ticket.pk}", {"custom_fields": {"invoice_number": ""}}, format="json"
    )
    assert cleared.json()["errors"] == {"custom_fields.invoice_number": ["Invoice number is required."]}


@pytest.mark.django_db
def test_moving_to_another_category_drops_the_values_it_does_not_carry(api, manager, fields):
    ticket = billing(manager, {"invoice_number": "INV-1", "plan": "pro"})
    response = api(manager).patch(f"/api/v1/tickets/{ticket.pk}", {"category": "technical"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["custom_fields"] == {"due_on": None, "plan": "pro", "vip": False}
    assert stored(ticket.pk) == {"plan": "pro"}
    dropped = TicketEvent.objects.get(ticket=ticket, field="cf_invoice_number")
    assert (dropped.old_value, dropped.new_value) == ("INV-1", "")
    # category and value in one request: the value is checked against the new category
    back = api(manager).patch(
        f"/api/v1/tickets/{ticket.pk}", {"category": "billing", "custom_fields": {"amount": "7"}}, format="json"
    )
    assert back.status_code == 200, back.content
    assert back.json()["custom_fields"]["amount"] == 7


@pytest.mark.django_db
def test_customers_cannot_patch_values(api, customer, fields):
    ticket = services.ticket_create(actor=customer, subject="x", category=category("general"), custom_fields={})
    response = api(customer).patch(f"/api/v1/tickets/{ticket.pk}", {"custom_fields": {"plan": "pro"}}, format="json")
    assert response.status_code == 403
    assert not CustomFieldValue.objects.exists()


@pytest.mark.django_db
def test_list_filters_on_every_type(api, agent, fields):
    make = lambda subject, **values: services.ticket_create(  # noqa: E731
        actor=agent, subject=subject, category=category("billing"), custom_fields={"invoice_number": subject, **values}
    )
    make("A", amount=5, due_on="2026-01-10", plan="basic", vip=True)
    make("B", amount="12.5", due_on="2026-03-01", plan="pro")
    make("C")
    client = api(agent)

    def subjects(query: str) -> list[str]:
        response = client.get(f"/api/v1/tickets?ordering=subject&{query}")
        assert response.status_code == 200, response.content
        return [t["subject"] for t in response.json()["results"]]

    assert subjects("cf_invoice_number=B") == ["B"]
    assert subjects("cf_plan=basic&cf_plan=pro") == ["A", "B"]
    assert subjects("cf_amount=12.50") == ["B"]
    assert subjects("cf_amount__gte=6") == ["B"]
    assert subjects("cf_amount__lte=12.5&cf_amount__gte=5") == ["A", "B"]
    assert subjects("cf_due_on__lte=2026-02-01") == ["A"]
    assert subjects("cf_due_on=2026-03-01") == ["B"]
    assert subjects("cf_vip=true") == ["A"]
    assert subjects("cf_vip=false") == ["B", "C"]
    assert subjects("cf_plan=pro&cf_vip=true") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("cf_nope=1", {"cf_nope": ["There is no custom field 'nope'."]}),
        ("cf_amount=abc", {"cf_amount": ["Must be a number."]}),
        ("cf_plan__gte=a", {"cf_plan__gte": ["Only number and date fields take __gte and __lte."]}),
        ("cf_amount__foo=1", {"cf_amount__foo": ["Only number and date fields take __gte and __lte."]}),
        ("cf_due_on=", {"cf_due_on": ["Give a value."]}),
        ("cf_plan=gold", {"cf_plan": ["'gold' is not one of the choices: basic, pro."]}),
    ],
)
def test_bad_filters_are_400s_naming_the_parameter(api, agent, fields, query, errors):
    response = api(agent).get(f"/api/v1/tickets?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["errors"] == errors


@pytest.mark.django_db
def test_the_definitions_list_the_fields_with_their_categories(api, agent, fields):
    response = api(agent).get("/api/v1/custom-fields?category=Billing")
    assert response.status_code == 200
    assert response.json()[0] == {
        "key": "invoice_number",
        "label": "Invoice number",
        "type": "text",
        "choices": [],
        "categories": ["billing"],
        "required": True,
        "customer_visible": True,
        "help_text": "",
    }
    assert [f["key"] for f in response.json()] == ["invoice_number", "amount", "due_on", "plan", "vip"]
    technical = api(agent).get("/api/v1/custom-fields?category=technical").json()
    assert [f["key"] for f in technical] == ["due_on", "plan", "vip"]
    assert api().get("/api/v1/custom-fields").status_code == 401


@pytest.mark.django_db
def test_an_inactive_field_disappears_and_keeps_its_values(api, agent, fields):
    ticket = services.ticket_create(
        actor=agent, subject="x", category=category("general"), custom_fields={"plan": "pro"}
    )
    fields["plan"].is_active = False
    fields["plan"].save()
    assert "plan" not in api(agent).get(f"/api/v1/tickets/{ticket.pk}").json()["custom_fields"]
    assert CustomFieldValue.objects.filter(ticket=ticket, field=fields["plan"]).exists()


@pytest.mark.django_db
def test_the_schema_documents_custom_fields(api, agent):
    schema = api(agent).get("/api/schema/?format=json").json()
    ticket = schema["components"]["schemas"]["Ticket"]["properties"]["custom_fields"]
    assert ticket["type"] == "object" and "additionalProperties" in ticket
    assert "custom_fields" in schema["components"]["schemas"]["TicketCreateRequest"]["properties"]
    assert "/api/v1/custom-fields" in schema["paths"] or "/api/v1/custom-fields/" in schema["paths"]


@pytest.mark.django_db
def test_a_form_body_carries_them_as_json_text_and_anything_else_is_a_400(api, agent, fields):
    client = api(agent)
    body = {"subject": "x", "category": "general", "custom_fields": '{"plan": "pro"}'}
    created = client.post("/api/v1/tickets", body, format="multipart")
    assert created.status_code == 201, created.content
    assert created.json()["custom_fields"]["plan"] == "pro"
    for bad in ("not json", "[1, 2]"):
        refused = client.post("/api/v1/tickets", {**body, "custom_fields": bad}, format="multipart")
        assert refused.status_code == 400
        assert refused.json()["errors"] == {"custom_fields": ["Give an object of {field key: value}."]}
    refused = client.post("/api/v1/tickets", {**body, "custom_fields": None}, format="json")
    assert refused.status_code == 400 and "custom_fields" in refused.json()["errors"]
    assert Ticket.objects.count() == 1
