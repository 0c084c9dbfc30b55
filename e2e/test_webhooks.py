"""Outbound webhooks in a real browser: an admin registers an endpoint, tickets reach a signing receiver."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from webhooks.models import Delivery, Endpoint
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def test_an_admin_registers_an_endpoint_and_watches_its_deliveries(
    page, live_server, login, screenshot, service_desk, receiver, eager
):
    UserFactory(email="admin@example.com", full_name="Ada Admin", role=Role.ADMIN)
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto(f"{live_server.url}/admin/webhooks/endpoint/add/")
    page.locator("input[name=name]").fill("Ops bridge")
    page.locator("input[name=url]").fill(receiver.url)
    page.get_by_label("Ticket created").check()
    page.get_by_label(re.compile("Status changed")).check()
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.get_by_text("Reveal").click()
    secret = page.locator("details code").inner_text()
    assert secret == str(Endpoint.objects.get().secret)
    receiver.secret = secret
    screenshot(page, "webhook-endpoint")

    ticket = service_desk.open("Printer on fire")  # committed: the delivery goes out after the commit
    assert receiver.events() == ["ticket.created"] and receiver.received[0].signature_ok
    assert receiver.received[0].json["ticket"]["number"] == ticket.number

    page.goto(f"{live_server.url}/admin/webhooks/endpoint/")
    expect(page.locator("#result_list")).to_contain_text("delivered (HTTP 200)")
    assert secret not in page.content()
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("send_test_event")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("A test event was queued")
    assert receiver.events() == ["ticket.created", "ping"]

    delivery = Delivery.objects.get(event="ticket.created")
    page.goto(f"{live_server.url}/admin/webhooks/delivery/{delivery.pk}/change/")
    expect(page.locator("body")).to_contain_text(str(delivery.uuid))
    expect(page.locator("body")).to_contain_text(ticket.number)
    screenshot(page, "webhook-delivery")
