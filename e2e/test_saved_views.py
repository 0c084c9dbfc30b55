"""Saved personal views in a real browser: filter the queue, save it by name, reopen it from its tab."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from tickets.choices import Priority
from tickets.models import SavedView

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def desk(service_desk):
    for subject, priority in [("VPN drops hourly", Priority.URGENT), ("Printer jams", Priority.LOW)]:
        service_desk.open(subject, priority=priority)
    return service_desk.agent


def test_an_agent_saves_a_filtered_queue_and_reopens_it_from_its_tab(page, live_server, login, screenshot, desk):
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto("/admin/tickets/ticket/?priority__exact=urgent")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)

    page.get_by_text("Save or edit my views").click()
    page.get_by_placeholder("My urgent VPN tickets").fill("My urgent tickets")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".messagelist")).to_contain_text("View “My urgent tickets” saved.")
    assert SavedView.objects.get(user=desk).query == "priority__exact=urgent"

    # Elsewhere in the queue, the saved tab brings the filter back.
    page.get_by_role("link", name="All tickets").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    tab = page.get_by_role("navigation", name="My views").get_by_role("link", name="My urgent tickets")
    tab.click()
    expect(page).to_have_url(re.compile(r"\?priority__exact=urgent$"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody")).to_contain_text("VPN drops hourly")
    expect(tab).to_have_attribute("aria-current", "page")
    screenshot(page, "queue-saved-view")
