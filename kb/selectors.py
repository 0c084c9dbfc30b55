"""Reads: the articles a reader may see, searched and ranked, and their feedback figures."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, Count, FloatField, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from accounts.models import User
from kb.access import can_see_stats, visibility_filter
from kb.models import Article, Category, Feedback

MAX_TERM = 200


def articles_visible_to(user: User | AnonymousUser) -> QuerySet[Article]:
    """Every article ``user`` may read, with what lists and pages show fetched once."""
    queryset = Article.objects.select_related("category", "author", "updated_by").prefetch_related("tags")
    condition = visibility_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def published_for_customers() -> QuerySet[Article]:
    """What the portal and its suggestions offer: published public articles."""
    return articles_visible_to(AnonymousUser())


def categories_in_order() -> QuerySet[Category]:
    return Category.objects.select_related("team").order_by("position", "name")


def _query(term: str, any_word: bool) -> str:
    term = " ".join(term.replace("\x00", " ").split())[:MAX_TERM]
    return " or ".join(term.split()) if any_word else term


def search_condition(term: str, *, any_word: bool = False) -> Q:
    """Full text on PostgreSQL (the stored, GIN-indexed ``search_vector``); the words in title or body on SQLite.

    Every word must match, unless ``any_word`` (a typed ticket subject is a sentence, not a query).
    """
    term = _query(term, any_word)
    if connection.vendor == "postgresql":
        matches = RawSQL(
            '"kb_article"."search_vector" @@ websearch_to_tsquery(\'english\', %s)', [term], output_field=BooleanField()
        )
        return Q(matches)
    words = Q()
    for word in term.split():
        if any_word and word == "or":
            continue
        matches = Q(title__icontains=word) | Q(body__icontains=word)
        words = (words | matches) if any_word else (words & matches)
    # No word left to look for (only "or"s): nothing matches, rather than everything.
    return words if words else Q(pk__in=[])


def search_ranked(queryset: QuerySet[Article], term: str, *, any_word: bool = False) -> QuerySet[Article]:
    """``queryset`` narrowed to ``term``, best match first (ts_rank on PostgreSQL, newest on SQLite)."""
    queryset = queryset.filter(search_condition(term, any_word=any_word))
    if connection.vendor != "postgresql":
        return queryset.order_by("-updated_at", "-id")
    rank = RawSQL(
        'ts_rank("kb_article"."search_vector", websearch_to_tsquery(\'english\', %s))',
        [_query(term, any_word)],
        output_field=FloatField(),
    )
    return queryset.annotate(rank=rank).order_by("-rank", "-updated_at", "-id")


def with_feedback_counts(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Articles annotated with ``helpful_yes`` and ``helpful_no`` (one aggregate query with the rows)."""
    return queryset.annotate(
        helpful_yes=Count("feedback", filter=Q(feedback__helpful=True)),
        helpful_no=Count("feedback", filter=Q(feedback__helpful=False)),
    )


def stats_rows(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """The deflection report's rows: each article with its views, votes and suggested opens."""
    return with_feedback_counts(
        queryset.select_related(None)
        .prefetch_related(None)
        .only("id", "title", "slug", "status", "visibility", "view_count", "suggested_open_count", "updated_at")
    )


def deflection_summary(user: User | AnonymousUser, limit: int = 10) -> dict | None:
    """For the console's reports page: totals and the most viewed articles; None for who may not see it."""
    if not can_see_stats(user):
        return None
    rows = stats_rows(Article.objects.all())
    totals = rows.aggregate(views=Sum("view_count"), suggested_opens=Sum("suggested_open_count"))
    votes = Feedback.objects.aggregate(
        helpful_yes=Count("pk", filter=Q(helpful=True)), helpful_no=Count("pk", filter=Q(helpful=False))
    )
    return {
        "totals": {key: value or 0 for key, value in {**totals, **votes}.items()},
        "rows": list(rows.order_by("-view_count", "-id")[:limit]),
    }
