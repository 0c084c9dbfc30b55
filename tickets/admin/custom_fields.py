"""Custom ticket fields in the console: admins define them (Configuration); agents fill them on the ticket page."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly
from tickets.models import CustomField


class CustomFieldForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dropdown only: one choice per line, in the order offered."),
    )

    class Meta:
        model = CustomField
        fields = [
            "label",
            "key",
            "type",
            "choices",
            "categories",
            "required",
            "customer_visible",
            "is_active",
            "position",
            "help_text",
        ]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["choices"] = "\n".join(self.instance.choices or ())

    def clean_key(self) -> str:
        # The key is prepopulated from the label with hyphens (the admin's slug script): keys use underscores.
        return (self.cleaned_data.get("key") or "").strip().lower().replace("-", "_")

    def clean_choices(self) -> list[str]:
        # Checked by the model (CustomField.clean): a dropdown needs some, other types none.
        return [line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()]


@admin.register(CustomField)
class CustomFieldAdmin(AdminOnly, admin.ModelAdmin):
    form = CustomFieldForm
    list_display = ["label", "key", "type", "applies_to", "required", "customer_visible", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["type", "is_active", "customer_visible", "required"]
    search_fields = ["label", "key"]
    prepopulated_fields = {"key": ["label"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # Clients, filters and exports name the key, and stored values have the type: both stay once used.
        return ["key", "type"] if obj is not None and obj.is_used() else []

    def get_prepopulated_fields(self, request, obj=None) -> dict:
        return {} if obj is not None and obj.is_used() else self.prepopulated_fields

    @admin.display(description=_("Categories"))
    def applies_to(self, field: CustomField) -> str:
        names = [category.name for category in field.categories.all()]
        return ", ".join(names) if names else str(_("All tickets"))

    def has_delete_permission(self, request, obj=None) -> bool:
        # A field with values is retired (inactive), keeping them; its values protect it anyway.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_used())
