"""Virus scanning in a real browser: a customer's infected upload is refused, a held file shows without a link."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from e2e.test_portal import login_portal  # noqa: F401 - fixture
from helpdesk.tests.redis_server import free_port
from tickets.models import Attachment, Ticket
from tickets.tests.clamd_server import EICAR, FOUND, clamd_server, virus_scan  # noqa: F401 - fixtures
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def new_ticket(page, files):
    page.goto("/portal/tickets/new/")
    page.get_by_label("Subject").fill("Printer driver")
    page.get_by_label("Description").fill("The vendor sent this file.")
    page.get_by_label("Category").select_option(label=category().name)
    page.get_by_label("Attachments").set_input_files(files)
    page.get_by_role("button", name="Send").click()


def test_a_customer_is_refused_an_infected_file_and_waits_for_a_held_one(
    page,
    live_server,
    login_portal,  # noqa: F811 - the fixture imported above
    virus_scan,  # noqa: F811
    settings,
    screenshot,
    tmp_path,
):
    customer = UserFactory(email="nina@example.org", role=Role.CUSTOMER)
    login_portal(page, customer.email)
    infected, clean = tmp_path / "driver.txt", tmp_path / "notes.txt"
    infected.write_bytes(b"Install me:\n" + EICAR + b"\n")
    clean.write_bytes(b"Model 4200, driver 4.2.\n")

    new_ticket(page, [str(clean), str(infected)])
    expect(page.locator("main")).to_contain_text(f"driver.txt contains a virus ({FOUND}); it was not accepted.")
    screenshot(page, "portal-infected-file")
    assert not Ticket.objects.exists() and not Attachment.objects.exists()

    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"  # clamd away: the file is held
    new_ticket(page, [str(clean)])
    expect(page.locator(".pt-messages")).to_contain_text("Your ticket number is TICK-")
    expect(page.locator("main")).to_contain_text("notes.txt")
    expect(page.locator("main")).to_contain_text("Waiting for the virus scan")
    expect(page.get_by_role("link", name="notes.txt")).to_have_count(0)
    screenshot(page, "portal-file-pending")
    held = Attachment.objects.get()
    response = page.goto(f"/portal/tickets/{held.ticket_id}/files/{held.pk}/")
    assert response.status == 409
    expect(page.locator("main")).to_contain_text("waiting for its virus scan")
