"""``/notifications``: the in-app alerts of the signed-in user, and their preferences."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.pagination import KeysetPagination
from tickets.api.serializers import NotificationPreferenceSerializer, NotificationSerializer
from tickets.models import Notification, NotificationKind, NotificationPreference
from tickets.services.notifications import notification_mark_read, notification_preferences_set

UNREAD = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})
MARKED = inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})


class NotificationPagination(KeysetPagination):
    """The page also says how many notifications are unread in all."""

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread"] = {"type": "integer", "description": "Unread notifications in all."}
        paginated["required"].append("unread")
        return paginated


class NotificationViewSet(viewsets.GenericViewSet):
    """Your notifications, newest first; ``?unread=true`` for the unread ones."""

    lookup_value_regex = r"\d{1,18}"
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        queryset = Notification.objects.filter(recipient=self.request.user, in_app=True).select_related("ticket")
        if self.request.query_params.get("unread", "").lower() in ("1", "true", "yes"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset.order_by("-created_at", "-id")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["unread"] = self._unread(request)
        return response

    def _unread(self, request: Request) -> int:
        return Notification.objects.filter(recipient=request.user, in_app=True, read_at__isnull=True).count()

    @extend_schema(responses=UNREAD)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": self._unread(request)})

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=MARKED)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notification_mark_read(user=request.user)})

    @extend_schema(responses=NotificationPreferenceSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def preferences(self, request: Request) -> Response:
        return Response(self._preferences(request))

    @extend_schema(
        request=NotificationPreferenceSerializer(many=True), responses=NotificationPreferenceSerializer(many=True)
    )
    @preferences.mapping.put
    def set_preferences(self, request: Request) -> Response:
        data = NotificationPreferenceSerializer(data=request.data, many=True)
        data.is_valid(raise_exception=True)
        chosen = {item["kind"]: {"email": item["email"], "in_app": item["in_app"]} for item in data.validated_data}
        notification_preferences_set(user=request.user, preferences=chosen)
        return Response(self._preferences(request))

    def _preferences(self, request: Request) -> list[dict]:
        saved = {p.kind: p for p in NotificationPreference.objects.filter(user=request.user)}
        return [
            {
                "kind": kind,
                "email": saved[kind].email if kind in saved else True,
                "in_app": saved[kind].in_app if kind in saved else True,
            }
            for kind in NotificationKind.values
        ]
