"""The knowledge base in a real browser: subject suggestions on the new-ticket form, and the console's link picker."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, TeamFactory, UserFactory
from kb.models import Article
from kb.tests.factories import article
from tickets import services
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def library():
    manager = UserFactory(email="manager@example.com", role=Role.MANAGER)
    return {
        "vpn": article(manager, title="Connecting to the VPN from home", body="Start the **client**; choose *Office*."),
        "printer": article(manager, title="Printer shows paused", body="Choose Resume."),
        "draft": article(manager, title="VPN migration plan", body="Not yet.", published=False),
    }


def test_the_new_ticket_form_suggests_articles_as_the_subject_is_typed(page, live_server, library, screenshot):
    customer = UserFactory(email="cara@example.org", role=Role.CUSTOMER)
    page.goto("/portal/account/login/")
    page.get_by_label("Email address").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/portal/"))

    page.goto("/portal/tickets/new/")
    suggestions = page.locator("#kb-suggestions")
    expect(suggestions).to_be_hidden()
    page.get_by_label("Subject").press_sequentially("My vpn will not connect", delay=20)
    expect(suggestions).to_be_visible()
    links = suggestions.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_have_text("Connecting to the VPN from home")
    expect(suggestions).not_to_contain_text("VPN migration plan")  # drafts never
    screenshot(page, "kb-suggestions")

    # Opened from the form (in a new tab, so the draft ticket stays): counted as a suggested open.
    with page.context.expect_page() as opened:
        links.first.click()
    article_page = opened.value
    expect(article_page.get_by_role("heading", name="Connecting to the VPN from home")).to_be_visible()
    expect(article_page.locator(".kb-body strong")).to_have_text("client")
    vpn = Article.objects.get(pk=library["vpn"].pk)
    assert (vpn.view_count, vpn.suggested_open_count) == (1, 1)

    # Did it help? Yes.
    article_page.get_by_role("button", name="Yes").click()
    expect(article_page.locator(".pt-messages")).to_contain_text("Thank you for your feedback.")
    assert vpn.feedback.get().helpful is True

    # The subject changes: the suggestions follow; the form still sends.
    subject = page.get_by_label("Subject")
    subject.fill("")
    subject.press_sequentially("printer paused", delay=20)
    expect(links.first).to_have_text("Printer shows paused")
    page.get_by_label("Description").fill("Every morning.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".pt-messages")).to_contain_text("Your ticket number is TICK-")


def test_an_agent_inserts_an_article_link_into_a_reply(page, live_server, login, library):
    agent = UserFactory(email="agent@example.com", role=Role.AGENT)
    customer = UserFactory(email="cara@example.org", role=Role.CUSTOMER)
    team = TeamFactory(name="Desk", lead=agent, members=[agent])
    ticket = services.ticket_create(
        actor=agent, subject="Printer problem", category=category(), team=team, requester=customer
    )
    login(page, live_server, agent.email, PASSWORD)
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    panel = page.locator("#kb-link-panel")
    expect(panel).to_contain_text("Printer shows paused")  # matched on the subject
    panel.get_by_label("Search articles").fill("vpn home")
    expect(panel.get_by_role("link", name="Connecting to the VPN from home")).to_be_visible()
    expect(panel).not_to_contain_text("VPN migration plan")
    panel.locator("li", has_text="Connecting to the VPN from home").get_by_role("button", name="Insert").click()
    reply = page.locator("#reply-form textarea[name=body]")
    expect(reply).to_have_value(f"Connecting to the VPN from home: {live_server.url}/portal/kb/{library['vpn'].slug}/")
