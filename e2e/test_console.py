"""The agent console in a real browser: queue, ticket page, reply box, bulk actions, collisions."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from tickets import services
from tickets.choices import Status
from tickets.models import Comment, Macro, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def desk(service_desk):
    manager = UserFactory(email="manager@example.com", full_name="Maya Manager", role=Role.MANAGER)
    subjects = ["VPN drops every hour", "Printer on floor 3 jams", "Invoice charged twice", "Cannot log in"]
    tickets = [service_desk.open(subject) for subject in subjects]
    Macro.objects.create(
        name="Need more information",
        reply="Hello {requester_name}, could you send a screenshot for {ticket_number}? {agent_name}",
        status=Status.PENDING,
    )
    return {"agent": service_desk.agent, "manager": manager, "customer": service_desk.customer, "tickets": tickets}


def test_an_agent_works_the_queue_and_a_ticket(page, live_server, login, screenshot, desk):
    vpn = desk["tickets"][0]
    services.ticket_assign(actor=desk["agent"], ticket=vpn, assignee=desk["agent"])
    login(page, live_server, "agent@example.com", PASSWORD)

    # The queue, filtered by a quick view and then by status.
    page.goto("/admin/tickets/ticket/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)
    page.get_by_role("link", name="My open tickets").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("VPN drops every hour")
    page.get_by_role("link", name="All tickets").click()
    page.locator("#changelist-filter").get_by_role("link", name="New", exact=True).click()
    expect(rows).to_have_count(3)
    expect(page.locator("#result_list .hd-badge.hd-status-new").first).to_be_visible()
    expect(page.locator("#result_list time.hd-sla").first).to_have_text(re.compile(r"^in \d"))
    screenshot(page, "queue")

    # Open the ticket and add an internal note, then a public reply from a macro's reply.
    page.goto("/admin/tickets/ticket/")
    page.get_by_role("link", name=vpn.number).click()
    expect(page.locator("h1")).to_have_text("VPN drops every hour")
    page.locator("#reply-form textarea[name=body]").fill("Checked the concentrator logs: nothing yet.")
    page.locator("#reply-form").get_by_label("Internal note").check()
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator(".messagelist")).to_contain_text("Internal note added.")
    note = page.locator(".hd-entry-note")
    expect(note).to_contain_text("Checked the concentrator logs")
    expect(note).to_contain_text("Internal note")
    # The page's scripts (macros' replies, the composer's remembered mode) run once it has loaded.
    page.wait_for_load_state("load")

    page.locator("#id_reply_macro").select_option(label="Need more information")
    body = page.locator("#reply-form textarea[name=body]")
    expect(body).to_have_value(f"Hello Cara Customer, could you send a screenshot for {vpn.number}? Alex Agent")
    expect(page.locator("#reply-form select[name=status]")).to_have_value("pending")
    page.get_by_role("button", name="Send public reply").click()
    expect(page.locator(".messagelist")).to_contain_text("Reply sent.")
    expect(page.locator(".hd-entry-reply")).to_contain_text("could you send a screenshot")
    expect(page.locator(".hd-ticket-badges")).to_contain_text("Pending")
    screenshot(page, "ticket")

    replies = Comment.objects.filter(ticket=vpn).order_by("created_at")
    assert [(c.is_internal, c.author_id) for c in replies] == [(True, desk["agent"].pk), (False, desk["agent"].pk)]
    vpn.refresh_from_db()
    assert vpn.status == Status.PENDING and vpn.first_responded_at is not None


def test_bulk_assign_from_the_queue(page, live_server, login, desk):
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto("/admin/tickets/ticket/?view=unassigned")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)
    rows.nth(0).locator("input.action-select").check()
    rows.nth(1).locator("input.action-select").check()
    page.locator("select[name=action]").select_option("assign_to_me")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Assigned 2 tickets to you.")
    expect(rows).to_have_count(2)  # the view shows what is still unassigned
    assert Ticket.objects.filter(assignee=desk["agent"]).count() == 2


def test_a_stale_edit_meets_the_collision_message(page, live_server, login, screenshot, desk):
    ticket = desk["tickets"][1]
    services.ticket_assign(actor=desk["agent"], ticket=ticket, assignee=desk["agent"])
    login(page, live_server, "agent@example.com", PASSWORD)
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    page.locator(".hd-fields input[name=subject]").fill("Printer on floor 3 jams on A3")

    # Meanwhile a manager raises the priority.
    services.ticket_update(actor=desk["manager"], ticket=ticket, changes={"priority": "urgent"})

    page.get_by_role("button", name="Save changes").click()
    conflict = page.locator(".hd-conflict")
    expect(conflict).to_contain_text("Someone else changed this ticket after you opened it")
    expect(conflict).to_contain_text("Maya Manager")
    expect(conflict).to_contain_text("Priority: Medium → Urgent")
    expect(page.locator(".hd-fields input[name=subject]")).to_have_value("Printer on floor 3 jams on A3")
    screenshot(page, "collision")
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority) == ("Printer on floor 3 jams", "urgent")

    # Saving again, now knowingly, applies the edit on top of the manager's change.
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messagelist")).to_contain_text("Ticket saved.")
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority) == ("Printer on floor 3 jams on A3", "urgent")
