"""Whose tickets a caller's report figures cover (PRODUCT.md: "reports" row of the permission table).

- agent: the tickets assigned to them ("own figures");
- team lead: the tickets of the teams they lead or belong to, and those assigned to them;
- manager and admin: every ticket;
- customer: no reports at all (the API answers 403 before a scope is asked for).

This is narrower than what a user may *see* (an agent may see every ticket): a
report is about one's own work. The scope is a queryset condition, so every
figure is computed over it in SQL; its ``identity`` names it for the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from tickets.access import team_ids_of


class NoReportScope(Exception):
    """The user may not see reports (customers, inactive users)."""


@dataclass(frozen=True)
class ReportScope:
    kind: str  # "assigned", "teams" or "all"
    condition: Q
    # Equal identities cover the same tickets; the cache keys on it.
    identity: str


def scope_for(user: User) -> ReportScope:
    """The report scope of ``user``; raises ``NoReportScope`` for customers and inactive users."""
    if not user.is_authenticated or not user.is_active or not user.is_staff_role:
        raise NoReportScope(user.pk)
    if user.role in (Role.MANAGER, Role.ADMIN):
        return ReportScope("all", Q(), "all")
    if user.role == Role.TEAM_LEAD:
        teams = sorted(team_ids_of(user))
        # The user id is part of it too: a lead's own assignments outside their teams count.
        identity = f"teams:{','.join(map(str, teams))}:user:{user.pk}"
        return ReportScope("teams", Q(team_id__in=teams) | Q(assignee_id=user.pk), identity)
    return ReportScope("assigned", Q(assignee_id=user.pk), f"assigned:user:{user.pk}")


def teams_outside_scope(user: User, team_ids: tuple[int, ...]) -> list[int]:
    """The teams a user may not narrow their reports to: none for managers and admins, others' teams otherwise.

    A team lead's or agent's figures cover their own teams' work, so a subscription (or saved
    view) filtered on another team would only ever show zeros, or hint at what they may not see.
    """
    if scope_for(user).kind == "all":
        return []
    mine = team_ids_of(user)
    return [pk for pk in team_ids if pk not in mine]
