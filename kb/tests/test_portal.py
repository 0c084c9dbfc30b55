"""The portal's knowledge base: list, search, category, article page, view counts, feedback, suggestions."""

import pytest
from django.urls import reverse

from kb.models import Article, Feedback
from kb.tests.factories import article, category

pytestmark = pytest.mark.django_db


def test_visitors_browse_published_articles_only(client, published, draft, internal):
    response = client.get("/portal/kb/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reset your password" in page
    assert "Unreleased VPN guide" not in page and "Escalation contacts" not in page


def test_search_and_category_filter(client, manager, published, team_category):
    billing = category("Billing")
    article(manager, title="Invoices by email", body="Sent monthly.", category=billing)
    assert [a.title for a in client.get("/portal/kb/?q=invoices").context["page"]] == ["Invoices by email"]
    assert [a.title for a in client.get("/portal/kb/?category=billing").context["page"]] == ["Invoices by email"]
    assert [a.title for a in client.get("/portal/kb/?category=accounts").context["page"]] == ["Reset your password"]
    assert [a.title for a in client.get("/portal/kb/?q=password&category=billing").context["page"]] == []
    response = client.get("/portal/kb/?category=nope&q=" + "x" * 300)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_a_draft_or_internal_article_is_404_for_customers_and_visitors(client, customer, draft, internal):
    for slug in (draft.slug, internal.slug):
        assert client.get(f"/portal/kb/{slug}/").status_code == 404
    client.force_login(customer)
    for slug in (draft.slug, internal.slug):
        assert client.get(f"/portal/kb/{slug}/").status_code == 404
        assert client.post(f"/portal/kb/{slug}/feedback/", {"helpful": "yes"}).status_code == 404
    assert not Feedback.objects.exists()


def test_staff_preview_a_draft_without_counting_a_view(client, agent, draft):
    client.force_login(agent)
    response = client.get(f"/portal/kb/{draft.slug}/")
    assert response.status_code == 200 and "Draft: customers cannot see this article." in response.content.decode()
    draft.refresh_from_db()
    assert draft.view_count == 0


def test_the_article_page_shows_sanitized_html(client, manager):
    hostile = article(manager, title="Hostile", body="<script>alert(1)</script> [x](javascript:alert(1)) **ok**")
    page = client.get(f"/portal/kb/{hostile.slug}/").content.decode()
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<strong>ok</strong>" in page


def test_a_view_counts_once_per_session(client, published):
    for _ in range(3):
        client.get(f"/portal/kb/{published.slug}/")
    published.refresh_from_db()
    assert published.view_count == 1 and published.suggested_open_count == 0
    other = type(client)()
    other.get(f"/portal/kb/{published.slug}/")
    published.refresh_from_db()
    assert published.view_count == 2


def test_opening_a_suggestion_counts_a_suggested_open_once(client, published):
    client.get(f"/portal/kb/{published.slug}/?from=suggest")
    client.get(f"/portal/kb/{published.slug}/?from=suggest")
    client.get(f"/portal/kb/{published.slug}/")
    published.refresh_from_db()
    assert (published.view_count, published.suggested_open_count) == (1, 1)


def test_viewing_does_not_touch_the_updated_time(client, published):
    before = published.updated_at
    client.get(f"/portal/kb/{published.slug}/")
    published.refresh_from_db()
    assert published.updated_at == before


def test_feedback_is_one_per_session_and_repeats_change_it(client, published):
    url = f"/portal/kb/{published.slug}/feedback/"
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    response = client.post(url, {"helpful": "no"}, follow=True)
    assert "Thank you for your feedback." in response.content.decode()
    assert "You said it did not help." in response.content.decode()
    assert list(Feedback.objects.values_list("user_id", "helpful")) == [(None, False)]
    assert Feedback.objects.get().session_key == client.session.session_key


def test_signed_in_feedback_is_per_user_across_sessions(client, customer, published):
    url = f"/portal/kb/{published.slug}/feedback/"
    client.force_login(customer)
    client.post(url, {"helpful": "yes"})
    client.logout()
    client.force_login(customer)
    client.post(url, {"helpful": "no"})
    assert list(Feedback.objects.values_list("user_id", "helpful")) == [(customer.pk, False)]


def test_feedback_rejects_nonsense_without_failing(client, published):
    url = f"/portal/kb/{published.slug}/feedback/"
    response = client.post(url, {"helpful": "maybe"}, follow=True)
    assert "Choose yes or no." in response.content.decode()
    assert client.get(url).status_code == 405
    assert not Feedback.objects.exists()


def test_suggestions_match_any_word_of_a_subject(client, manager, published, draft):
    article(manager, title="VPN drops every hour", body="Renew the certificate.")
    response = client.get(reverse("kb:suggest"), {"q": "my vpn keeps dropping"})
    results = response.json()["results"]
    assert [row["title"] for row in results] == ["VPN drops every hour"]
    assert results[0]["url"] == "/portal/kb/vpn-drops-every-hour/?from=suggest"
    assert results[0]["excerpt"] == "Renew the certificate."
    # A draft never shows, whatever matches.
    assert client.get(reverse("kb:suggest"), {"q": "unreleased roadmap"}).json() == {"results": []}


def test_suggestions_ignore_short_or_hostile_input(client, published):
    for term in ["", "ab", "a\x00bcd", "x" * 5000, '"); drop table kb_article; --', "%_%"]:
        response = client.get(reverse("kb:suggest"), {"q": term})
        assert response.status_code == 200 and "results" in response.json()
    assert Article.objects.count() == 1


def test_the_new_ticket_form_carries_the_suggestion_box(client, customer):
    client.force_login(customer)
    page = client.get(reverse("portal:ticket-new")).content.decode()
    assert 'id="kb-suggestions"' in page and 'data-url="/portal/kb/suggest.json"' in page
    assert "helpdesk/kb-suggest.js" in page


def test_the_portal_menu_links_the_help_articles(client):
    assert 'href="/portal/kb/"' in client.get("/portal/").content.decode()
