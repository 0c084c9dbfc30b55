"""Macros as the API lists them: what each does, for the agent choosing one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from tickets.api.serializers.tickets import NamedRefSerializer
from tickets.models import Macro
from tickets.models.macros import tag_names


class MacroReplySerializer(serializers.Serializer):
    body = serializers.CharField(help_text="As written, with its {placeholders}; filled in for each ticket.")
    internal = serializers.BooleanField(help_text="An internal note rather than a public reply.")


class MacroActionsSerializer(serializers.Serializer):
    """In the order they apply: assignment, priority and tags, the reply, then the status."""

    assign_to_me = serializers.BooleanField(help_text="Assigns the ticket to whoever applies the macro.")
    assignee = UserSummarySerializer(allow_null=True)
    team = NamedRefSerializer(allow_null=True)
    priority = serializers.CharField(allow_blank=True)
    add_tags = serializers.ListField(child=serializers.CharField())
    remove_tags = serializers.ListField(child=serializers.CharField())
    reply = MacroReplySerializer(allow_null=True)
    status = serializers.CharField(allow_blank=True)


class MacroSerializer(serializers.ModelSerializer):
    shared_with = serializers.SerializerMethodField(help_text="Teams it is shared with; empty: everyone.")
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Macro
        fields = ["id", "name", "description", "position", "shared_with", "actions", "updated_at"]

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_shared_with(self, macro: Macro) -> list[dict[str, Any]]:
        return [{"id": team.pk, "name": team.name} for team in macro.teams.all()]

    @extend_schema_field(MacroActionsSerializer)
    def get_actions(self, macro: Macro) -> dict[str, Any]:
        return {
            "assign_to_me": macro.assign_to_me,
            "assignee": UserSummarySerializer(macro.assignee).data if macro.assignee is not None else None,
            "team": {"id": macro.team.pk, "name": macro.team.name} if macro.team is not None else None,
            "priority": macro.priority,
            "add_tags": tag_names(macro.add_tags),
            "remove_tags": tag_names(macro.remove_tags),
            "reply": {"body": macro.reply, "internal": macro.reply_is_internal} if macro.reply.strip() else None,
            "status": macro.status,
        }


class MacroApplySerializer(serializers.Serializer):
    macro = serializers.IntegerField(min_value=1, help_text="The id of a macro from GET /macros/.")
