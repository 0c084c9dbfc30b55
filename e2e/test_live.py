"""Live alerts and presence in real browsers: two contexts at once, one acts, the other sees it without a reload.

The stream needs an ASGI server (a WSGI live server would hold the response until it ends), so these
tests serve the site with uvicorn in a thread of the test process, on the same test database, with
static files served as the other e2e tests have them. Without Redis, pages poll the database every
``LIVE_POLL_SECONDS`` (1 s here).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, TeamFactory, UserFactory
from tickets import services
from tickets.models import Notification, NotificationKind, Ticket
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
LIVE = 8_000  # ms: an alert or a presence change must show within this, without a reload


@pytest.fixture
def asgi_url(settings) -> Iterator[str]:
    """The site under uvicorn (as ``make run`` and ``bin/serve web`` serve it) on a free port."""
    settings.LIVE_POLL_SECONDS = 1
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        ASGIStaticFilesHandler(get_asgi_application()),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def contexts(browser: Browser, asgi_url: str) -> Iterator[list[BrowserContext]]:
    """Three separate browser sessions (three people), each with its own cookies."""
    made = [browser.new_context(base_url=asgi_url, viewport={"width": 1366, "height": 900}) for _ in range(3)]
    yield made
    for context in made:
        context.close()


def sign_in(context: BrowserContext, email: str, *, console: bool) -> Page:
    """A new page of ``context`` signed in as ``email``: to the agent console, or to the customer portal."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/admin/login/" if console else "/portal/account/login/")
    (page.locator("input[name=username]") if console else page.get_by_label("Email address")).fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#login-form [type=submit]" if console else "main form button").click()
    expect(page.locator("#user-tools" if console else ".pt-nav-user")).to_be_visible()
    return page


def test_an_agent_sees_a_customers_new_ticket_and_reply_live(contexts, screenshot):
    agent = UserFactory(email="alex@example.com", full_name="Alex Agent", role=Role.AGENT)
    UserFactory(email="cara@example.com", full_name="Cara Customer", role=Role.CUSTOMER)
    outsider = UserFactory(email="gus@example.com", full_name="Gus Globex", role=Role.CUSTOMER)
    console = sign_in(contexts[0], agent.email, console=True)
    portal = sign_in(contexts[1], "cara@example.com", console=False)

    # The customer opens a ticket in the portal; the agent's open console shows it, no reload.
    url_before = console.url
    portal.goto("/portal/tickets/new/")
    portal.get_by_label("Subject").fill("Laptop will not boot")
    portal.get_by_label("Description").fill("Black screen since this morning.")
    portal.get_by_label("Category").select_option(label="Technical")
    portal.get_by_role("button", name="Send").click()
    expect(portal.locator(".pt-messages")).to_contain_text("Your ticket number is TICK-")
    ticket = Ticket.objects.get()
    alert = console.locator(".live-alert").filter(has_text="Laptop will not boot")
    expect(alert).to_be_visible(timeout=LIVE)
    expect(alert).to_contain_text("Ticket created")
    expect(alert.get_by_role("link")).to_have_attribute("href", f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert console.url == url_before

    # Assigned to the agent, the customer's reply reaches the agent live too.
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    portal.reload()
    portal.get_by_label("Your reply").fill("It beeps three times now.")
    portal.get_by_role("button", name="Send reply").click()
    expect(portal.locator("main")).to_contain_text("It beeps three times now.")
    reply = console.locator(".live-alert.live-kind-public_reply")
    expect(reply).to_be_visible(timeout=LIVE)
    expect(reply).to_contain_text("Cara Customer replied.")
    screenshot(console, "live-alerts-console")
    expect(console.locator("#user-tools .live-unread-count")).to_have_text("2 unread alerts")

    # Dismissing a note marks that notification read, and the count follows.
    reply.get_by_role("button", name="Dismiss").click()
    expect(console.locator("#user-tools .live-unread-count")).to_have_text("1 unread alert")
    row = Notification.objects.get(recipient=agent, kind=NotificationKind.PUBLIC_REPLY)
    deadline = time.monotonic() + 5
    while row.read_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
        row.refresh_from_db()
    assert row.read_at is not None

    # The agent's reply reaches the customer's open portal page, and not another customer's.
    theirs = services.ticket_create(actor=outsider, subject="Invoice missing", category=category())
    other = sign_in(contexts[2], outsider.email, console=False)
    services.comment_add(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), body="Try holding the power button.")
    mine = portal.locator(".live-alert.live-kind-public_reply")
    expect(mine).to_be_visible(timeout=LIVE)
    expect(mine.get_by_role("link")).to_have_attribute("href", f"/portal/tickets/{ticket.pk}/")
    screenshot(portal, "live-alerts-portal")
    # A stream sends in order: once the outsider's own later alert is shown, an earlier leak would be too.
    services.comment_add(actor=agent, ticket=theirs, body="We resent it.")
    expect(other.locator(".live-alert")).to_contain_text("Invoice missing", timeout=LIVE)
    expect(other.locator(".live-alert")).to_have_count(1)
    expect(other.locator(".live-alert")).not_to_contain_text("Laptop")


def test_two_agents_on_one_ticket_see_each_other_live(contexts, screenshot):
    alex = UserFactory(email="alex@example.com", full_name="Alex Agent", role=Role.AGENT)
    liam = UserFactory(email="liam@example.com", full_name="Liam Lead", role=Role.TEAM_LEAD)
    customer = UserFactory(email="cara@example.com", full_name="Cara Customer", role=Role.CUSTOMER)
    team = TeamFactory(name="Support", lead=liam, members=[alex, liam])
    ticket = services.ticket_create(
        actor=liam, requester=customer, subject="VPN drops hourly", category=category(), team=team
    )
    path = f"/admin/tickets/ticket/{ticket.pk}/change/"

    first = sign_in(contexts[0], alex.email, console=True)
    first.goto(path)
    second = sign_in(contexts[1], liam.email, console=True)
    second.goto(path)
    expect(first.locator(".live-presence")).to_have_text("Also viewing: Liam Lead", timeout=LIVE)
    expect(second.locator(".live-presence")).to_have_text("Also viewing: Alex Agent", timeout=LIVE)
    screenshot(first, "live-presence")

    # Liam leaves the ticket: Alex's line goes away.
    second.goto("/admin/")
    expect(first.locator(".live-presence")).to_be_hidden(timeout=LIVE)
