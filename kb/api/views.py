"""``/api/v1/kb/``: articles (read, write, publish, feedback), categories, and the deflection report."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.throttling import WriteThrottle
from kb import access, services
from kb.api.filters import ArticleFilter
from kb.api.serializers import (
    ArticleCreateSerializer,
    ArticleSerializer,
    ArticleStatsSerializer,
    ArticleWriteSerializer,
    CategorySerializer,
    FeedbackResultSerializer,
    FeedbackSerializer,
)
from kb.models import Article, Category
from kb.selectors import articles_visible_to, categories_in_order, stats_rows

ERRORS = {
    400: OpenApiResponse(description="VALIDATION_ERROR"),
    401: OpenApiResponse(description="UNAUTHORIZED"),
    403: OpenApiResponse(description="FORBIDDEN"),
    404: OpenApiResponse(description="NOT_FOUND"),
}


def _write_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "category" in fields and fields["category"] is None:
        fields["clear_category"] = True
    return fields


@extend_schema_view(
    list=extend_schema(
        summary="Articles you may read (customers: published public ones)",
        responses={200: ArticleSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One article", responses={200: ArticleSerializer, **ERRORS}),
    destroy=extend_schema(summary="Delete an article (team leads, managers, admins)", responses={204: None, **ERRORS}),
)
class ArticleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d{1,18}"
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter
    throttle_classes = [WriteThrottle]

    def get_queryset(self) -> QuerySet[Article]:
        return articles_visible_to(self.request.user)

    def _article(self, pk: str) -> Article:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _answer(self, article: Article, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=article.pk)
        return Response(ArticleSerializer(fresh, context={"request": self.request}).data, status=code)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ArticleSerializer(self._article(pk), context={"request": request}).data)

    @extend_schema(
        summary="Write an article (staff; a draft unless publish=true by a publisher)",
        request=ArticleCreateSerializer,
        responses={201: ArticleSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = ArticleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        article = services.article_create(actor=request.user, **fields)
        return self._answer(article, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit an article (all fields)",
        request=ArticleWriteSerializer,
        responses={200: ArticleSerializer, **ERRORS},
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        summary="Edit an article (some fields)",
        request=ArticleWriteSerializer,
        responses={200: ArticleSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: Request, pk: str, *, partial: bool) -> Response:
        article = self._article(pk)
        data = ArticleWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        article = services.article_update(actor=request.user, article=article, **_write_fields(data.validated_data))
        return self._answer(article)

    def destroy(self, request: Request, pk: str) -> Response:
        services.article_delete(actor=request.user, article=self._article(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Publish (team leads, managers, admins)", request=None, responses={200: ArticleSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return self._answer(services.article_publish(actor=request.user, article=self._article(pk)))

    @extend_schema(
        summary="Back to draft (team leads, managers, admins)",
        request=None,
        responses={200: ArticleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str) -> Response:
        return self._answer(services.article_unpublish(actor=request.user, article=self._article(pk)))

    @extend_schema(
        summary="Did this help? (one answer per user; again changes it)",
        request=FeedbackSerializer,
        responses={200: FeedbackResultSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str) -> Response:
        article = self._article(pk)
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.article_feedback(article=article, user=request.user, helpful=data.validated_data["helpful"])
        return Response({"article": article.pk, "helpful": answer.helpful})


@extend_schema_view(
    list=extend_schema(summary="Article categories", responses={200: CategorySerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="One article category", responses={200: CategorySerializer, **ERRORS}),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Categories are managed in the console (managers and admins); everyone signed in reads them."""

    lookup_value_regex = r"\d{1,18}"
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Category]:
        return categories_in_order()


class CanSeeStats(BasePermission):
    message = "Only team leads, managers and admins see the knowledge base's figures."

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.can_see_stats(request.user)


@extend_schema(
    summary="Deflection report: views, helpful yes/no and suggested opens per article",
    description="Most viewed first. Team leads, managers and admins.",
    responses={200: ArticleStatsSerializer(many=True), **ERRORS},
)
class StatsView(generics.ListAPIView):
    serializer_class = ArticleStatsSerializer
    permission_classes = [CanSeeStats]

    def get_queryset(self) -> QuerySet[Article]:
        return stats_rows(Article.objects.all()).order_by("-view_count", "-id")
