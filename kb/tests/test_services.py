"""The knowledge base's writes: counters that never lose a count, feedback that never doubles."""

import threading

import pytest
from django.db import close_old_connections, connection

from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from kb import services
from kb.models import Article, Feedback
from kb.tests.factories import article

COUNTERS = 8


def test_a_view_is_one_atomic_update_that_leaves_the_edit_time(db, manager, django_assert_num_queries):
    published = article(manager)
    stale = Article.objects.get(pk=published.pk)
    before = published.updated_at
    with django_assert_num_queries(1) as captured:
        services.article_record_view(article_id=published.pk, from_suggestion=True)
    sql = captured.captured_queries[0]["sql"]
    assert sql.startswith('UPDATE "kb_article" SET "view_count" = ("kb_article"."view_count" + 1)'), sql
    services.article_record_view(article_id=stale.pk)
    published.refresh_from_db()
    assert (published.view_count, published.suggested_open_count) == (2, 1)
    assert published.updated_at == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_are_all_counted(manager):
    published = article(manager)
    start = threading.Barrier(COUNTERS)
    failures = []

    def view():
        try:
            start.wait(timeout=10)
            services.article_record_view(article_id=published.pk)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=view) for _ in range(COUNTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    published.refresh_from_db()
    assert published.view_count == COUNTERS


def test_feedback_again_changes_the_one_answer(db, customer, manager):
    published = article(manager)
    services.article_feedback(article=published, user=customer, helpful=True)
    services.article_feedback(article=published, user=customer, helpful=False)
    services.article_feedback(article=published, session_key="abc", helpful=True)
    services.article_feedback(article=published, session_key="abc", helpful=True)
    rows = Feedback.objects.order_by("pk").values_list("user_id", "session_key", "helpful")
    assert list(rows) == [(customer.pk, "", False), (None, "abc", True)]


def test_feedback_on_a_draft_is_not_found_for_a_customer(db, customer, manager):
    draft = article(manager, published=False)
    with pytest.raises(NotFound):
        services.article_feedback(article=draft, user=customer, helpful=True)
    with pytest.raises(ValidationFailed):
        services.article_feedback(article=article(manager, title="Other"), helpful=True)


def test_updates_render_again_and_record_the_editor(db, agent, manager):
    written = services.article_create(actor=agent, title="Guide", body="*one*")
    services.article_update(actor=manager, article=written, body="**two**", tags=["A b"])
    written.refresh_from_db()
    assert written.body_html == "<p><strong>two</strong></p>\n"
    assert written.updated_by == manager and written.author == agent
    assert [tag.name for tag in written.tags.all()] == ["a-b"]


def test_publishing_twice_keeps_the_first_time(db, manager):
    published = article(manager)
    first = published.published_at
    services.article_publish(actor=manager, article=published)
    published.refresh_from_db()
    assert published.published_at == first


def test_an_agent_cannot_publish_through_the_service(db, agent):
    written = services.article_create(actor=agent, title="Guide")
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=agent, article=written)
    with pytest.raises(PermissionDenied):
        services.article_create(actor=agent, title="At once", publish=True)
    with pytest.raises(ValidationFailed):
        services.article_create(actor=agent, title="   ")
