"""Input and output shapes for tickets, comments, attachments and history."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from accounts.models import Organization, Team, User
from helpdesk.api.fields import IdField, LenientChoiceField, StringListField
from tickets import access
from tickets.choices import (
    Channel,
    Environment,
    ImpactLevel,
    Priority,
    Status,
    parse_choice,
    parse_priority,
    parse_status,
)
from tickets.models import (
    Attachment,
    BusinessCalendar,
    Category,
    Comment,
    Holiday,
    Notification,
    NotificationKind,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
    WorkingHours,
)
from tickets.sla import SlaState


def category_key(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


@extend_schema_field(OpenApiTypes.STR)
class CategoryField(serializers.Field):
    """A category by slug (``technical``, ``feature_request``) or name, without regard to case."""

    default_error_messages = {"unknown": "Unknown category {value!r}. Use one of: {choices}."}

    def to_internal_value(self, data: Any) -> Category:
        key = category_key(str(data))
        category = next(
            (c for c in Category.objects.filter(is_active=True) if key in (c.slug, category_key(c.name))), None
        )
        if category is None:
            choices = ", ".join(Category.objects.filter(is_active=True).values_list("slug", flat=True))
            self.fail("unknown", value=data, choices=choices)
        return category

    def to_representation(self, value: Category) -> str:
        return value.slug


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="subject", read_only=True, help_text="Alias of subject (seed 004).")
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    requester = UserSummarySerializer(read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    organization = NamedRefSerializer(read_only=True, allow_null=True)
    team = NamedRefSerializer(read_only=True, allow_null=True)
    environment = serializers.ChoiceField(Environment.choices, read_only=True, allow_blank=True)
    impact_level = serializers.ChoiceField(ImpactLevel.choices, read_only=True, allow_blank=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    sla_policy = serializers.CharField(source="sla_policy.name", read_only=True, default=None, allow_null=True)
    sla_state = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "title",
            "description",
            "status",
            "priority",
            "category",
            "category_name",
            "requester",
            "organization",
            "team",
            "assignee",
            "tags",
            "channel",
            "environment",
            "affected_service",
            "impact_level",
            "resolution_notes",
            "sla_policy",
            "sla_state",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "first_response_breached",
            "resolution_breached",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[s.value for s in SlaState]))
    def get_sla_state(self, ticket: Ticket) -> str:
        return ticket.sla_state(self.context.get("now") or timezone.now()).value


class TicketWriteSerializer(serializers.Serializer):
    """Fields accepted on create and update; seed aliases (``title``, ``P1``, ``INCIDENT``) included."""

    subject = serializers.CharField(max_length=255, required=False)
    title = serializers.CharField(max_length=255, required=False, write_only=True, help_text="Alias of subject.")
    description = serializers.CharField(required=False, allow_blank=True)
    category = CategoryField(required=False)
    priority = LenientChoiceField(Priority.choices, parse_priority, required=False)
    tags = StringListField(required=False)
    environment = LenientChoiceField(
        Environment.choices, lambda v: parse_choice(v, Environment), required=False, allow_blank=True
    )
    affected_service = serializers.CharField(max_length=200, required=False, allow_blank=True)
    impact_level = LenientChoiceField(
        ImpactLevel.choices, lambda v: parse_choice(v, ImpactLevel), required=False, allow_blank=True
    )
    team_id = IdField(source="team", queryset=Team.objects.all(), required=False, allow_null=True)
    organization_id = IdField(
        source="organization", queryset=Organization.objects.all(), required=False, allow_null=True
    )
    assignee_id = IdField(
        source="assignee", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    status = LenientChoiceField(Status.choices, parse_status, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        title = attrs.pop("title", None)
        if title is not None and "subject" not in attrs:
            attrs["subject"] = title
        return attrs


class TicketCreateSerializer(TicketWriteSerializer):
    requester_id = IdField(source="requester", queryset=User.objects.filter(is_active=True), required=False)
    customer_email = serializers.EmailField(
        required=False, help_text="Staff: open the ticket for this customer (created if new). Seed 002."
    )
    channel = LenientChoiceField(Channel.choices, lambda v: parse_choice(v, Channel), required=False)
    status = None  # a new ticket always starts as new

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not attrs.get("subject"):
            raise serializers.ValidationError({"subject": ["A subject (or title) is required."]})
        return attrs


class TicketReplaceSerializer(TicketWriteSerializer):
    """PUT: the subject must be given; the other fields keep their value when left out."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not attrs.get("subject"):
            raise serializers.ValidationError({"subject": ["PUT needs the subject (or title)."]})
        return attrs


