"""``dashboard``: the figures a support manager opens the day with, for a date range.

Counted from what happened in the range (milestones, tickets/models/milestone.py), so a past
range's figures do not change when an old ticket is reopened, reassigned or moved:

- ``created``: tickets created in the range; ``by_status`` / ``by_priority``: those tickets by
  what they are now.
- ``resolved``: resolutions in the range; a ticket resolved, reopened and resolved again in it
  counts twice, as the work was done twice. ``reopened``: tickets reopened in the range (each once).
- ``unassigned`` and ``overdue`` (active and breached, see tickets.selectors.sla_breached_condition)
  are the state now, whatever the range: a manager wants them today.
- ``first_response`` / ``resolution``: count, mean, median and 90th percentile (``p90``) in minutes
  of the policy's business time, over the first replies, resp. the stopped resolution clocks, of
  the range (measured in seconds, so the figures are not biased by rounding).
- ``sla_compliance``: met / judged over both clocks, judged as the ``sla`` report judges them.
- ``one_touch``: of the resolutions in the range, how many came after exactly one public staff
  reply, and their share in percent; ``replies_per_ticket``: the mean public staff replies per resolution.
- ``requester_wait``: minutes of wall time each resolved ticket had waited on the desk (in a status
  where the SLA runs): count, mean, median and ``p90`` over the resolutions of the range that measured
  it; ``paused_mean``: the mean minutes of wall time they waited on the requester or others (pending, on hold).
- ``satisfaction``: the mean score and count of the ratings given in the range, and ``good_percent``,
  the share of them that were good (4 or 5 of 5), as CSAT is usually quoted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q

from reports.metrics.durations import mean_and_median, read_beside, rounded, summarized_beside
from reports.metrics.expressions import count_where, in_range
from reports.metrics.sla import (
    FIRST_RESPONSE_COUNTS,
    RESOLUTION_COUNTS,
    RESOLVED_COUNT,
    compliance,
    first_responses_in,
    percent,
    stopped_in,
)
from reports.params import ReportParams
from reports.subject import Subject
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority, Status
from tickets.models import MilestoneKind, SatisfactionRating
from tickets.selectors import sla_breached_condition

COLUMNS = ("metric", "value")
_RESOLVED = Q(kind=MilestoneKind.RESOLVED)
# Counted in the scan of the stopped clocks, over the resolutions among them.
RESOLVED_FIGURES = {
    "one_touch": count_where(_RESOLVED & Q(replies=1)),
    "replied": Count("replies", filter=_RESOLVED),
    "replies": Avg("replies", filter=_RESOLVED),
}
# And for the dashboard, what they waited on others.
PAUSED = {"paused": Avg("paused_seconds", filter=_RESOLVED)}
# A good rating, as CSAT counts it: 4 or 5 of 5.
GOOD_RATING = Q(score__gte=4)


def dashboard(subject: Subject, params: ReportParams, now: datetime) -> dict[str, Any]:
    """All the figures in 12 queries, whatever the number of tickets, each reading one index range."""
    tickets = subject.tickets
    created = {
        (status, priority): count
        for status, priority, count in tickets.filter(in_range("created_at", params))
        .values_list("status", "priority")
        .annotate(count=Count("*"))
        .order_by()
    }
    now_state = tickets.filter(status__in=workflow.ACTIVE_STATUSES).aggregate(
        unassigned=count_where(Q(assignee__isnull=True)),
        overdue=count_where(sla_breached_condition(now)),
    )
    first_response = mean_and_median(first_responses_in(subject, params), "seconds", unit=60, **FIRST_RESPONSE_COUNTS)
    first_stopped = {(): {name: first_response.pop(name) for name in FIRST_RESPONSE_COUNTS}}
    stops = stopped_in(subject, params)
    # PostgreSQL summarizes the requester wait in the same scan of the stops; SQLite in a query of its own.
    postgresql = connection.vendor == "postgresql"
    beside = summarized_beside("wait_seconds", _RESOLVED) if postgresql else {}
    resolution = mean_and_median(
        stops, "seconds", unit=60, **RESOLUTION_COUNTS, **RESOLVED_COUNT, **RESOLVED_FIGURES, **PAUSED, **beside
    )
    requester_wait = (
        read_beside(resolution, "wait_seconds", unit=60)
        if postgresql
        else mean_and_median(stops.filter(kind=MilestoneKind.RESOLVED), "wait_seconds", unit=60)
    )
    resolved = resolution.pop("resolved")
    work = {name: resolution.pop(name) for name in [*RESOLVED_FIGURES, *PAUSED]}
    stopped = {(): {name: resolution.pop(name) for name in RESOLUTION_COUNTS}}
    judged = compliance(subject, params, now, (), stopped=stopped, first_stopped=first_stopped)[()]
    ratings = SatisfactionRating.objects.filter(in_range("created_at", params), ticket__in=tickets.values("pk"))
    rating = ratings.aggregate(mean=Avg("score"), count=Count("pk"), good=Count("pk", filter=GOOD_RATING))
    reopens = subject.milestones(MilestoneKind.REOPENED).filter(in_range("at", params))
    figures = {
        "created": sum(created.values()),
        "resolved": resolved,
        "unassigned": now_state["unassigned"],
        "overdue": now_state["overdue"],
        "by_status": {
            status.value: sum(n for (value, _), n in created.items() if value == status.value) for status in Status
        },
        "by_priority": {
            priority: sum(n for (_, value), n in created.items() if value == priority)
            for priority in sorted(Priority.values, key=lambda v: PRIORITY_RANK[v])
        },
        "first_response": first_response,
        "resolution": resolution,
        "sla_compliance": {
            "first_response": percent(judged["fr_met"], judged["fr_judged"]),
            "resolution": percent(judged["res_met"], judged["res_judged"]),
            "overall": percent(judged["fr_met"] + judged["res_met"], judged["fr_judged"] + judged["res_judged"]),
        },
        "satisfaction": {
            "mean": round(rating["mean"], 2) if rating["mean"] is not None else None,
            "count": rating["count"],
            "good_percent": percent(rating["good"], rating["count"]),
        },
        "reopened": reopens.aggregate(count=Count("ticket", distinct=True))["count"],
        "one_touch": {"count": work["one_touch"], "percent": percent(work["one_touch"], work["replied"])},
        "replies_per_ticket": rounded(work["replies"]),
        "requester_wait": requester_wait,
        "paused_mean": rounded(work["paused"], unit=60),
    }
    return {**figures, "results": list(_flat(figures))}


def _flat(figures: dict[str, Any], prefix: str = ""):
    """The figures as metric/value rows, for the CSV (``by_status.open``, ``first_response.median``...)."""
    for name, value in figures.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield {"metric": f"{prefix}{name}", "value": value}
