"""Custom field definitions as clients see them, to build their forms."""

from __future__ import annotations

from rest_framework import serializers

from tickets.models import FieldType


class CustomFieldDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The name in custom_fields, in cf_<key> filters and in the CSV.")
    label = serializers.CharField()
    type = serializers.ChoiceField(FieldType.choices)
    choices = serializers.ListField(child=serializers.CharField(), help_text="Dropdown: the values accepted.")
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="Category slugs the field is on; empty: every ticket."
    )
    required = serializers.BooleanField(help_text="Must be given when a ticket of these categories is opened.")
    customer_visible = serializers.BooleanField()
    help_text = serializers.CharField()
