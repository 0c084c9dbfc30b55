"""Tickets and the workflow actions on them: input and output shapes."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db.models import Manager
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from accounts.models import Organization, Team, User
from helpdesk.api.fields import IdField, LenientChoiceField, StringListField
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
from tickets.custom_fields import custom_fields_json
from tickets.models import (
    Category,
    Ticket,
)
from tickets.selectors import with_related
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


CUSTOM_FIELDS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"nullable": True, "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
    "example": {"invoice_number": "INV-2291", "refund_approved": False},
}


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketListSerializer(serializers.ListSerializer):
    """Tickets in a list: the rows shown beside them are read together first, in a fixed number of queries."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        tickets = list(data.all() if isinstance(data, Manager) else data)
        return super().to_representation(with_related(tickets))


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
    custom_fields = serializers.SerializerMethodField(
        help_text="The custom fields you may see that the ticket carries, by key (GET /api/v1/custom-fields): "
        "text, a number, a date (YYYY-MM-DD), true/false, or null when empty."
    )
    follow_up_of = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The closed ticket a reply past its reopen window followed up."
    )

    class Meta:
        model = Ticket
        list_serializer_class = TicketListSerializer
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
            "custom_fields",
            "resolution_notes",
            "follow_up_of",
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

    @extend_schema_field(CUSTOM_FIELDS_SCHEMA)
    def get_custom_fields(self, ticket: Ticket) -> dict[str, Any]:
        request = self.context.get("request")
        # Without a request (the system's own use) every field shows; a customer sees the customer-visible ones.
        return custom_fields_json(getattr(request, "user", None), ticket)

    def to_representation(self, ticket: Ticket) -> dict[str, Any]:
        """The fields declared above, written out by hand: DRF's field-by-field walk cost 0.4 ms a ticket.

        The declarations stay the schema (OpenAPI) and the reference: a test checks that this gives
        exactly what ``ModelSerializer.to_representation`` gives from them (issue 17).
        """
        zone = timezone.get_current_timezone()
        category, policy = ticket.category, ticket.sla_policy
        data = {
            "id": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "title": ticket.subject,
            "description": ticket.description,
            "status": ticket.status,
            "priority": ticket.priority,
            "category": category.slug,
            "category_name": category.name,
            "requester": _person(ticket.requester),
            "organization": _named(ticket.organization),
            "team": _named(ticket.team),
            "assignee": _person(ticket.assignee),
            "tags": [tag.name for tag in ticket.tags.all()],
            "channel": ticket.channel,
            "environment": ticket.environment,
            "affected_service": ticket.affected_service,
            "impact_level": ticket.impact_level,
            "custom_fields": self.get_custom_fields(ticket),
            "resolution_notes": ticket.resolution_notes,
            "follow_up_of": ticket.follow_up_of_id,
            "sla_policy": None if policy is None else policy.name,
            "sla_state": self.get_sla_state(ticket),
            **{name: _instant(getattr(ticket, name), zone) for name in INSTANTS[:3]},
            "first_response_breached": ticket.first_response_breached,
            "resolution_breached": ticket.resolution_breached,
            **{name: _instant(getattr(ticket, name), zone) for name in INSTANTS[3:]},
            "version": ticket.version,
        }
        if not settings.SLA_ENABLED:
            # SLA off: no policy, no due time, even on tickets that got them before it was turned off.
            data.update(SLA_OFF)
        return data


# The ticket's instants, in the order of Meta.fields (the two breach flags sit between the halves).
INSTANTS = (
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "created_at",
    "updated_at",
)


def _instant(value: datetime | None, zone: tzinfo) -> str | None:
    """As DRF's DateTimeField writes it: ISO 8601 in the current zone, ``Z`` for UTC."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _person(user: User | None) -> dict[str, Any] | None:
    """As UserSummarySerializer writes a user."""
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "full_name": user.full_name, "role": user.role}


def _named(row: Team | Organization | None) -> dict[str, Any] | None:
    return None if row is None else {"id": row.pk, "name": row.name}


# What a ticket shows of its SLA while SLA_ENABLED is off (its sla_state is then "ok").
SLA_OFF = {"sla_policy": None, "first_response_due_at": None, "resolution_due_at": None}


@extend_schema_field(CUSTOM_FIELDS_SCHEMA)
class CustomFieldsField(serializers.Field):
    """``{key: value}`` of custom fields, passed whole to the services, which check each value by its field's type."""

    default_error_messages = {"invalid": "Give an object of {{field key: value}}."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            "Custom fields by key (GET /api/v1/custom-fields lists them): text, a number, a date (YYYY-MM-DD), "
            "true/false, or null to clear. On create the required ones of the category are needed.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):  # a form or multipart body carries the object as JSON text
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return dict(data)

    def to_representation(self, value: dict[str, Any]) -> dict[str, Any]:
        return value


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
    custom_fields = CustomFieldsField(required=False)

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
