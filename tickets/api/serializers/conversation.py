"""Comments, attachments and history: input and output shapes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from tickets import access
from tickets.models import (
    Attachment,
    Comment,
    TicketEvent,
)


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserSummarySerializer(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "ticket",
            "comment",
            "filename",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
            "scan_status",
            "scanned_at",
            "download_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "scan_status": {
                "help_text": "The virus scan (VIRUS_SCAN_ENABLED): with scanning on, only a clean file downloads; "
                "pending waits for clamd; infected and unscannable files were deleted."
            }
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse("api:attachment-detail", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    comment_id = serializers.IntegerField(required=False)


class CommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    content = serializers.CharField(source="body", read_only=True, help_text="Alias of body (seed 004).")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "ticket", "author", "body", "content", "is_internal", "created_at", "edited_at", "attachments"]
        read_only_fields = fields


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True, write_only=True, help_text="Alias of body.")
    is_internal = serializers.BooleanField(required=False, default=False)
    comment_type = serializers.CharField(required=False, write_only=True, help_text="Seed 004; INTERNAL = a note.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        body = attrs.get("body") or attrs.pop("content", "")
        attrs.pop("content", None)
        if not (body or "").strip():
            raise serializers.ValidationError({"body": ["A comment needs some text (body or content)."]})
        attrs["body"] = body
        if attrs.pop("comment_type", "").strip().lower() in ("internal", "internal_note", "note"):
            attrs["is_internal"] = True
        return attrs


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    metadata = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "field", "old_value", "new_value", "actor", "metadata", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_metadata(self, event: TicketEvent) -> dict[str, Any]:
        request = self.context.get("request")
        if request is not None and not access.can_see_internal(request.user):
            # Assignment notes are written for colleagues, not for the requester.
            return {k: v for k, v in event.metadata.items() if k != "notes"}
        return event.metadata
