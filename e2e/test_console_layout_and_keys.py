"""The console in a real browser: queue and ticket page at 1366 and 390 px, the composer's mode, shortcuts."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from tickets import services
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def desk(service_desk):
    lead, customer, agent = service_desk.lead, service_desk.customer, service_desk.agent
    subjects = [
        "VPN drops every hour when the laptop sleeps and wakes up again on the office network",
        "Printer on floor 3 jams",
        "Invoice charged twice",
    ]
    tickets = [service_desk.open(subject) for subject in subjects]
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


def composer_background(page) -> str:
    return page.locator("#reply-form").evaluate("form => getComputedStyle(form).backgroundColor")


def test_the_composer_switches_between_reply_and_note_and_remembers(page, live_server, login, screenshot, desk):
    ticket = desk["tickets"][0]
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    form = page.locator("#reply-form")
    reply_colour = composer_background(page)
    expect(form.get_by_role("button", name="Send public reply")).to_be_visible()

    form.get_by_label("Internal note").check()
    # The whole composer turns amber (#fffbeb) and the one button says what it does.
    assert composer_background(page) == "rgb(255, 251, 235)" != reply_colour
    expect(form.get_by_role("button", name="Add internal note")).to_be_visible()
    expect(form.get_by_role("button", name="Send public reply")).to_have_count(0)
    expect(form.locator("textarea[name=body]")).to_have_attribute("placeholder", re.compile("only staff"))
    screenshot(page, "composer-note")
    form.locator("textarea[name=body]").fill("Looks like the DHCP lease.")
    form.get_by_role("button", name="Add internal note").click()
    expect(page.locator(".messagelist")).to_contain_text("Internal note added.")
    assert ticket.comments.get().is_internal

    # The next visit starts where the agent left off: on a note.
    page.goto(f"/admin/tickets/ticket/{desk['tickets'][1].pk}/change/")
    expect(page.locator("#reply-form").get_by_label("Internal note")).to_be_checked()
    assert composer_background(page) == "rgb(255, 251, 235)"


def test_keyboard_shortcuts_and_not_while_typing(page, live_server, login, screenshot, desk):
    ticket = desk["tickets"][1]
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    form = page.locator("#reply-form")
    body = form.locator("textarea[name=body]")

    page.keyboard.press("n")
    expect(form.get_by_label("Internal note")).to_be_checked()
    expect(body).to_be_focused()
    # Typing an "r" in the message is text, not the reply shortcut.
    page.keyboard.type("rn")
    expect(body).to_have_value("rn")
    expect(form.get_by_label("Internal note")).to_be_checked()

    body.blur()
    page.keyboard.press("r")
    expect(form.get_by_label("Public reply")).to_be_checked()

    body.blur()
    page.keyboard.press("?")
    dialog = page.locator("dialog.hd-shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign the ticket to me")
    screenshot(page, "shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("a")
    expect(page.locator(".messagelist")).to_contain_text("Done: Assign to me.")
    ticket.refresh_from_db()
    assert ticket.assignee == desk["agent"]


def test_at_390_px_the_ticket_page_scrolls_only_down(page, live_server, login, screenshot, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto(f"/admin/tickets/ticket/{desk['tickets'][0].pk}/change/")
    expect(page.locator("#reply-form").get_by_label("Internal note")).to_be_visible()
    screenshot(page, "ticket-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
