"""What a report counts: the caller's scope and the request's filters, over tickets and over milestones.

The scope (reports/scope.py) and the filters are conditions on columns that tickets and
milestones (tickets/models/milestone.py) both have under the same names (``assignee_id``,
``team_id``, ``category``, ``priority``), so one condition selects either:

- tickets, as they are now: what was created in a range, and the work open now;
- milestones, as things were when they happened: resolutions, reopens, assignments and first
  responses, credited to the agent, team and category of that moment, so a past range's
  figures do not change when an old ticket is reopened, reassigned or moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from reports.params import ReportParams
from reports.scope import ReportScope
from tickets.custom_fields import FieldFilter
from tickets.models import Milestone, Ticket


def filters(params: ReportParams) -> Q:
    """The request's team, category and priority filters, as one condition."""
    condition = Q()
    if params.teams:
        condition &= Q(team_id__in=params.teams)
    if params.categories:
        condition &= Q(category__slug__in=params.categories)
    if params.priorities:
        condition &= Q(priority__in=params.priorities)
    return condition


@dataclass(frozen=True)
class Subject:
    condition: Q
    # cf_<key> filters: on the ticket's values as they are now, for milestones too (values keep no history).
    custom_fields: tuple[FieldFilter, ...] = ()

    @classmethod
    def of(cls, scope: ReportScope, params: ReportParams) -> Subject:
        return cls(scope.condition & filters(params), params.custom_fields)

    @property
    def tickets(self) -> QuerySet[Ticket]:
        """The tickets in scope that pass the filters, bare: no joins, prefetches or ordering."""
        custom = [field_filter.condition("pk") for field_filter in self.custom_fields]
        return Ticket.objects.filter(self.condition, *custom).order_by()

    def milestones(self, *kinds: str) -> QuerySet[Milestone]:
        """The milestones of these kinds in scope that pass the filters (by the ticket as it was then)."""
        custom = [field_filter.condition("ticket_id") for field_filter in self.custom_fields]
        return Milestone.objects.filter(self.condition, *custom, kind__in=kinds).order_by()
