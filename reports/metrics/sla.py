"""``sla``: SLA compliance, first response and resolution apart, by priority, by policy and by team.

A clock is judged in the range where it stopped, from its milestone (tickets/models/milestone.py),
which records whether its target was met at that moment; a clock still running past its due time
is judged (not met) in the range of its due time, whether or not the sweep has recorded the
breach yet. Ranges include ``from`` and exclude ``to``.

- First response: stopped by the first public staff reply, or by resolving or closing the ticket
  before any reply. As Zendesk does, solving a ticket fulfils its first-response target: a ticket
  resolved in time without a reply met it (the requester had their answer); one resolved late
  did not. Met when it stopped by its due time and no breach was recorded.
- Resolution: stopped when the ticket was resolved, or closed without being resolved, judged by
  whether its counted time (pauses excluded, in the policy's business time) met the target. A
  reopened ticket's earlier stop keeps its judgement; its next stop is judged again.

The figures are those of the tickets and clocks as they were when judged: a past range does not
change when an old ticket is reopened, reassigned or moved (only a clock overdue then and still
running moves, once it stops, to the range where it stopped). Percentages are of the judged
clocks, rounded to one decimal; ``null`` when none were judged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import Team
from reports.metrics.expressions import count_where, grouped, in_range
from reports.params import ReportParams
from reports.subject import Subject
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority
from tickets.models import STOPS, Milestone, MilestoneKind, SLAPolicy
from tickets.models.conditions import FIRST_RESPONSE_UNMET, RESOLUTION_UNMET

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

# Over the milestones of clocks that stopped in the range: judged when the ticket had a target.
RESOLUTION_COUNTS = {
    "res_judged": count_where(Q(met__isnull=False)),
    "res_met": count_where(Q(met=True)),
}
# Over the milestones of first responses in the range: judged when the ticket had a target.
FIRST_RESPONSE_COUNTS = {
    "fr_judged": count_where(Q(met__isnull=False)),
    "fr_met": count_where(Q(met=True)),
}
# Counted in the same scan of the stopped clocks: those that stopped by resolving.
RESOLVED_COUNT = {"resolved": count_where(Q(kind=MilestoneKind.RESOLVED))}


def percent(met: int, judged: int) -> float | None:
    return round(100 * met / judged, 1) if judged else None


def stopped_in(subject: Subject, params: ReportParams) -> QuerySet[Milestone]:
    """The resolution clocks that stopped in the range: resolved, or closed unresolved."""
    return subject.milestones(*STOPS).filter(in_range("at", params))


def first_responses_in(subject: Subject, params: ReportParams) -> QuerySet[Milestone]:
    """The first-response clocks that stopped in the range: by a reply, or by solving the ticket."""
    return subject.milestones(MilestoneKind.FIRST_RESPONSE).filter(in_range("at", params))


def compliance(
    subject: Subject,
    params: ReportParams,
    now: datetime,
    group: tuple[str, ...],
    *,
    stopped: dict | None = None,
    first_stopped: dict | None = None,
) -> dict[tuple, dict[str, int]]:
    """``{group values: {fr_judged, fr_met, res_judged, res_met}}``, four queries, each over one index range.

    The stopped clocks come from the milestones of the range (unless the caller counted them
    already, with ``RESOLUTION_COUNTS`` and ``FIRST_RESPONSE_COUNTS`` in its own scan of them, and
    gives them as ``stopped`` and ``first_stopped``), the overdue running ones from the tickets
    whose due time lies in the range and has passed.
    """
    if stopped is None:
        stopped = grouped(stopped_in(subject, params), group, **RESOLUTION_COUNTS)
    if first_stopped is None:
        first_stopped = grouped(first_responses_in(subject, params), group, **FIRST_RESPONSE_COUNTS)
    first_overdue = grouped(
        subject.tickets.filter(in_range("first_response_due_at", params), FIRST_RESPONSE_UNMET).filter(
            first_response_due_at__lt=now
        ),
        group,
        fr_judged=Count("*"),
    )
    # Running past its due time (recorded by the sweep or not yet), or paused after a recorded breach;
    # spelled as (recorded or running) and (recorded or past due), the first half being the partial
    # index's condition (ticket_report_res_overdue_idx), so the database reads that index alone.
    breach_recorded = Q(resolution_breached=True)
    resolution_overdue = grouped(
        subject.tickets.filter(in_range("resolution_due_at", params), status__in=sorted(workflow.ACTIVE_STATUSES))
        .filter(breach_recorded | RESOLUTION_UNMET)
        .filter(breach_recorded | Q(resolution_due_at__lt=now)),
        group,
        res_judged=Count("*"),
    )
    counts: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for found in (first_stopped, first_overdue, stopped, resolution_overdue):
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


def sla(subject: Subject, params: ReportParams, now: datetime) -> dict[str, Any]:
    """Compliance rows per priority (urgent first), policy and team (by name), and the totals: 6 queries.

    The tickets are counted once per (priority, policy, team); each dimension's rows
    and the totals are sums of those few groups, never a loop over tickets.
    """
    counts = compliance(subject, params, now, tuple(DIMENSIONS.values()))
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
