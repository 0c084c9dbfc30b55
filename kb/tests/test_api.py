"""``/api/v1/kb/``: the permission matrix, writes, publication, feedback, the report, bad input."""

import pytest

from kb.models import Article, Feedback
from kb.tests.factories import article

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/kb/articles"


def titles(response):
    return sorted(row["title"] for row in response.json()["results"])


def test_customers_list_only_published_public_articles(api, customer, published, draft, internal):
    response = api(customer).get(ARTICLES)
    assert response.status_code == 200
    assert titles(response) == ["Reset your password"]
    row = response.json()["results"][0]
    assert row["body_html"] == "<p>Use <strong>Forgot password</strong> on the login page.</p>\n"
    assert row["category"] == "accounts" and row["tags"] == ["login"] and row["status"] == "published"
    assert row["url"] == f"http://testserver/portal/kb/{published.slug}/"


def test_a_draft_is_not_found_for_a_customer_even_by_id_or_search(api, customer, draft, internal):
    client = api(customer)
    for hidden in (draft, internal):
        response = client.get(f"{ARTICLES}/{hidden.pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
    assert titles(client.get(f"{ARTICLES}?search=VPN")) == []
    assert titles(client.get(f"{ARTICLES}?status=draft")) == []
    assert client.post(f"{ARTICLES}/{draft.pk}/feedback", {"helpful": True}, format="json").status_code == 404


def test_agents_of_every_team_see_drafts(api, agent, other_agent, published, draft, internal):
    for user in (agent, other_agent):
        response = api(user).get(ARTICLES)
        assert titles(response) == ["Escalation contacts", "Reset your password", "Unreleased VPN guide"]
    assert titles(api(agent).get(f"{ARTICLES}?status=draft")) == ["Unreleased VPN guide"]


def test_anonymous_callers_are_unauthorized(api, published):
    response = api().get(ARTICLES)
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"


def test_a_customer_cannot_write_or_publish(api, customer, published):
    client = api(customer)
    response = client.post(ARTICLES, {"title": "Mine"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert client.patch(f"{ARTICLES}/{published.pk}", {"title": "Hacked"}, format="json").status_code == 403
    assert client.post(f"{ARTICLES}/{published.pk}/unpublish").status_code == 403
    assert client.delete(f"{ARTICLES}/{published.pk}").status_code == 403
    published.refresh_from_db()
    assert published.title == "Reset your password" and published.status == "published"
    assert Article.objects.count() == 1


def test_an_agent_writes_a_draft_but_cannot_publish_it(api, agent, team_category):
    client = api(agent)
    response = client.post(
        ARTICLES,
        {
            "title": "  Printer paused  ",
            "body": "Choose **Resume**.",
            "category": "Accounts",
            "tags": "printer, Paper Jam",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["title"] == "Printer paused"
    assert body["tags"] == ["paper-jam", "printer"] and body["author"]["email"] == agent.email
    article = Article.objects.get(pk=body["id"])
    assert article.body_html == "<p>Choose <strong>Resume</strong>.</p>\n"

    response = client.patch(f"{ARTICLES}/{article.pk}", {"body": "Choose *Resume* twice."}, format="json")
    assert response.status_code == 200
    assert response.json()["body_html"] == "<p>Choose <em>Resume</em> twice.</p>\n"

    response = client.post(f"{ARTICLES}/{article.pk}/publish")
    assert response.status_code == 403
    assert client.post(ARTICLES, {"title": "Now", "publish": True}, format="json").status_code == 403
    assert client.delete(f"{ARTICLES}/{article.pk}").status_code == 403
    article.refresh_from_db()
    assert article.status == "draft" and article.published_at is None


def test_an_agent_cannot_show_a_published_internal_article_to_customers(api, agent, manager, internal, customer):
    response = api(agent).patch(f"{ARTICLES}/{internal.pk}", {"visibility": "public"}, format="json")
    assert response.status_code == 403
    assert api(customer).get(f"{ARTICLES}/{internal.pk}").status_code == 404
    response = api(manager).patch(f"{ARTICLES}/{internal.pk}", {"visibility": "public"}, format="json")
    assert response.json()["visibility"] == "public"
    assert api(customer).get(f"{ARTICLES}/{internal.pk}").json()["title"] == "Escalation contacts"


def test_an_agent_cannot_write_in_another_teams_category(api, agent, other_category, manager):
    theirs = article(manager, title="Server restart", category=other_category)
    client = api(agent)
    assert client.post(ARTICLES, {"title": "Mine", "category": "servers"}, format="json").status_code == 403
    response = client.patch(f"{ARTICLES}/{theirs.pk}", {"title": "Changed"}, format="json")
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Server restart"


def test_managers_and_team_leads_publish_and_unpublish(api, manager, team_lead, draft, customer):
    response = api(team_lead).post(f"{ARTICLES}/{draft.pk}/publish")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert response.json()["published_at"] is not None
    assert "Unreleased VPN guide" in titles(api(customer).get(ARTICLES))

    response = api(manager).post(f"{ARTICLES}/{draft.pk}/unpublish")
    assert response.json()["status"] == "draft"
    assert api(customer).get(f"{ARTICLES}/{draft.pk}").status_code == 404


def test_a_team_lead_cannot_publish_in_another_teams_category(api, team_lead, manager, other_category):
    theirs = article(manager, title="Server restart", category=other_category, published=False)
    assert api(team_lead).post(f"{ARTICLES}/{theirs.pk}/publish").status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "draft"


def test_manager_deletes_an_article(api, manager, published):
    assert api(manager).delete(f"{ARTICLES}/{published.pk}").status_code == 204
    assert not Article.objects.filter(pk=published.pk).exists()


def test_put_replaces_and_needs_the_title(api, manager, published):
    client = api(manager)
    response = client.put(f"{ARTICLES}/{published.pk}", {"body": "x"}, format="json")
    assert response.status_code == 400 and "title" in response.json()["errors"]
    response = client.put(f"{ARTICLES}/{published.pk}", {"title": "New", "category": None}, format="json")
    assert response.status_code == 200 and response.json()["category"] is None


def test_feedback_is_one_answer_per_user_and_can_change(api, customer, published):
    client = api(customer)
    url = f"{ARTICLES}/{published.pk}/feedback"
    assert client.post(url, {"helpful": True}, format="json").json() == {"article": published.pk, "helpful": True}
    assert client.post(url, {"helpful": True}, format="json").status_code == 200
    assert client.post(url, {"helpful": False}, format="json").json()["helpful"] is False
    assert list(Feedback.objects.values_list("user_id", "helpful")) == [(customer.pk, False)]


def test_stats_are_for_publishers_only(api, agent, customer, team_lead, manager, published, draft):
    api(customer).post(f"{ARTICLES}/{published.pk}/feedback", {"helpful": True}, format="json")
    api(agent).post(f"{ARTICLES}/{published.pk}/feedback", {"helpful": False}, format="json")
    Article.objects.filter(pk=published.pk).update(view_count=7, suggested_open_count=3)
    for user in (customer, agent):
        response = api(user).get("/api/v1/kb/stats")
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    for user in (team_lead, manager):
        rows = api(user).get("/api/v1/kb/stats").json()["results"]
        assert rows[0] == {
            "id": published.pk,
            "title": "Reset your password",
            "status": "published",
            "visibility": "public",
            "views": 7,
            "helpful_yes": 1,
            "helpful_no": 1,
            "helpful_percent": 50.0,
            "suggested_opens": 3,
        }
        assert rows[1]["id"] == draft.pk and rows[1]["helpful_percent"] is None


def test_categories_are_listed_for_everyone_signed_in(api, customer, team_category, other_category):
    response = api(customer).get("/api/v1/kb/categories")
    assert [row["slug"] for row in response.json()] == ["accounts", "servers"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", ARTICLES, {"title": ""}),
        ("post", ARTICLES, {"title": "x" * 201}),
        ("post", ARTICLES, {"title": "ok", "category": "nope"}),
        ("post", ARTICLES, {"title": "ok", "category": ["a"]}),
        ("post", ARTICLES, {"title": "ok", "visibility": "secret"}),
        ("post", ARTICLES, {"title": "ok", "tags": [{"a": 1}]}),
        ("post", ARTICLES, {"title": "a\x00b"}),
        ("post", ARTICLES, {"title": "ok", "publish": "maybe"}),
        ("post", ARTICLES, ["not", "an", "object"]),
        ("get", f"{ARTICLES}?ordering=password", None),
        ("get", f"{ARTICLES}?status=archived", None),
        ("get", f"{ARTICLES}?search=a%00b", None),
        ("get", f"{ARTICLES}?cursor=garbage", None),
        ("get", f"{ARTICLES}?page_size=0", None),
    ],
)
def test_bad_input_is_a_400_in_the_error_shape(api, manager, team_category, method, path, data):
    response = getattr(api(manager), method)(path, data, format="json") if data is not None else api(manager).get(path)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == "error" and body["code"] == "VALIDATION_ERROR" and body["errors"]


def test_search_edge_cases_never_fail(api, customer, published):
    client = api(customer)
    for term in ['"unclosed', "or or", "!!! & | :*", "-", "'", "x" * 500, "日本語"]:
        response = client.get(ARTICLES, {"search": term})
        assert response.status_code in (200, 400), (term, response.content)
        assert response.json().get("status") == "error" or "results" in response.json()


def test_list_query_count_is_fixed(api, agent, manager, team_category, django_assert_num_queries):
    for number in range(12):
        article(manager, title=f"Article {number}", category=team_category, tags=["a", f"t{number}"])
    client = api(agent)
    # Session-less JWT: the user, the page of articles (with category and authors joined), their tags.
    with django_assert_num_queries(3):
        response = client.get(f"{ARTICLES}?page_size=10")
    assert len(response.json()["results"]) == 10
    with django_assert_num_queries(3):
        response = client.get(f"{ARTICLES}?page_size=20&search=Article&tag=a&category=accounts")
    assert len(response.json()["results"]) == 12


def test_detail_query_count_is_fixed(api, customer, published, django_assert_max_num_queries):
    client = api(customer)
    with django_assert_max_num_queries(3):
        response = client.get(f"{ARTICLES}/{published.pk}")
    assert response.json()["title"] == "Reset your password"
