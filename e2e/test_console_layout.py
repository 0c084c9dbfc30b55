"""The console in a real browser at the widths agents use: 1366 px laptops and 390 px phones."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, TeamFactory, UserFactory
from tickets import services
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def desk():
    agent = UserFactory(email="agent@example.com", full_name="Alex Agent", role=Role.AGENT)
    lead = UserFactory(email="lead@example.com", full_name="Liam Lead", role=Role.TEAM_LEAD)
    customer = UserFactory(email="cara@example.com", full_name="Cara Customer", role=Role.CUSTOMER)
    team = TeamFactory(name="Service Desk", lead=lead, members=[agent, lead])
    subjects = [
        "VPN drops every hour when the laptop sleeps and wakes up again on the office network",
        "Printer on floor 3 jams",
        "Invoice charged twice",
    ]
    tickets = [
        services.ticket_create(actor=lead, requester=customer, subject=subject, category=category(), team=team)
        for subject in subjects
    ]
    services.ticket_assign(actor=lead, ticket=tickets[0], assignee=agent)
    done = services.ticket_create(actor=lead, requester=customer, subject="Old and done", category=category())
    services.ticket_close(actor=lead, ticket=done)
    return {"agent": agent, "tickets": tickets}


def header_right_edge(page, column: str) -> float:
    box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
    assert box is not None, column
    return box["x"] + box["width"]


def test_at_1366_px_every_column_of_the_queue_is_in_view(page, live_server, login, screenshot, desk):
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto("/admin/tickets/ticket/")
    expect(page.locator("h1")).to_have_text("Tickets")
    # Active tickets only by default: the closed one is under "All tickets".
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    width = page.viewport_size["width"]
    assert width == 1366
    assert header_right_edge(page, "sla_due") <= width
    assert header_right_edge(page, "updated") <= width
    # Nothing scrolls sideways: the table fits its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    results = page.locator("#changelist .results").bounding_box()
    table = page.locator("#result_list").bounding_box()
    assert table["width"] <= results["width"] + 1
    expect(page.locator("#result_list .field-updated time").first).to_have_attribute("title", re.compile(r"\d{4}"))
    screenshot(page, "queue-1366")

    page.get_by_role("link", name="All tickets").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(4)


def test_at_390_px_the_queue_is_a_list_of_cards(page, live_server, login, screenshot, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto("/admin/tickets/ticket/")
    first = page.locator("#result_list tbody tr").first
    expect(first.locator(".hd-subject")).to_be_visible()
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    sla = first.locator(".field-sla_due").bounding_box()
    assert sla is not None and sla["x"] + sla["width"] <= 390
    screenshot(page, "queue-390")
