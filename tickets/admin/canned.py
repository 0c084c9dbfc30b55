"""Canned responses: every agent may use and read them; managers and admins write them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import is_staff
from accounts.roles import Role
from tickets.models import PLACEHOLDERS, CannedResponse


def _may_write(request) -> bool:
    return is_staff(request) and request.user.role in (Role.MANAGER, Role.ADMIN)


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "priority", "is_internal", "is_active", "updated_at"]
    list_filter = ["is_active", "is_internal", "status", "priority"]
    search_fields = ["title", "body"]
    fields = ["title", "body", "status", "priority", "is_internal", "is_active"]

    def has_module_permission(self, request) -> bool:
        return is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request) -> bool:
        return _may_write(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _may_write(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_write(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "body" in form.base_fields:
            names = "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())
            form.base_fields["body"].help_text = _("Placeholders — %(names)s.") % {"names": names}
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
