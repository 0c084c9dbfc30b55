"""``sla``: SLA compliance, first response and resolution apart, by priority, by policy and by team.

Which tickets a range judges (``from`` included, ``to`` not):

- First response: tickets whose first-response due time falls in the range and whose
  clock has an outcome — stopped (by the first public staff reply, or by resolving or
  closing the ticket before one; met when ``first_response_stopped_at <=
  first_response_due_at`` and no breach was recorded, as ``sla_state`` says) or still
  running after the due time (not met). Clocks still running, not yet due, are not judged.
- Resolution: tickets whose clock stopped in the range (resolved, or closed without a
  resolution), judged by ``resolution_met`` which the services store when the clock
  stops (pauses excluded, in the policy's business time); and active tickets whose
  resolution breach was recorded with a due time in the range (not met).

Percentages are of the judged tickets, rounded to one decimal; ``null`` when none were judged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from accounts.models import Team
from reports.metrics.expressions import count_where, grouped, in_range
from reports.params import ReportParams
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority
from tickets.models import SLAPolicy, Ticket

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
COUNTS = ("fr_judged", "fr_met", "res_judged", "res_met")
# Each dimension's name and column, in the order of the groups ``sla`` counts by.
DIMENSIONS = {"priority": "priority", "policy": "sla_policy_id", "team": "team_id"}

# Over the clocks that stopped in the range: judged when the ticket had a target.
RESOLUTION_COUNTS = {
    "res_judged": count_where(Q(resolution_met__isnull=False)),
    "res_met": count_where(Q(resolution_met=True)),
}


# Over the clocks that stopped in the range: the tickets resolved in it. A resolved ticket's clock
# stopped at its resolved_at, so "resolved in the range" is "stopped in it, with a resolved_at";
# counted in the scan of the stopped clocks, it costs no scan of its own.
RESOLVED_COUNT = {"resolved": count_where(Q(resolved_at__isnull=False))}


def percent(met: int, judged: int) -> float | None:
    return round(100 * met / judged, 1) if judged else None


def stopped_in(tickets: QuerySet[Ticket], params: ReportParams) -> QuerySet[Ticket]:
    """The tickets whose resolution clock stopped in the range (``stopped_at``, kept by the database)."""
    return tickets.filter(in_range("stopped_at", params))


def compliance(
    tickets: QuerySet[Ticket],
    params: ReportParams,
    now: datetime,
    group: tuple[str, ...],
    *,
    stopped: dict | None = None,
) -> dict[tuple, dict[str, int]]:
    """``{group values: {fr_judged, fr_met, res_judged, res_met}}``, one query per instant judged.

    Each query reads one index range: first-response due times, stopped clocks
    (unless the caller counted them already with ``RESOLUTION_COUNTS`` and gives them
    as ``stopped``), and recorded breaches of active tickets.
    """
    if stopped is None:
        stopped = grouped(stopped_in(tickets, params), group, **RESOLUTION_COUNTS)
    first_response = grouped(
        tickets.filter(in_range("first_response_due_at", params)),
        group,
        # Stopped, or running past the due time; met when stopped by it (that clock never pauses).
        fr_judged=count_where(Q(first_response_stopped_at__isnull=False) | Q(first_response_due_at__lt=now)),
        fr_met=count_where(Q(first_response_stopped_at__lte=F("first_response_due_at"), first_response_breached=False)),
    )
    breached_open = grouped(
        tickets.filter(in_range("resolution_due_at", params), resolution_breached=True).filter(
            status__in=workflow.ACTIVE_STATUSES
        ),
        group,
        res_judged=Count("*"),
    )
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for found in (first_response, stopped, breached_open):
        for key, row in found.items():
            for name in COUNTS:
                counts[key][name] += row.get(name) or 0
    return counts


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


def _labels(dimension: str, keys: set[Any]) -> dict[Any, str]:
    if dimension == "priority":
        return {key: str(Priority(key).label) for key in keys}
    model = SLAPolicy if dimension == "policy" else Team
    names = dict(model.objects.filter(pk__in=[key for key in keys if key is not None]).values_list("pk", "name"))
    return {key: names.get(key, "—") for key in keys}


def sla(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """Compliance rows per priority (urgent first), policy and team (by name), and the totals: 5 queries.

    The tickets are counted once per (priority, policy, team); each dimension's rows
    and the totals are sums of those few groups, never a loop over tickets.
    """
    counts = compliance(tickets, params, now, tuple(DIMENSIONS.values()))
    rows: list[dict[str, Any]] = []
    for index, dimension in enumerate(DIMENSIONS):
        sums: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
        for key, found in counts.items():
            for name in COUNTS:
                sums[key[index]][name] += found[name]
        judged = {key: found for key, found in sums.items() if found["fr_judged"] or found["res_judged"]}
        labels = _labels(dimension, set(judged))
        found_rows = [_row(dimension, key, labels[key], found) for key, found in judged.items()]
        if dimension == "priority":
            found_rows.sort(key=lambda row: PRIORITY_RANK[Priority(row["key"])])
        else:
            found_rows.sort(key=lambda row: (row["key"] is None, row["label"]))
        rows.extend(found_rows)
    total = {name: sum(found[name] for found in counts.values()) for name in COUNTS}
    return {"results": rows, "totals": _row("all", None, "All", total)}
