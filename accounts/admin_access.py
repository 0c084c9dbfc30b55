"""Who may use which part of the admin, by role (PRODUCT.md's permission table).

The admin's own permission rows (``auth.Permission``) are not used: a user's
role decides, so a new agent can work the moment the role is set. Ticket
pages ask ``tickets/access.py`` object by object on top of this.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.roles import STAFF_ROLES, Role


def is_admin(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.role == Role.ADMIN


def is_staff(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.role in STAFF_ROLES


class AdminOnly:
    """Configuration only admins see and change: users, teams, policies, calendars, categories, integrations."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_admin(request)


class StaffReadsAdminWrites(AdminOnly):
    """Reference data staff may look at (organizations, teams) but only admins change."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_staff(request)
