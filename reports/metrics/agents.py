"""``agents``: each agent's figures over the range, from the tickets assigned to them now.

Per agent (the ticket's current assignee):

- ``assigned``: tickets created in the range; ``resolved``: tickets resolved in the range.
- ``median_first_response`` / ``median_resolution``: minutes of the policy's business time
  over the clocks that stopped in the range (as the ``dashboard`` counts them); ``p90_first_response``
  / ``p90_resolution``: their 90th percentiles, from the same queries.
- ``sla_percent``: both clocks judged as the ``sla`` report judges them, met / judged.
- ``reopen_rate``: of the tickets resolved in the range or reopened in it (each ticket once),
  the share that was reopened in the range, in percent.
- ``satisfaction``: the mean score of the ratings given in the range, and how many; ``good_percent``:
  the share of them that were good (4 or 5 of 5).

Agents without any figure in the range are left out; the scope decides whose rows a caller
sees (an agent: their own; a team lead: their teams').
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from accounts.models import User
from reports.metrics.durations import summarize
from reports.metrics.expressions import grouped, in_range
from reports.metrics.sla import RESOLUTION_COUNTS, RESOLVED_COUNT, compliance, percent, stopped_in
from reports.metrics.summary import GOOD_RATING
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
    "p90_first_response",
    "p90_resolution",
    "good_percent",
)
BY_AGENT = ("assignee_id",)


def agents(tickets: QuerySet[Ticket], params: ReportParams, now: datetime) -> dict[str, Any]:
    """One row per agent, busiest first, in a constant number of queries (each over one index range)."""
    assigned = tickets.filter(assignee__isnull=False)
    created = grouped(assigned.filter(in_range("created_at", params)), BY_AGENT, count=Count("*"))
    first = summarize(assigned.filter(in_range("first_responded_at", params)), "first_response_minutes", BY_AGENT)
    resolution = summarize(
        stopped_in(assigned, params), "resolution_minutes", BY_AGENT, **RESOLUTION_COUNTS, **RESOLVED_COUNT
    )
    resolved = {key: {"count": row["resolved"]} for key, row in resolution.items() if row["resolved"]}
    judged = compliance(assigned, params, now, BY_AGENT, stopped=resolution)
    # Reopened in the range, each ticket once; and of those, the ones also resolved in it (counted twice otherwise).
    reopens = TicketEvent.objects.filter(in_range("created_at", params), kind=EventKind.REOPENED).filter(
        ticket__in=assigned.values("pk")
    )
    reopened = grouped(
        reopens,
        ("ticket__assignee_id",),
        count=Count("ticket", distinct=True),
        also_resolved=Count(
            "ticket",
            distinct=True,
            filter=Q(ticket__resolved_at__gte=params.start, ticket__resolved_at__lt=params.end),
        ),
    )
    ratings = grouped(
        SatisfactionRating.objects.filter(ticket__in=assigned.values("pk")).filter(in_range("created_at", params)),
        ("ticket__assignee_id",),
        mean=Avg("score"),
        count=Count("pk"),
        good=Count("pk", filter=GOOD_RATING),
    )
    # Agents with a figure in the range: a count, a measured duration or a judged clock.
    ids = {key for key, row in judged.items() if row["fr_judged"] or row["res_judged"]}
    ids |= {key for found in (first, resolution) for key, row in found.items() if row["count"]}
    ids |= {key for found in (created, resolved, reopened, ratings) for key in found}
    people = User.objects.in_bulk([key for (key,) in ids])
    empty: dict[str, Any] = {}
    rows = []
    for key in ids:
        (agent_id,) = key
        counts = judged.get(key) or dict.fromkeys(("fr_judged", "fr_met", "res_judged", "res_met"), 0)
        resolved_count = (resolved.get(key) or {}).get("count", 0)
        reopen = reopened.get(key) or {"count": 0, "also_resolved": 0}
        rating = ratings.get(key) or empty
        rows.append(
            {
                "agent_id": agent_id,
                "agent": people[agent_id].get_full_name(),
                "email": people[agent_id].email,
                "assigned": (created.get(key) or {}).get("count", 0),
                "resolved": resolved_count,
                "median_first_response": (first.get(key) or empty).get("median"),
                "median_resolution": (resolution.get(key) or empty).get("median"),
                "sla_percent": percent(
                    counts["fr_met"] + counts["res_met"], counts["fr_judged"] + counts["res_judged"]
                ),
                "reopen_rate": percent(reopen["count"], resolved_count + reopen["count"] - reopen["also_resolved"]),
                "satisfaction": _round(rating.get("mean"), 2),
                "ratings": rating.get("count", 0),
                "p90_first_response": (first.get(key) or empty).get("p90"),
                "p90_resolution": (resolution.get(key) or empty).get("p90"),
                "good_percent": percent(rating.get("good", 0), rating.get("count", 0)),
            }
        )
    rows.sort(key=lambda r: (-r["resolved"], -r["assigned"], r["email"]))
    return {"results": rows}


def _round(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None
