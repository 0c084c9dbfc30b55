"""Custom fields in the console (definitions for admins, values on the ticket pages) and the portal."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import CustomField, CustomFieldValue, Ticket, TicketEvent
from tickets.tests.factories import category, custom_field
from tickets.tests.test_admin_console import fields_of, page_url, seen

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(db):
    return custom_field(
        "invoice_number", "text", categories=("billing",), required=True, customer_visible=True, position=1
    )


@pytest.fixture
def refund(db):
    return custom_field("refund_approved", "checkbox", categories=("billing",), position=2)


def values(ticket):
    return dict(CustomFieldValue.objects.filter(ticket=ticket).values_list("field__key", "text"))


class TestDefinitionsInTheConsole:
    @pytest.mark.parametrize("who", ["agent", "team_lead", "manager"])
    def test_only_admins_open_the_field_admin(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(reverse("admin:tickets_customfield_changelist")).status_code == 403
        assert client.get(reverse("admin:tickets_customfield_add")).status_code == 403
        response = client.post(reverse("admin:tickets_customfield_add"), {"label": "X", "key": "x", "type": "text"})
        assert response.status_code == 403 and not CustomField.objects.exists()

    def test_an_admin_defines_a_dropdown_for_billing(self, client, admin_user):
        client.force_login(admin_user)
        assert client.get(reverse("admin:tickets_customfield_changelist")).status_code == 200
        response = client.post(
            reverse("admin:tickets_customfield_add"),
            {
                "label": "Plan",
                "key": "billing-plan",
                "type": "dropdown",
                "choices": "Basic\n Pro \n\n",
                "categories": [category("billing").pk],
                "position": 5,
                "is_active": "on",
                "help_text": "",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        field = CustomField.objects.get()
        assert (field.key, field.choices, list(field.categories.all())) == (
            "billing_plan",
            ["Basic", "Pro"],
            [category("billing")],
        )

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"type": "dropdown", "choices": ""}, "choices", "A dropdown needs a list of non-empty texts."),
            ({"type": "dropdown", "choices": "a\na"}, "choices", "Each choice once."),
            ({"type": "text", "choices": "a"}, "choices", "Only a dropdown has choices."),
            ({"type": "text", "key": "1bad key"}, "key", "Lower-case letters"),
            ({"type": "text", "key": "a__b"}, "key", "Lower-case letters"),
        ],
    )
    def test_bad_definitions_are_refused(self, client, admin_user, data, field, message):
        client.force_login(admin_user)
        body = {"label": "Thing", "key": "thing", "position": 1, "is_active": "on", "help_text": "", **data}
        response = client.post(reverse("admin:tickets_customfield_add"), body)
        assert response.status_code == 200
        assert message in " ".join(response.context["adminform"].form.errors[field])
        assert not CustomField.objects.exists()

    def test_a_used_fields_key_and_type_stay_and_it_cannot_be_deleted(self, client, admin_user, agent, invoice):
        services.ticket_create(
            actor=agent, subject="x", category=category("billing"), custom_fields={"invoice_number": "INV-1"}
        )
        client.force_login(admin_user)
        url = reverse("admin:tickets_customfield_change", args=[invoice.pk])
        page = client.get(url)
        assert set(page.context["adminform"].readonly_fields) == {"key", "type"}
        client.post(url, {"label": "Invoice no.", "key": "other", "type": "number", "position": 1, "help_text": ""})
        invoice.refresh_from_db()
        assert (invoice.label, invoice.key, invoice.type) == ("Invoice no.", "invoice_number", "text")
        assert client.get(reverse("admin:tickets_customfield_delete", args=[invoice.pk])).status_code == 403


def billing_ticket(agent, customer, team, subject="Charged twice"):
    return services.ticket_create(
        actor=agent,
        requester=customer,
        subject=subject,
        category=category("billing"),
        team=team,
        custom_fields={"invoice_number": "INV-1"},
    )


class TestTicketPage:
    def test_an_agent_sees_and_edits_the_values(self, client, team, agent, customer, invoice, refund):
        ticket = billing_ticket(agent, customer, team)
        client.force_login(agent)
        form = client.get(page_url(ticket)).context["fields_form"]
        assert form["cf_invoice_number"].value() == "INV-1" and form["cf_refund_approved"].value() is False
        data = {**fields_of(ticket), **seen(client, ticket), "cf_invoice_number": "INV-2", "cf_refund_approved": "on"}
        assert client.post(page_url(ticket), data).status_code == 302
        assert values(ticket) == {"invoice_number": "INV-2", "refund_approved": None}
        assert CustomFieldValue.objects.get(ticket=ticket, field=refund).flag is True
        html = client.get(page_url(ticket)).content.decode()
        assert "Invoice number: INV-1 → INV-2" in html

    def test_a_bad_value_shows_on_its_field_and_saves_nothing(self, client, team, agent, customer, invoice):
        ticket = billing_ticket(agent, customer, team, subject="x")
        client.force_login(agent)
        data = {**fields_of(ticket, subject="Changed"), **seen(client, ticket), "cf_invoice_number": ""}
        response = client.post(page_url(ticket), data)
        assert response.status_code == 200
        assert response.context["fields_form"].errors["cf_invoice_number"] == ["Invoice number is required."]
        ticket.refresh_from_db()
        assert (ticket.subject, values(ticket)) == ("x", {"invoice_number": "INV-1"})

    def test_the_new_ticket_page_asks_the_required_field_of_the_category(self, client, agent, invoice):
        client.force_login(agent)
        url = reverse("admin:tickets_ticket_add")
        base = {"requester_email": "c@example.com", "subject": "Charged twice", "priority": "medium"}
        page = client.get(url)
        assert f'data-categories="{category("billing").pk}"' in page.content.decode()
        refused = client.post(url, {**base, "category": category("billing").pk})
        assert refused.context["form"].errors["cf_invoice_number"] == ["Invoice number is required."]
        assert not Ticket.objects.exists()
        # Typed in, then the category changed: a field the page hid is not sent.
        other = client.post(url, {**base, "category": category("technical").pk, "cf_invoice_number": "INV-9"})
        assert other.status_code == 302
        assert values(Ticket.objects.get()) == {}
        client.post(url, {**base, "category": category("billing").pk, "cf_invoice_number": "INV-5"})
        assert values(Ticket.objects.get(category__slug="billing")) == {"invoice_number": "INV-5"}


class TestPortal:
    def test_a_customer_must_fill_the_customer_visible_required_field(self, client, customer, invoice, refund):
        client.force_login(customer)
        url = reverse("portal:ticket-new")
        page = client.get(url).content.decode()
        assert 'name="cf_invoice_number"' in page and "cf_refund_approved" not in page
        body = {"subject": "Charged twice", "description": "On the 3rd.", "category": category("billing").pk}
        refused = client.post(url, {**body, "priority": "medium"})
        assert refused.status_code == 400
        assert refused.context["form"].errors["cf_invoice_number"] == ["Invoice number is required."]
        assert not Ticket.objects.exists()
        made = client.post(url, {**body, "priority": "medium", "cf_invoice_number": "INV-2291"})
        assert made.status_code == 302
        ticket = Ticket.objects.get()
        assert (ticket.channel, values(ticket)) == ("portal", {"invoice_number": "INV-2291"})
        html = client.get(made["Location"]).content.decode()
        assert "Invoice number" in html and "INV-2291" in html

    def test_a_staff_only_value_never_shows_on_the_portal(self, client, customer, manager, invoice, refund):
        ticket = services.ticket_create(
            actor=customer, subject="x", category=category("billing"), custom_fields={"invoice_number": "INV-1"}
        )
        services.ticket_update(actor=manager, ticket=ticket, changes={"custom_fields": {"refund_approved": True}})
        client.force_login(customer)
        html = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert "INV-1" in html and "Refund approved" not in html
        assert not TicketEvent.objects.filter(ticket=ticket, field="cf_refund_approved", is_internal=False).exists()

    def test_a_guest_fills_it_too(self, client, invoice):
        body = {
            "email": "guest@example.com",
            "subject": "Charged twice",
            "description": "On the 3rd.",
            "category": category("billing").pk,
            "priority": "medium",
        }
        refused = client.post(reverse("portal:guest-new"), body)
        assert refused.context["form"].errors["cf_invoice_number"] == ["Invoice number is required."]
        assert client.post(reverse("portal:guest-new"), {**body, "cf_invoice_number": "INV-3"}).status_code == 302
        assert values(Ticket.objects.get()) == {"invoice_number": "INV-3"}


def test_follow_ups_and_other_formless_callers_are_never_blocked_by_required_fields(customer, invoice):
    """Callers without a form pass no custom_fields (the mailbox: mailboxes/tests/test_custom_fields_email.py)."""
    ticket = services.ticket_create(actor=customer, subject="By mail", category=category("billing"), channel="email")
    assert ticket.pk and values(ticket) == {}
