"""Custom fields in a real browser: the portal's form shows a category's fields only for that category."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from tickets import services
from tickets.models import CustomField, CustomFieldValue, Ticket
from tickets.tests.factories import category, custom_field

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_invoice_number_shows_for_billing_and_is_asked(page, live_server, screenshot):
    custom_field("invoice_number", "text", categories=("billing",), required=True, customer_visible=True)
    custom_field("device", "text", customer_visible=True)  # every ticket
    custom_field("internal_code", "text")  # staff-only: never on the portal
    UserFactory(email="cara@example.com", role=Role.CUSTOMER)
    page.goto("/portal/account/login/")
    page.get_by_label("Email address").fill("cara@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    page.goto("/portal/tickets/new/")

    invoice = page.locator("input[name=cf_invoice_number]")
    page.get_by_label("Category").select_option(label="Technical")
    expect(invoice).to_be_hidden()
    expect(page.locator("input[name=cf_device]")).to_be_visible()
    expect(page.locator("input[name=cf_internal_code]")).to_have_count(0)
    page.get_by_label("Category").select_option(label="Billing")
    expect(invoice).to_be_visible()
    screenshot(page, "portal-new-ticket-custom-fields")

    page.get_by_label("Subject").fill("Charged twice")
    page.get_by_label("Description").fill("On the 3rd of the month.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("main")).to_contain_text("Invoice number is required.")
    assert not Ticket.objects.exists()

    page.locator("input[name=cf_invoice_number]").fill("INV-2291")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".pt-custom-fields")).to_contain_text("INV-2291")
    screenshot(page, "portal-custom-fields")
    assert CustomFieldValue.objects.get().text == "INV-2291"


def test_an_admin_defines_a_field_and_an_agent_fills_it(page, live_server, login, screenshot, service_desk):
    UserFactory(email="admin@example.com", role=Role.ADMIN)
    desk = service_desk
    ticket = services.ticket_create(
        actor=desk.lead, requester=desk.customer, subject="Charged twice", category=category("billing"), team=desk.team
    )
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/admin/tickets/customfield/add/")
    page.get_by_label("Label").press_sequentially("Invoice number")
    expect(page.get_by_label("Key")).to_have_value("invoice-number")  # the admin's slug script; saved with _
    page.get_by_label("Type").select_option("text")
    page.get_by_label("Billing").check()
    page.get_by_label("Customer-visible").check()
    screenshot(page, "custom-field-add")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    field = CustomField.objects.get()
    assert (field.key, [c.slug for c in field.categories.all()]) == ("invoice_number", ["billing"])

    page.context.clear_cookies()
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    page.get_by_label("Invoice number").fill("INV-2291")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".hd-timeline, main").first).to_contain_text("Invoice number: — → INV-2291")
    screenshot(page, "ticket-custom-fields")
    assert CustomFieldValue.objects.get(ticket=ticket).text == "INV-2291"
