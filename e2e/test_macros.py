"""Macros in a real browser: a manager builds one in the console, an agent applies it to a ticket
(with its preview) and to several from the queue, and each ticket shows it applied once."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from tickets.choices import Status
from tickets.models import Comment, EventKind, Macro, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def desk(service_desk):
    UserFactory(email="manager@example.com", full_name="Maya Manager", role=Role.MANAGER)
    tickets = [service_desk.open(subject) for subject in ("VPN drops every hour", "VPN slow", "VPN certificate")]
    return service_desk, tickets


def test_a_manager_builds_a_macro_and_an_agent_applies_it(page, live_server, login, screenshot, desk):
    service_desk, tickets = desk
    login(page, live_server, "manager@example.com", PASSWORD)
    page.goto("/admin/tickets/macro/add/")
    page.locator("input[name=name]").fill("VPN triage")
    page.locator("textarea[name=description]").fill("First answer to a VPN report.")
    page.locator("textarea[name=reply]").fill("Hello {requester_name}, {agent_name} is looking at {ticket_number}.")
    page.locator("select[name=status]").select_option("in_progress")
    page.locator("input[name=add_tags]").fill("vpn, triaged")
    page.locator("input[name=assign_to_me]").check()
    screenshot(page, "macro-add")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("VPN triage")
    assert Macro.objects.get(name="VPN triage").created_by.email == "manager@example.com"
    page.context.clear_cookies()

    login(page, live_server, "agent@example.com", PASSWORD)
    first = tickets[0]
    page.goto(f"/admin/tickets/ticket/{first.pk}/change/")
    page.wait_for_load_state("load")
    page.locator("#id_apply_macro").select_option(label="VPN triage")
    preview = page.locator(".hd-macro-preview:visible")
    expect(preview).to_contain_text(f"Hello Cara Customer, Alex Agent is looking at {first.number}.")
    expect(preview).to_contain_text("Status: In progress")
    screenshot(page, "macro-preview")
    page.locator("#macro-form").get_by_role("button", name="Apply macro").click()
    expect(page.locator(".messagelist")).to_contain_text("Macro VPN triage applied.")
    expect(page.locator(".hd-timeline")).to_contain_text("Macro “VPN triage” applied")
    expect(page.locator(".hd-ticket-badges")).to_contain_text("In progress")
    screenshot(page, "macro-applied")
    first.refresh_from_db()
    assert (first.status, first.assignee.email) == (Status.IN_PROGRESS, "agent@example.com")

    # The other two from the queue, in bulk.
    page.goto("/admin/tickets/ticket/?view=all")
    rows = page.locator("#result_list tbody tr")
    for subject in ("VPN slow", "VPN certificate"):
        rows.filter(has_text=subject).locator("input.action-select").check()
    page.locator("select[name=action]").select_option("apply_macro")
    page.get_by_role("button", name="Go").click()
    page.locator("select[name=macro]").select_option(label="VPN triage")
    # What the browser would send again if the agent clicked twice (or resent the page).
    sent = page.evaluate("() => [...new FormData(document.querySelector('#content-main form'))]")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messagelist")).to_contain_text("Macro VPN triage applied to 2 of 2 tickets.")
    expect(page.locator(".hd-macro-applied")).to_have_count(2)
    screenshot(page, "macro-bulk")

    again = page.evaluate(
        "async (pairs) => (await fetch(location.href, {method: 'POST', body: new URLSearchParams(pairs)})).text()",
        sent,
    )
    assert again.count('class="hd-macro-refused"') == 2 and "The ticket changed since you read it" in again
    for ticket in tickets:
        events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.MACRO_APPLIED)
        assert events.count() == 1 and Comment.objects.filter(ticket=ticket).count() == 1
        assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
