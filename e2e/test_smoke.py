"""The browser setup itself: an agent reaches a styled admin, a customer is refused, the internet is out of reach."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from tickets.models import Category, SLAPolicy

# The live server answers from another thread: it sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_agent_logs_into_a_styled_admin(page, live_server, login, screenshot):
    agent = UserFactory(email="agent@example.com", role=Role.AGENT)

    login(page, live_server, agent.email, PASSWORD)

    expect(page.locator("#content")).to_be_visible()
    # Unstyled, the header would keep the browser's transparent background.
    expect(page.locator("#header")).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
    stylesheet = page.request.get(f"{live_server.url}/static/admin/css/base.css")
    assert stylesheet.status == 200
    assert stylesheet.headers["content-type"].startswith("text/css")

    path = screenshot(page, "admin-index")
    assert path.name == "admin-index.png"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 0


def test_customer_is_refused_by_the_admin_login(page, live_server):
    customer = UserFactory(email="customer@example.com", role=Role.CUSTOMER)

    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(customer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/admin/login/"))


def test_pages_cannot_reach_the_internet(page, blocked_requests):
    page.goto("/admin/login/")
    outcome = page.evaluate(
        """() => fetch("https://example.com/", {mode: "no-cors"}).then(() => "reached", (e) => "failed: " + e)"""
    )
    assert outcome.startswith("failed")

    # Last: Chromium then shows its error page, which would interrupt a following navigation.
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("http://example.com/")

    # Refused by our route handler, not merely unreachable from wherever the tests run.
    assert {"https://example.com/", "http://example.com/"} <= set(blocked_requests)


def test_seeded_rows_are_back_for_every_browser_test(page):
    # The tests before this one emptied the tables; serialized_rollback must restore what the
    # migrations seed, also while Playwright's event loop runs in this thread (see e2e/conftest.py).
    assert Category.objects.exists()
    assert SLAPolicy.objects.exists()
