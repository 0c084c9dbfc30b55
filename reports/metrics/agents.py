"""``agents``: each agent's figures over the range, from the tickets assigned to them now.

Per agent (the ticket's current assignee):

- ``assigned``: tickets created in the range; ``resolved``: tickets resolved in the range.
- ``median_first_response`` / ``median_resolution``: minutes of the policy's business time
  over the clocks that stopped in the range (as the ``dashboard`` counts them).
- ``sla_percent``: both clocks judged as the ``sla`` report judges them, met / judged.
- ``reopen_rate``: of the tickets resolved in the range or reopened in it (each ticket once),
  the share that was reopened in the range, in percent.
- ``satisfaction``: the mean score of the ratings given in the range, and how many.

Agents without any figure in the range are left out; the scope decides whose rows a caller
sees (an agent: their own; a team lead: their teams').
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from reports.metrics.durations import medians
from reports.metrics.expressions import in_range
from reports.metrics.sla import compliance_counts, percent
from reports.params import ReportParams
from tickets.models import EventKind, SatisfactionRating, Ticket, TicketEvent

COLUMNS = (
    "agent_id",
    "agent",
    "email",
    "assigned",
    "resolved",
    "median_first_response",
    "median_resolution",
    "sla_percent",
    "reopen_rate",
    "satisfaction",
    "ratings",
)


def agents(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """One row per agent, busiest first, in 5 queries whatever the number of tickets or agents."""
    assigned = tickets.filter(assignee__isnull=False)
    reopened = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.REOPENED).filter(
        in_range("created_at", params)
    )
    annotated, compliance = compliance_counts(assigned, params, now)
    grouped = (
        annotated.annotate(was_reopened=Exists(reopened))
        .values("assignee_id")
        .annotate(
            assigned=Count("pk", filter=in_range("created_at", params)),
            resolved=Count("pk", filter=in_range("resolved_at", params)),
            reopened=Count("pk", filter=Q(was_reopened=True)),
            resolved_or_reopened=Count("pk", filter=in_range("resolved_at", params) | Q(was_reopened=True)),
            **compliance,
        )
    )
    first = medians(assigned.filter(in_range("first_responded_at", params)), "first_response_minutes", "assignee_id")
    stopped = annotated.filter(in_range("stopped_at", params))
    resolution = medians(stopped, "resolution_minutes", "assignee_id")
    ratings = {
        row["ticket__assignee_id"]: row
        for row in SatisfactionRating.objects.filter(ticket__in=assigned.values("pk"))
        .filter(in_range("created_at", params))
        .values("ticket__assignee_id")
        .annotate(mean=Avg("score"), count=Count("pk"))
        .order_by()
    }
    counts = {row["assignee_id"]: row for row in grouped}
    ids = {key for key, row in counts.items() if _has_figures(row)} | set(first) | set(resolution) | set(ratings)
    people = User.objects.in_bulk(ids)
    rows = []
    for agent_id in ids:
        row = counts.get(agent_id) or {}
        rating = ratings.get(agent_id) or {}
        judged = row.get("fr_judged", 0) + row.get("res_judged", 0)
        met = row.get("fr_met", 0) + row.get("res_met", 0)
        rows.append(
            {
                "agent_id": agent_id,
                "agent": people[agent_id].get_full_name(),
                "email": people[agent_id].email,
                "assigned": row.get("assigned", 0),
                "resolved": row.get("resolved", 0),
                "median_first_response": _round(first.get(agent_id)),
                "median_resolution": _round(resolution.get(agent_id)),
                "sla_percent": percent(met, judged),
                "reopen_rate": percent(row.get("reopened", 0), row.get("resolved_or_reopened", 0)),
                "satisfaction": _round(rating.get("mean"), 2),
                "ratings": rating.get("count", 0),
            }
        )
    rows.sort(key=lambda r: (-r["resolved"], -r["assigned"], r["email"]))
    return {"results": rows}


def _has_figures(row: dict[str, Any]) -> bool:
    return any(row[name] for name in ("assigned", "resolved", "reopened", "fr_judged", "res_judged"))


def _round(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None
