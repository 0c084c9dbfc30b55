"""Comments: ``/tickets/{id}/comments`` and ``/comments/{id}``."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.idempotency import IDEMPOTENCY_PARAMETER, answer_once
from helpdesk.api.throttling import WriteThrottle
from tickets import access, services
from tickets.api.serializers import CommentSerializer, CommentWriteSerializer
from tickets.api.views.common import expected_version, visible_ticket
from tickets.api.views.tickets import CREATE_ERRORS, ERRORS, IF_MATCH, WRITE_ERRORS
from tickets.models import Comment
from tickets.selectors import comments_visible_to


class TicketCommentsView(generics.GenericAPIView):
    """The conversation of one ticket; customers never see internal notes."""

    serializer_class = CommentSerializer
    throttle_classes = [WriteThrottle]

    def get_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no pk
            return Comment.objects.none()
        ticket = visible_ticket(self.request, self.kwargs["pk"])
        return comments_visible_to(self.request.user, ticket).order_by("created_at", "id")

    @extend_schema(summary="List a ticket's comments", responses={200: CommentSerializer(many=True), **ERRORS})
    def get(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a public reply or an internal note",
        request=CommentWriteSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_PARAMETER],
        responses={201: CommentSerializer, **CREATE_ERRORS, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        return answer_once(request, lambda: self._add(request, pk))

    def _add(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        data = CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(
            actor=request.user,
            ticket=ticket,
            body=data.validated_data["body"],
            is_internal=data.validated_data["is_internal"],
            expected_version=expected_version(request),
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class CommentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One comment: its author edits it; its author or an admin deletes it."""

    lookup_value_regex = r"\d{1,18}"
    serializer_class = CommentSerializer
    throttle_classes = [WriteThrottle]
    queryset = Comment.objects.select_related("ticket", "author").prefetch_related("attachments__uploaded_by")

    def get_object(self) -> Comment:
        comment = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not access.can_view_comment(self.request.user, comment):
            raise Http404
        return comment

    def _edit(self, request: Request) -> Response:
        data = CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_edit(actor=request.user, comment=self.get_object(), body=data.validated_data["body"])
        return Response(self.get_serializer(comment).data)

    @extend_schema(request=CommentWriteSerializer, responses={200: CommentSerializer, **WRITE_ERRORS})
    def update(self, request: Request, pk: str) -> Response:
        return self._edit(request)

    @extend_schema(request=CommentWriteSerializer, responses={200: CommentSerializer, **WRITE_ERRORS})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._edit(request)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted"), **WRITE_ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        services.comment_delete(actor=request.user, comment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
