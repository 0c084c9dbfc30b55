from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly
from accounts.forms import UserCreationForm, UserEditForm
from accounts.models import Organization, Team, User

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
    readonly_fields = ["is_staff", "last_login", "date_joined"]
    autocomplete_fields = ["organization"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "role", "organization", "is_available"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
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
