"""The customer portal in a real browser: sign up, open a ticket with a file, follow the conversation."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from tickets import services
from tickets.choices import Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_new_customer_signs_up_opens_a_ticket_and_follows_it(page, live_server, screenshot, tmp_path):
    agent = UserFactory(email="agent@example.com", full_name="Alex Agent", role=Role.AGENT)

    page.goto("/portal/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email address").fill("nina@example.org")
    page.get_by_label("Your name").fill("Nina New")
    page.locator("input[name=password1]").fill("a-long-and-unusual-passphrase")
    page.locator("input[name=password2]").fill("a-long-and-unusual-passphrase")
    page.locator("main form").get_by_role("button").click()
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()

    # A ticket with an attachment.
    page.locator("main").get_by_role("link", name="New ticket").click()
    screenshot(page, "portal-new-ticket")
    page.get_by_label("Subject").fill("Cannot print from my laptop")
    page.get_by_label("Description").fill("The print queue says 'paused' every morning.")
    page.get_by_label("Category").select_option(label="Technical")
    page.get_by_label("How urgent is it?").select_option("high")
    screen = tmp_path / "queue.png"
    screen.write_bytes(PNG)
    page.get_by_label("Attachments").set_input_files(str(screen))
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".pt-messages")).to_contain_text("Your ticket number is TICK-")
    ticket = Ticket.objects.get()
    expect(page.get_by_role("heading", name="Cannot print from my laptop")).to_be_visible()
    expect(page.get_by_role("link", name="queue.png")).to_be_visible()

    # Listed among my open tickets.
    page.get_by_role("link", name="My tickets").first.click()
    expect(page.locator("table")).to_contain_text(ticket.number)

    # The agent answers publicly and writes an internal note: only the reply is shown.
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    services.comment_add(actor=agent, ticket=ticket, body="Please restart the spooler and tell us.")
    services.comment_add(actor=agent, ticket=ticket, body="Driver 4.2 is broken on these laptops", is_internal=True)
    services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING)
    page.get_by_role("link", name=ticket.number).click()
    expect(page.locator("main")).to_contain_text("Please restart the spooler")
    expect(page.locator("main")).not_to_contain_text("Driver 4.2")
    expect(page.locator("main")).to_contain_text("Waiting for your reply")

    # Reply: the ticket goes back to the agent's queue.
    page.get_by_label("Your reply").fill("Restarted; it prints again. Thanks!")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("main")).to_contain_text("Restarted; it prints again.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN

    # Resolved by the agent, then reopened by the customer.
    services.ticket_resolve(actor=agent, ticket=ticket)
    page.reload()
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    page.get_by_label("Why reopen it?").fill("It paused again this morning.")
    page.get_by_role("button", name="Reopen the ticket").click()
    expect(page.locator("main")).to_contain_text("The ticket is open again")
    screenshot(page, "portal-ticket")
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED


def test_urls_of_other_customers_tickets_and_files_answer_not_found(page, live_server, login_portal):
    owner = UserFactory(email="owner@example.org", role=Role.CUSTOMER)
    intruder = UserFactory(email="intruder@example.org", role=Role.CUSTOMER)
    ticket = services.ticket_create(actor=owner, subject="Private", category=_category())
    login_portal(page, intruder.email)
    response = page.goto(f"/portal/tickets/{ticket.pk}/")
    assert response.status == 404
    response = page.goto(f"/portal/tickets/{ticket.pk}/files/1/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Private")


def _category():
    from tickets.tests.factories import category

    return category()


@pytest.fixture
def login_portal(live_server):
    from accounts.tests.factories import PASSWORD

    def sign_in(page, email):
        page.goto("/portal/account/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main form").get_by_role("button").click()
        expect(page).to_have_url(re.compile(r"/portal/"))

    return sign_in
