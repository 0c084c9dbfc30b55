"""The console's knowledge base: writing, previewing, publishing by role, and the reply box's link picker."""

import pytest
from django.urls import reverse

from kb.models import Article
from kb.tests.factories import article
from tickets import services as ticket_services
from tickets.tests.factories import category as ticket_category

pytestmark = pytest.mark.django_db

ADD = reverse("admin:kb_article_add")
LIST = reverse("admin:kb_article_changelist")


def change_url(item):
    return reverse("admin:kb_article_change", args=[item.pk])


def test_an_agent_writes_a_draft_in_the_console(client, agent, team_category):
    client.force_login(agent)
    response = client.post(
        ADD,
        {
            "title": "Clear the browser cache",
            "category": team_category.pk,
            "visibility": "public",
            "tag_names": "browser, Cache",
            "body": "Press **Ctrl+Shift+Del**. <script>x</script>",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    written = Article.objects.get()
    assert written.status == "draft" and written.author == agent
    assert written.body_html == "<p>Press <strong>Ctrl+Shift+Del</strong>. &lt;script&gt;x&lt;/script&gt;</p>\n"
    assert sorted(tag.name for tag in written.tags.all()) == ["browser", "cache"]

    page = client.get(change_url(written)).content.decode()
    assert '<div class="kb-preview"><p>Press <strong>Ctrl+Shift+Del</strong>' in page
    assert "<script>x</script>" not in page


def test_an_agent_edits_an_article_and_it_is_rendered_again(client, agent, manager, team_category):
    written = article(manager, title="Old", body="old", category=team_category)
    client.force_login(agent)
    response = client.post(
        change_url(written),
        {"title": "New", "category": team_category.pk, "visibility": "public", "tag_names": "", "body": "*new*"},
    )
    assert response.status_code == 302
    written.refresh_from_db()
    assert (written.title, written.body_html, written.updated_by) == ("New", "<p><em>new</em></p>\n", agent)
    assert written.status == "published"


def test_an_agent_sees_no_publish_action_and_cannot_delete(client, agent, draft):
    client.force_login(agent)
    page = client.get(LIST).content.decode()
    assert "Unreleased VPN guide" in page
    assert 'value="publish"' not in page and 'value="delete_selected"' not in page
    response = client.post(LIST, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert response.status_code in (200, 302)
    assert client.get(reverse("admin:kb_article_delete", args=[draft.pk])).status_code == 403


def test_an_agent_cannot_write_in_another_teams_category(client, agent, other_category):
    client.force_login(agent)
    response = client.post(
        ADD, {"title": "Sneaky", "category": other_category.pk, "visibility": "public", "tag_names": "", "body": ""}
    )
    assert response.status_code == 200
    assert "belongs to another team" in response.content.decode()
    assert not Article.objects.exists()


def test_a_manager_publishes_and_unpublishes_with_the_actions(client, manager, draft, published):
    client.force_login(manager)
    page = client.get(LIST).content.decode()
    assert 'value="publish"' in page and 'value="unpublish"' in page
    client.post(LIST, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    client.post(LIST, {"action": "unpublish", "_selected_action": [published.pk, draft.pk]})
    assert set(Article.objects.values_list("status", flat=True)) == {"draft"}


def test_the_list_shows_the_feedback_figures(client, manager, published, customer):
    from kb import services

    services.article_feedback(article=published, user=customer, helpful=True)
    Article.objects.filter(pk=published.pk).update(view_count=12, suggested_open_count=4)
    client.force_login(manager)
    response = client.get(LIST)
    row = response.context["cl"].result_list[0]
    assert (row.view_count, row.helpful_yes, row.helpful_no, row.suggested_open_count) == (12, 1, 0, 4)


def test_customers_do_not_enter(client, customer):
    client.force_login(customer)
    assert client.get(LIST).status_code == 302


def test_the_ticket_page_offers_matching_articles_to_link(client, agent, team, customer, manager, published, draft):
    article(manager, title="VPN drops every hour", body="Renew the certificate.")
    ticket = ticket_services.ticket_create(
        actor=team.lead, requester=customer, subject="My VPN drops", category=ticket_category(), team=team
    )
    client.force_login(agent)
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert 'id="kb-link-panel"' in page and 'data-search-url="/api/v1/kb/articles"' in page
    assert 'data-title="VPN drops every hour" data-path="/portal/kb/vpn-drops-every-hour/"' in page
    assert "Unreleased VPN guide" not in page  # a draft is never offered to a customer
    assert "helpdesk/admin/kb.js" in page


def test_categories_are_written_by_managers_only(client, agent, manager):
    client.force_login(agent)
    assert client.get(reverse("admin:kb_category_add")).status_code == 403
    client.force_login(manager)
    response = client.post(
        reverse("admin:kb_category_add"), {"name": "Billing", "slug": "billing", "description": "", "position": 0}
    )
    assert response.status_code == 302


def test_the_reports_page_shows_deflection_to_managers_only(client, manager, agent, customer, published, draft):
    from kb import services

    services.article_feedback(article=published, user=customer, helpful=True)
    services.article_feedback(article=published, user=agent, helpful=False)
    Article.objects.filter(pk=published.pk).update(view_count=9, suggested_open_count=2)
    client.force_login(manager)
    response = client.get("/admin/reports/")
    page = response.content.decode()
    assert "9 article views; 2 opened from the new-ticket form" in page and "1 yes, 1 no." in page
    first = response.context["kb"]["rows"][0]
    assert (first.title, first.view_count, first.helpful_yes, first.helpful_no) == ("Reset your password", 9, 1, 1)
    client.force_login(agent)
    page = client.get("/admin/reports/").content.decode()
    assert 'id="kb-deflection"' not in page
