"""Input checks and documented output shapes of the integration endpoints.

Remote objects are passed through as a stable subset of their fields (``*_FIELDS``), so a
field the desk adds tomorrow does not change our API, and nothing else (no tokens, no URLs
with credentials) can slip through.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def choice_field(choices: tuple[str, ...] | list[str]) -> type[serializers.ChoiceField]:
    """A ChoiceField whose enum stays inline in the schema.

    The desks' ``status``/``priority``/``role`` sets differ from ours; drf-spectacular would make a
    named component of every enum and warn that same-named fields hold different sets. It leaves
    an enum wrapped in ``allOf`` where it is.
    """

    @extend_schema_field({"allOf": [{"type": "string", "enum": list(choices)}]})
    class InlineChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            # With a description beside it the single-item allOf is kept, not unwrapped.
            kwargs.setdefault("help_text", f"One of: {', '.join(choices)}.")
            super().__init__(list(choices), **kwargs)

    return InlineChoiceField


# --- Zoho (seed 000) ------------------------------------------------------------------------------


class ZohoRequestCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    requesteremail = serializers.EmailField(help_text="The requester; found or created here as a customer.")


class ZohoRequestCreatedSerializer(serializers.Serializer):
    message = serializers.CharField(help_text='"Ticket created successfully"')
    zohoticketid = serializers.CharField(help_text="The ticket's id in Zoho Desk.")
    number = serializers.CharField(help_text="The local ticket's number (TICK-YYYYMMDD-NNNN).")


class ZohoCommentSerializer(serializers.Serializer):
    content = serializers.CharField()
    commenter = serializers.CharField(allow_null=True, help_text="The commenter's name.")
    commentedTime = serializers.CharField(allow_null=True)
    isPublic = serializers.BooleanField()


class ZohoRequestSerializer(serializers.Serializer):
    id = serializers.CharField()
    ticketNumber = serializers.CharField(allow_null=True)
    subject = serializers.CharField()
    status = serializers.CharField(allow_null=True)
    statusType = serializers.CharField(allow_null=True)
    priority = serializers.CharField(allow_null=True)
    technician = serializers.CharField(allow_null=True, help_text="The assignee's name, or null.")
    createdTime = serializers.CharField(allow_null=True)
    modifiedTime = serializers.CharField(allow_null=True)
    webUrl = serializers.CharField(allow_null=True)
    number = serializers.CharField(allow_null=True, help_text="The linked local ticket's number, if any.")
    comments = ZohoCommentSerializer(many=True)


# --- Zendesk (seed 001): what we send -------------------------------------------------------------

ZENDESK_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
ZENDESK_PRIORITIES = ("low", "normal", "high", "urgent")
ZENDESK_TYPES = ("problem", "incident", "question", "task")
ZENDESK_ROLES = ("end-user", "agent", "admin")
StatusField = choice_field(ZENDESK_STATUSES)
PriorityField = choice_field(ZENDESK_PRIORITIES)
TypeField = choice_field(ZENDESK_TYPES)
RoleField = choice_field(ZENDESK_ROLES)


class ZendeskRequesterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    email = serializers.EmailField()


class ZendeskTicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255)
    comment = serializers.CharField(help_text="The first comment (the description).")
    public = serializers.BooleanField(default=True)
    priority = PriorityField(required=False)
    type = TypeField(required=False)
    status = StatusField(required=False)
    assignee_id = serializers.IntegerField(min_value=1, required=False)
    requester = ZendeskRequesterSerializer(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=80), required=False)

    def to_remote(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        ticket: dict[str, Any] = {
            "subject": data.pop("subject"),
            "comment": {"body": data.pop("comment"), "public": data.pop("public")},
        }
        ticket.update(data)
        return ticket


class ZendeskTicketUpdateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255, required=False)
    status = StatusField(required=False)
    priority = PriorityField(required=False)
    type = TypeField(required=False)
    assignee_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=80), required=False)
    comment = serializers.CharField(required=False, help_text="Adds a comment with the update.")
    public = serializers.BooleanField(default=True, help_text="Whether that comment is public.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"public"}:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one field to change."]})
        return attrs

    def to_remote(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        public = data.pop("public", True)
        if "comment" in data:
            data["comment"] = {"body": data["comment"], "public": public}
        return data


class ZendeskCommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField()
    public = serializers.BooleanField(default=True, help_text="False: a private (internal) note.")


class ZendeskUserCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    email = serializers.EmailField()
    role = RoleField(default="end-user")
    organization_id = serializers.IntegerField(min_value=1, required=False)


# --- Zendesk: what we answer ----------------------------------------------------------------------

TICKET_FIELDS = (
    "id",
    "subject",
    "description",
    "status",
    "priority",
    "type",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "tags",
    "external_id",
    "created_at",
    "updated_at",
)
COMMENT_FIELDS = ("id", "body", "public", "author_id", "created_at")
USER_FIELDS = ("id", "name", "email", "role", "organization_id", "active", "created_at", "updated_at")
ORGANIZATION_FIELDS = ("id", "name", "domain_names", "details", "notes", "tags", "created_at", "updated_at")


def subset(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The documented fields of a remote record (absent ones as null)."""
    return {name: record.get(name) for name in fields}


class ZendeskCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    public = serializers.BooleanField()
    author_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.CharField()


class ZendeskTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    priority = serializers.CharField(allow_null=True)
    type = serializers.CharField(allow_null=True)
    requester_id = serializers.IntegerField(allow_null=True)
    submitter_id = serializers.IntegerField(allow_null=True)
    assignee_id = serializers.IntegerField(allow_null=True)
    organization_id = serializers.IntegerField(allow_null=True)
    group_id = serializers.IntegerField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    external_id = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()
    updated_at = serializers.CharField()


class ZendeskTicketDetailSerializer(ZendeskTicketSerializer):
    comments = ZendeskCommentSerializer(many=True)


class ZendeskUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    role = serializers.CharField()
    organization_id = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    created_at = serializers.CharField()
    updated_at = serializers.CharField()


class ZendeskOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain_names = serializers.ListField(child=serializers.CharField())
    details = serializers.CharField(allow_null=True)
    notes = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.CharField()
    updated_at = serializers.CharField()


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The list envelope of our API (``results``, ``next``, ``previous``) around ``item``."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
        },
    )


ZendeskTicketPageSerializer = page_of(ZendeskTicketSerializer, "ZendeskTicketPage")
ZendeskUserPageSerializer = page_of(ZendeskUserSerializer, "ZendeskUserPage")
ZendeskOrganizationPageSerializer = page_of(ZendeskOrganizationSerializer, "ZendeskOrganizationPage")


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_priority = serializers.DictField(child=serializers.IntegerField())


class ZendeskAnalyticsSerializer(serializers.Serializer):
    period_from = serializers.DateField(source="from")
    period_to = serializers.DateField(source="to")
    created = CountsSerializer(help_text="Tickets created in the period.")
    solved = serializers.IntegerField(help_text="Of those, solved or closed now.")
    resolution_rate = serializers.FloatField(allow_null=True, help_text="solved / created.total; null without tickets.")
    truncated = serializers.BooleanField(help_text="True when the period holds more tickets than were read.")


class ConnectionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    provider = serializers.CharField()
    is_active = serializers.BooleanField()
    health = serializers.CharField()
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    consecutive_failures = serializers.IntegerField()


class ZendeskHealthSerializer(serializers.Serializer):
    status = choice_field(("healthy", "unhealthy"))()
    connection = ConnectionBriefSerializer()
    remote = serializers.DictField(help_text='{"ok", "elapsed_ms", "user_id"|"error"}: a call to /api/v2/users/me.')


class ZendeskAuthStatusSerializer(serializers.Serializer):
    connection = ConnectionBriefSerializer()
    auth_method = choice_field(("oauth", "api_token"))()
    authorized = serializers.BooleanField(help_text="OAuth tokens, or an API email and token, are set.")
    access_token_expires_at = serializers.DateTimeField(allow_null=True)
    access_token_expired = serializers.BooleanField()
    refresh_token_set = serializers.BooleanField()
    refresh_token_expires_at = serializers.DateTimeField(allow_null=True)
    warning = serializers.CharField(allow_null=True, help_text="Set while on an API token (they end 30 April 2027).")


class ZendeskRevokeSerializer(ZendeskAuthStatusSerializer):
    revoked_at_zendesk = serializers.BooleanField(help_text="Zendesk confirmed the revocation.")


class ZendeskOAuthStartSerializer(serializers.Serializer):
    authorize_url = serializers.URLField()
