"""``sla``: SLA compliance, first response and resolution apart, by priority, by policy and by team.

Which tickets a range judges (``from`` included, ``to`` not):

- First response: tickets whose first-response due time falls in the range and whose
  clock has an outcome — answered (met when ``first_responded_at <= first_response_due_at``;
  that clock never pauses, so the comparison is exact) or still unanswered after the
  due time (not met). Unanswered tickets not yet due are not judged.
- Resolution: tickets whose clock stopped in the range (resolved, or closed without a
  resolution), judged by ``resolution_met`` which the services store when the clock
  stops (pauses excluded, in the policy's business time); and active tickets whose
  resolution breach was recorded with a due time in the range (not met).

Percentages are of the judged tickets, rounded to one decimal; ``null`` when none were judged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from reports.metrics.expressions import in_range
from reports.params import ReportParams
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority
from tickets.models import Ticket

COLUMNS = (
    "dimension",
    "key",
    "label",
    "first_response_judged",
    "first_response_met",
    "first_response_percent",
    "resolution_judged",
    "resolution_met",
    "resolution_percent",
)
# What each dimension groups on, and the column naming its value.
DIMENSIONS = {
    "priority": ("priority", "priority"),
    "policy": ("sla_policy_id", "sla_policy__name"),
    "team": ("team_id", "team__name"),
}


def percent(met: int, judged: int) -> float | None:
    return round(100 * met / judged, 1) if judged else None


def judged_conditions(params: ReportParams, now: datetime) -> dict[str, Q]:
    """The four conditional counts, as Q objects on the ticket."""
    in_range = {"gte": params.start, "lt": params.end}
    fr_due = Q(first_response_due_at__gte=in_range["gte"], first_response_due_at__lt=in_range["lt"])
    fr_answered = Q(first_responded_at__isnull=False)
    fr_late_unanswered = Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    stopped_in_range = Q(resolution_met__isnull=False, stopped_at__gte=params.start, stopped_at__lt=params.end)
    breached_open = Q(
        status__in=workflow.ACTIVE_STATUSES,
        resolution_breached=True,
        resolution_due_at__gte=params.start,
        resolution_due_at__lt=params.end,
    )
    return {
        "fr_judged": fr_due & (fr_answered | fr_late_unanswered),
        "fr_met": fr_due & fr_answered & Q(first_responded_at__lte=F("first_response_due_at")),
        "res_judged": stopped_in_range | breached_open,
        "res_met": stopped_in_range & Q(resolution_met=True),
    }


def compliance_counts(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> tuple[QuerySet, dict]:
    """The tickets annotated for counting, and the counts: the caller groups with ``values(...)``."""
    conditions = judged_conditions(params, now)
    return tickets.annotate(stopped_at=Coalesce("resolved_at", "closed_at")).order_by(), {
        name: Count("id", filter=condition) for name, condition in conditions.items()
    }


def _row(dimension: str, key: Any, label: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "dimension": dimension,
        "key": key,
        "label": label,
        "first_response_judged": counts["fr_judged"],
        "first_response_met": counts["fr_met"],
        "first_response_percent": percent(counts["fr_met"], counts["fr_judged"]),
        "resolution_judged": counts["res_judged"],
        "resolution_met": counts["res_met"],
        "resolution_percent": percent(counts["res_met"], counts["res_judged"]),
    }


def sla(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """Compliance rows per priority (urgent first), policy and team (by name), and the totals: 3 queries.

    Every ticket has a priority, so the totals are the sum of the priority groups:
    no fourth pass over the tickets.
    """
    annotated, counts = compliance_counts(tickets, params, now)
    # Every judged ticket has one of these in the range: scan those rows, not the whole table.
    annotated = annotated.filter(
        in_range("first_response_due_at", params)
        | in_range("resolved_at", params)
        | in_range("closed_at", params)
        | in_range("resolution_due_at", params)
    )
    rows: list[dict[str, Any]] = []
    total = dict.fromkeys(counts, 0)
    for dimension, (key_field, label_field) in DIMENSIONS.items():
        grouped = list(annotated.values(*dict.fromkeys([key_field, label_field])).annotate(**counts))
        if dimension == "priority":
            for group in grouped:
                for name in counts:
                    total[name] += group[name]
        found = [
            _row(dimension, group[key_field], str(group[label_field] or "—"), group)
            for group in grouped
            if group["fr_judged"] or group["res_judged"]
        ]
        if dimension == "priority":
            found.sort(key=lambda row: PRIORITY_RANK[Priority(row["key"])])
            for row in found:
                row["label"] = str(Priority(row["key"]).label)
        else:
            found.sort(key=lambda row: (row["key"] is None, row["label"]))
        rows.extend(found)
    return {"results": rows, "totals": _row("all", None, "All", total)}
