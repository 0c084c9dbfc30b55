"""Article list filters: status, visibility, category, tag, full-text search, ordering."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from helpdesk.api.filters import MultiValueFilter, ordering_terms
from kb.models import Article
from kb.selectors import search_condition
from tickets.models import Tag

ORDERING_FIELDS = {
    "updated_at": "updated_at",
    "created_at": "created_at",
    "published_at": "published_at",
    "title": "title",
    "views": "view_count",
    "view_count": "view_count",
}
DEFAULT_ORDERING = ["-updated_at"]


def _choice(choices: list[str]):
    return lambda value: value.lower() if value.lower() in choices else None


class ArticleFilter(django_filters.FilterSet):
    status = MultiValueFilter(field_name="status", parse=_choice(Article.Status.values))
    visibility = MultiValueFilter(field_name="visibility", parse=_choice(Article.Visibility.values))
    category = MultiValueFilter(field_name="category__slug", parse=lambda v: v.lower()[:100] or None)
    tag = MultiValueFilter(field_name="tags__name", method="filter_tag", parse=lambda v: Tag.normalize(v) or None)
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    ordering = django_filters.CharFilter(method="filter_nothing", max_length=200)

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_tag(self, queryset: QuerySet, name: str, values: list[str]) -> QuerySet:
        tagged = Article.tags.through.objects.filter(article_id=OuterRef("pk"), tag__name__in=values)
        return queryset.filter(Exists(tagged))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_condition(value)) if value.strip() else queryset

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # read by ``qs`` below

    @property
    def qs(self) -> QuerySet:
        return super().qs.order_by(*article_ordering(self.data.get("ordering")))


def article_ordering(raw: Any) -> list[str]:
    """``ordering=-views,title``: public names mapped to fields; unknown names are a 400."""
    return ordering_terms(raw, ORDERING_FIELDS) if raw else list(DEFAULT_ORDERING)
