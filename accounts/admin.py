from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_access import AdminOnly
from accounts.backends import window_start
from accounts.forms import UserCreationForm, UserEditForm
from accounts.models import LoginFailure, Organization, Team, User

# Roles decide what a user may do; Django's groups and permission rows are not used.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(AdminOnly, BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "organization", "is_active", "is_available", "is_staff"]
    list_filter = ["role", "is_active", "is_available", "organization"]
    list_select_related = ["organization"]
    search_fields = ["email", "full_name"]
    # Derived from the role on every save (and enforced by a check constraint).
    readonly_fields = ["is_staff", "last_login", "date_joined", "email_bounced_at", "email_bounce_reason"]
    autocomplete_fields = ["organization"]
    show_full_result_count = False

    def get_queryset(self, request):
        # The system's own user (automation rules' actor) is not a person to edit, deactivate or delete.
        return super().get_queryset(request).filter(is_system=False)

    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "role", "organization", "is_available"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Email delivery"), {"fields": ["email_bounced_at", "email_bounce_reason"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "full_name", "role", "organization", "password1", "password2"]},
        ),
    ]


@admin.register(Organization)
class OrganizationAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["name", "slug", "shares_tickets", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Team)
class TeamAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["name", "lead", "auto_assignment"]
    list_select_related = ["lead"]
    search_fields = ["name"]
    autocomplete_fields = ["lead", "members"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(LoginFailure)
class LoginFailureAdmin(AdminOnly, admin.ModelAdmin):
    """Who has been typing wrong passwords, from where; deleting a row (*Unlock*) lets them try again."""

    list_display = ["username", "address", "failures", "first_failed_at", "last_failed_at", "locked"]
    search_fields = ["username", "address"]
    readonly_fields = list_display
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Unlock" says what deleting means here
        return actions

    @admin.display(boolean=True, description=_("locked out"))
    def locked(self, obj: LoginFailure) -> bool:
        return obj.failures >= settings.LOGIN_FAILURE_LIMIT and obj.first_failed_at > window_start(timezone.now())

    @admin.action(description=_("Unlock: forget these wrong passwords"), permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset) -> None:
        count, _rows = queryset.delete()
        self.message_user(request, ngettext("%(n)d login unlocked.", "%(n)d logins unlocked.", count) % {"n": count})
