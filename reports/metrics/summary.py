"""``dashboard``: the figures a support manager opens the day with, for a date range.

- ``created`` / ``resolved``: tickets created, resp. resolved, in the range.
- ``by_status`` / ``by_priority``: the tickets created in the range, by what they are now.
- ``unassigned`` and ``overdue`` (active and breached, see tickets.selectors.sla_breached_condition)
  are the state now, whatever the range: a manager wants them today.
- ``first_response`` / ``resolution``: count, mean, median and 90th percentile (``p90``) in minutes
  of the policy's business time (stored on the ticket when each clock stops), over the clocks that stopped in the range.
- ``sla_compliance``: met / judged over both clocks, judged as the ``sla`` report judges them.
- ``satisfaction``: the mean score and count of the ratings given in the range, and ``good_percent``,
  the share of them that were good (4 or 5 of 5), as CSAT is usually quoted.
- ``reopened``: tickets reopened in the range (each once, however often), from the reopen events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from reports.metrics.durations import mean_and_median
from reports.metrics.expressions import count_where, in_range
from reports.metrics.sla import RESOLUTION_COUNTS, RESOLVED_COUNT, compliance, percent, stopped_in
from reports.params import ReportParams
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority, Status
from tickets.models import EventKind, SatisfactionRating, Ticket, TicketEvent
from tickets.selectors import sla_breached_condition

COLUMNS = ("metric", "value")
# A good rating, as CSAT counts it: 4 or 5 of 5.
GOOD_RATING = Q(score__gte=4)


def dashboard(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """All the figures in 8 queries, whatever the number of tickets, each reading one index range."""
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
    first_response = mean_and_median(tickets.filter(in_range("first_responded_at", params)), "first_response_minutes")
    resolution = mean_and_median(
        stopped_in(tickets, params), "resolution_minutes", **RESOLUTION_COUNTS, **RESOLVED_COUNT
    )
    resolved = resolution.pop("resolved")
    stopped = {(): {name: resolution.pop(name) for name in RESOLUTION_COUNTS}}
    judged = compliance(tickets, params, now, (), stopped=stopped)[()]
    ratings = SatisfactionRating.objects.filter(in_range("created_at", params), ticket__in=tickets.values("pk"))
    rating = ratings.aggregate(mean=Avg("score"), count=Count("pk"), good=Count("pk", filter=GOOD_RATING))
    reopens = TicketEvent.objects.filter(in_range("created_at", params), kind=EventKind.REOPENED)
    reopened = reopens.filter(ticket__in=tickets.values("pk")).aggregate(count=Count("ticket", distinct=True))
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
        "reopened": reopened["count"],
    }
    return {**figures, "results": list(_flat(figures))}


def _flat(figures: dict[str, Any], prefix: str = ""):
    """The figures as metric/value rows, for the CSV (``by_status.open``, ``first_response.median``...)."""
    for name, value in figures.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield {"metric": f"{prefix}{name}", "value": value}
