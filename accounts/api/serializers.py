"""Input and output shapes for auth and people."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from accounts.models import Organization, Team, User
from accounts.roles import Role, parse_role
from helpdesk.api.fields import IdField, LenientChoiceField


class UserSummarySerializer(serializers.ModelSerializer):
    """A person as other resources mention them (requester, assignee, author)."""

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True, default=None, allow_null=True)
    team_ids = serializers.PrimaryKeyRelatedField(source="teams", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "organization",
            "organization_name",
            "team_ids",
            "is_active",
            "is_available",
            "is_staff",
            "date_joined",
            "last_login",
        ]
        read_only_fields = fields


class UserWriteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = LenientChoiceField(Role.choices, parse_role, required=False, default=Role.CUSTOMER)
    organization_id = IdField(
        source="organization", queryset=Organization.objects.all(), required=False, allow_null=True
    )
    is_active = serializers.BooleanField(required=False)
    is_available = serializers.BooleanField(required=False)


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # Seed 002 registers with a username; it becomes the display name when no full name is given.
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, write_only=True)


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.SerializerMethodField()
    user = UserSerializer()

    def get_expires_in(self, obj) -> int:
        return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


class ProfileSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, allow_blank=True)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "shares_tickets", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"slug": {"required": False}}


class TeamSerializer(serializers.ModelSerializer):
    lead = UserSummarySerializer(read_only=True, allow_null=True)
    lead_id = IdField(
        source="lead",
        queryset=User.objects.people().filter(is_staff=True),
        required=False,
        allow_null=True,
        write_only=True,
    )
    members = UserSummarySerializer(many=True, read_only=True)
    member_ids = IdField(
        source="members",
        queryset=User.objects.people().filter(is_staff=True),
        many=True,
        required=False,
        write_only=True,
    )

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "lead",
            "lead_id",
            "members",
            "member_ids",
            "auto_assignment",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"slug": {"required": False}}
