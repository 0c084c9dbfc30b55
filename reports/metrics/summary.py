"""``dashboard``: the figures a support manager opens the day with, for a date range.

- ``created`` / ``resolved``: tickets created, resp. resolved, in the range.
- ``by_status`` / ``by_priority``: the tickets created in the range, by what they are now.
- ``unassigned`` and ``overdue`` (active and breached, see tickets.selectors.sla_breached_condition)
  are the state now, whatever the range: a manager wants them today.
- ``first_response`` / ``resolution``: count, mean and median in minutes of the policy's business
  time (stored on the ticket when each clock stops), over the clocks that stopped in the range.
- ``sla_compliance``: met / judged over both clocks, judged as the ``sla`` report judges them.
- ``satisfaction``: the mean score and count of the ratings given in the range.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from reports.metrics.durations import mean_and_median
from reports.metrics.expressions import in_range
from reports.metrics.sla import compliance_counts, percent
from reports.params import ReportParams
from tickets import workflow
from tickets.choices import PRIORITY_RANK, Priority, Status
from tickets.models import SatisfactionRating, Ticket
from tickets.selectors import sla_breached_condition

COLUMNS = ("metric", "value")


def dashboard(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """All the figures in 8 queries, whatever the number of tickets."""
    active = Q(status__in=workflow.ACTIVE_STATUSES)
    annotated, compliance = compliance_counts(tickets, params, now)
    counts = annotated.aggregate(
        created=Count("pk", filter=in_range("created_at", params)),
        resolved=Count("pk", filter=in_range("resolved_at", params)),
        unassigned=Count("pk", filter=active & Q(assignee__isnull=True)),
        overdue=Count("pk", filter=active & sla_breached_condition(now)),
        **compliance,
    )
    created = tickets.filter(in_range("created_at", params)).order_by()
    statuses = dict(created.values_list("status").annotate(n=Count("pk")))
    priorities = dict(created.values_list("priority").annotate(n=Count("pk")))
    stopped = annotated.filter(in_range("stopped_at", params))
    ratings = SatisfactionRating.objects.filter(in_range("created_at", params), ticket__in=tickets.values("pk"))
    rating = ratings.aggregate(mean=Avg("score"), count=Count("pk"))
    figures = {
        "created": counts["created"],
        "resolved": counts["resolved"],
        "unassigned": counts["unassigned"],
        "overdue": counts["overdue"],
        "by_status": {status.value: statuses.get(status.value, 0) for status in Status},
        "by_priority": {
            value: priorities.get(value, 0) for value in sorted(Priority.values, key=lambda v: PRIORITY_RANK[v])
        },
        "first_response": mean_and_median(
            tickets.filter(in_range("first_responded_at", params)), "first_response_minutes"
        ),
        "resolution": mean_and_median(stopped, "resolution_minutes"),
        "sla_compliance": {
            "first_response": percent(counts["fr_met"], counts["fr_judged"]),
            "resolution": percent(counts["res_met"], counts["res_judged"]),
            "overall": percent(counts["fr_met"] + counts["res_met"], counts["fr_judged"] + counts["res_judged"]),
        },
        "satisfaction": {
            "mean": round(rating["mean"], 2) if rating["mean"] is not None else None,
            "count": rating["count"],
        },
    }
    return {**figures, "results": list(_flat(figures))}


def _flat(figures: dict[str, Any], prefix: str = ""):
    """The figures as metric/value rows, for the CSV (``by_status.open``, ``first_response.median``...)."""
    for name, value in figures.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield {"metric": f"{prefix}{name}", "value": value}
