"""Role checks for whole endpoints; per-ticket rights live in tickets/access.py."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.roles import Role


def _role(request: Request) -> str | None:
    user = request.user
    return user.role if user and user.is_authenticated else None


class IsStaffRole(BasePermission):
    message = "Only staff can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff_role)


class StaffReadAdminWrite(BasePermission):
    """Staff may read; only admins may create, change or delete."""

    message = "Only admins can change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        role = _role(request)
        if role is None or role == Role.CUSTOMER:
            return False
        return request.method in SAFE_METHODS or role == Role.ADMIN
