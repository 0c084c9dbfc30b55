"""Roles: who a user is in the helpdesk, and the seed documents' names for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


# Roles that work tickets and may enter the admin (the agent console).
STAFF_ROLES = frozenset({Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})

# The seed services' role names, mapped onto ours (PRODUCT.md, "Domain").
ROLE_ALIASES = {
    "normal_user": Role.CUSTOMER,
    "end_user": Role.CUSTOMER,
    "user": Role.CUSTOMER,
    "technical_user": Role.AGENT,
    "devops_engineer": Role.AGENT,
    "engineer": Role.AGENT,
    "technical_supervisor": Role.TEAM_LEAD,
    "supervisor": Role.TEAM_LEAD,
    "system_admin": Role.ADMIN,
    "administrator": Role.ADMIN,
}


def parse_role(value: str) -> Role | None:
    """Return the role a (case-insensitive) name or seed alias stands for, or None."""
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key in Role.values:
        return Role(key)
    return ROLE_ALIASES.get(key)
