"""In-app notifications and preferences: input and output shapes."""

from __future__ import annotations

from rest_framework import serializers

from tickets.models import (
    Notification,
    NotificationKind,
)


class NotificationSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None, allow_null=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "ticket", "ticket_number", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(NotificationKind.choices)
    email = serializers.BooleanField()
    in_app = serializers.BooleanField()