class AssignSerializer(serializers.Serializer):
    assignee_id = IdField(
        source="assignee", queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    team_id = IdField(source="team", queryset=Team.objects.all(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "assignee" not in attrs and "team" not in attrs:
            raise serializers.ValidationError({"assignee_id": ["Give assignee_id (null to unassign) or team_id."]})
        return attrs


class StatusSerializer(serializers.Serializer):
    status = LenientChoiceField(Status.choices, parse_status)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PrioritySerializer(serializers.Serializer):
    priority = LenientChoiceField(Priority.choices, parse_priority)


class ResolveSerializer(serializers.Serializer):
    resolution_notes = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True, help_text="Alias of note.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"note": attrs.get("note") or attrs.get("reason", "")}


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
            "download_url",
        ]
        read_only_fields = fields

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


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "09:00"})
class LocalTimeField(serializers.TimeField):
    """A local wall-clock time without a zone (``09:00``); the calendar's zone gives its meaning."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class WorkingHoursSerializer(serializers.ModelSerializer):
    starts_at = LocalTimeField()
    ends_at = LocalTimeField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "starts_at", "ends_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["starts_at"] >= attrs["ends_at"]:
            raise serializers.ValidationError({"ends_at": ["Working hours end after they start, on the same day."]})
        return attrs


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "name"]


class BusinessCalendarSerializer(serializers.ModelSerializer):
    hours = WorkingHoursSerializer(many=True)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "hours", "holidays"]
        read_only_fields = ["id"]

    def validate_hours(self, hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not hours:
            raise serializers.ValidationError("A calendar needs some working hours.")
        by_day: dict[int, list[tuple]] = {}
        for item in hours:
            by_day.setdefault(item["weekday"], []).append((item["starts_at"], item["ends_at"]))
        for pairs in by_day.values():
            pairs.sort()
            if any(end > start for (_, end), (start, _) in zip(pairs, pairs[1:], strict=False)):
                raise serializers.ValidationError("Working hours of one day must not overlap.")
        return hours

    def _save_children(self, calendar: BusinessCalendar, hours: list | None, holidays: list | None) -> None:
        if hours is not None:
            calendar.hours.all().delete()
            WorkingHours.objects.bulk_create([WorkingHours(calendar=calendar, **item) for item in hours])
        if holidays is not None:
            calendar.holidays.all().delete()
            Holiday.objects.bulk_create([Holiday(calendar=calendar, **item) for item in holidays])

    def create(self, validated: dict[str, Any]) -> BusinessCalendar:
        hours, holidays = validated.pop("hours"), validated.pop("holidays", [])
        calendar = BusinessCalendar.objects.create(**validated)
        self._save_children(calendar, hours, holidays)
        return calendar

    def update(self, calendar: BusinessCalendar, validated: dict[str, Any]) -> BusinessCalendar:
        hours, holidays = validated.pop("hours", None), validated.pop("holidays", None)
        for name, value in validated.items():
            setattr(calendar, name, value)
        calendar.save()
        self._save_children(calendar, hours, holidays)
        return calendar


class SLATargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SLATarget
        fields = ["priority", "first_response_minutes", "resolution_minutes"]


class SLAPolicySerializer(serializers.ModelSerializer):
    targets = SLATargetSerializer(many=True)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "name",
            "description",
            "position",
            "is_active",
            "category",
            "organization",
            "team",
            "at_risk_percent",
            "targets",
        ]
        read_only_fields = ["id"]

    def validate_targets(self, targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        priorities = [target["priority"] for target in targets]
        if len(priorities) != len(set(priorities)):
            raise serializers.ValidationError("One target per priority.")
        return targets

    def create(self, validated: dict[str, Any]) -> SLAPolicy:
        targets = validated.pop("targets")
        policy = SLAPolicy.objects.create(**validated)
        SLATarget.objects.bulk_create([SLATarget(policy=policy, **target) for target in targets])
        return policy

    def update(self, policy: SLAPolicy, validated: dict[str, Any]) -> SLAPolicy:
        targets = validated.pop("targets", None)
        for name, value in validated.items():
            setattr(policy, name, value)
        policy.save()
        if targets is not None:
            policy.targets.all().delete()
            SLATarget.objects.bulk_create([SLATarget(policy=policy, **target) for target in targets])
        return policy


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
