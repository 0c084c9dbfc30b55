"""Knowledge-base API shapes: articles out, article fields in, feedback, categories, the deflection report."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from helpdesk.api.fields import StringListField
from kb.markdown import plain_text
from kb.models import Article, Category


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "team", "position"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class CategorySlugField(serializers.Field):
    """A category by slug (or id), without regard to case; null leaves the article uncategorised."""

    default_error_messages = {"unknown": "No category {value!r}. Use one of: {choices}."}

    def to_representation(self, value: Category) -> str:
        return value.slug

    def to_internal_value(self, data: Any) -> Category:
        key = str(data).strip().lower() if isinstance(data, str | int) and not isinstance(data, bool) else ""
        categories = list(Category.objects.all())
        found = next((c for c in categories if key in (c.slug, str(c.pk), c.name.lower())), None)
        if found is None:
            self.fail("unknown", value=str(data)[:50], choices=", ".join(c.slug for c in categories) or "(none yet)")
        return found


def portal_url(request: Any, article: Article, **query: str) -> str:
    path = reverse("kb:article", args=[article.slug])
    if query:
        path += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return request.build_absolute_uri(path) if request is not None else path


class ArticleSerializer(serializers.ModelSerializer):
    category = CategorySlugField(read_only=True, allow_null=True)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    tags = serializers.SerializerMethodField()
    author = UserSummarySerializer(read_only=True)
    excerpt = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The article's page in the customer portal.")
    # Plain strings: an enum named "status" would collide with the tickets' in the schema.
    status = serializers.CharField(read_only=True, help_text="draft or published")

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "slug",
            "excerpt",
            "body",
            "body_html",
            "category",
            "category_name",
            "tags",
            "status",
            "visibility",
            "author",
            "created_at",
            "updated_at",
            "published_at",
            "view_count",
            "url",
        ]
        read_only_fields = fields

    def get_tags(self, article: Article) -> list[str]:
        return [tag.name for tag in article.tags.all()]

    def get_excerpt(self, article: Article) -> str:
        return plain_text(article.body_html)

    def get_url(self, article: Article) -> str:
        return portal_url(self.context.get("request"), article)


class ArticleWriteSerializer(serializers.Serializer):
    """Fields accepted on create (title needed) and update (any subset)."""

    title = serializers.CharField(max_length=200)
    body = serializers.CharField(allow_blank=True, max_length=100_000, required=False, trim_whitespace=False)
    category = CategorySlugField(allow_null=True, required=False)
    tags = StringListField(required=False, max_length=20)
    visibility = serializers.ChoiceField(Article.Visibility.choices, required=False)


class ArticleCreateSerializer(ArticleWriteSerializer):
    publish = serializers.BooleanField(
        default=False, help_text="Publish at once (team leads, managers and admins); otherwise a draft."
    )


class FeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField(
        help_text="Did this article help? One answer per user; answering again changes it."
    )


class FeedbackResultSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    helpful = serializers.BooleanField()


class ArticleStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    visibility = serializers.CharField()
    views = serializers.IntegerField(source="view_count")
    helpful_yes = serializers.IntegerField()
    helpful_no = serializers.IntegerField()
    helpful_percent = serializers.SerializerMethodField(help_text="Share of yes answers; null without answers.")
    suggested_opens = serializers.IntegerField(
        source="suggested_open_count", help_text="Opened from the new-ticket form's suggestions (deflection)."
    )

    def get_helpful_percent(self, row: Article) -> float | None:
        answers = row.helpful_yes + row.helpful_no
        return round(100 * row.helpful_yes / answers, 1) if answers else None
