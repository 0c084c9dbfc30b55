"""``agents``: each agent's figures over the range, credited to whoever did the work at the time.

Per agent, from the milestones of the range (tickets/models/milestone.py), so a ticket reassigned
or reopened later leaves the figures of a past range as they were:

- ``assigned``: assignments to the agent in the range; ``resolved``: resolutions while the ticket
  was assigned to them.
- ``median_first_response`` / ``p90_first_response``: minutes of the policy's business time to the
  first public reply, over the first replies the agent wrote in the range;
  ``median_resolution`` / ``p90_resolution``: over the resolution clocks that stopped in the range
  while the ticket was theirs.
- ``sla_percent``: both clocks judged as the ``sla`` report judges them (a stopped clock credited
  to whoever stopped it, or held the ticket when it stopped; a clock overdue and still running to
  the ticket's assignee now), met / judged.
- ``reopen_rate``: reopens in the range of tickets the agent held, per resolution of theirs in it,
  in percent (``null`` without a resolution).
- ``one_touch_percent``: the share of their resolutions that came after exactly one public staff
  reply; ``replies_per_ticket``: the mean public staff replies per resolution.
- ``satisfaction``: the mean score of the ratings given in the range to tickets assigned to them
  now (a rating comes after the work, from whoever holds the ticket then), and how many;
  ``good_percent``: the share of them that were good (4 or 5 of 5).

Agents without any figure in the range are left out; the scope decides whose rows a caller
sees (an agent: their own; a team lead: their teams').
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, QuerySet

from accounts.models import User
from reports.metrics.durations import rounded, summarize
from reports.metrics.expressions import grouped, in_range
from reports.metrics.sla import (
    FIRST_RESPONSE_COUNTS,
    RESOLUTION_COUNTS,
    RESOLVED_COUNT,
    compliance,
    percent,
    stopped_in,
)
from reports.metrics.summary import GOOD_RATING, RESOLVED_FIGURES
from reports.params import ReportParams
from reports.subject import Subject
from tickets.models import Milestone, MilestoneKind, SatisfactionRating

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
    "one_touch_percent",
    "replies_per_ticket",
)
BY_AGENT = ("assignee_id",)


def agents(subject: Subject, params: ReportParams, now: datetime) -> dict[str, Any]:
    """One row per agent, busiest first, in a constant number of queries (each over one index range)."""

    def of(kind: str) -> QuerySet[Milestone]:
        return subject.milestones(kind).filter(in_range("at", params), assignee__isnull=False)

    created = grouped(of(MilestoneKind.ASSIGNED), BY_AGENT, count=Count("*"))
    first = summarize(of(MilestoneKind.FIRST_RESPONSE), "seconds", BY_AGENT, unit=60, **FIRST_RESPONSE_COUNTS)
    stops = stopped_in(subject, params).filter(assignee__isnull=False)
    resolution = summarize(
        stops, "seconds", BY_AGENT, unit=60, **RESOLUTION_COUNTS, **RESOLVED_COUNT, **RESOLVED_FIGURES
    )
    resolved = {key: {"count": row["resolved"]} for key, row in resolution.items() if row["resolved"]}
    judged = compliance(subject, params, now, BY_AGENT, stopped=resolution, first_stopped=first)
    reopened = grouped(of(MilestoneKind.REOPENED), BY_AGENT, count=Count("*"))
    ratings = grouped(
        SatisfactionRating.objects.filter(
            ticket__in=subject.tickets.filter(assignee__isnull=False).values("pk")
        ).filter(in_range("created_at", params)),
        ("ticket__assignee_id",),
        mean=Avg("score"),
        count=Count("pk"),
        good=Count("pk", filter=GOOD_RATING),
    )
    # Agents with a figure in the range: a count, a measured duration or a judged clock.
    ids = {key for key, row in judged.items() if row["fr_judged"] or row["res_judged"]}
    ids |= {key for found in (first, resolution) for key, row in found.items() if row["count"]}
    ids |= {key for found in (created, resolved, reopened, ratings) for key in found}
    ids.discard((None,))
    people = User.objects.in_bulk([key for (key,) in ids])
    empty: dict[str, Any] = {}
    rows = []
    for key in ids:
        (agent_id,) = key
        counts = judged.get(key) or dict.fromkeys(("fr_judged", "fr_met", "res_judged", "res_met"), 0)
        resolved_count = (resolved.get(key) or {}).get("count", 0)
        reopens = (reopened.get(key) or {}).get("count", 0)
        work = resolution.get(key) or {"replies": None, "replied": 0, "one_touch": 0}
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
                "reopen_rate": percent(reopens, resolved_count),
                "satisfaction": rounded(rating.get("mean"), 2),
                "ratings": rating.get("count", 0),
                "p90_first_response": (first.get(key) or empty).get("p90"),
                "p90_resolution": (resolution.get(key) or empty).get("p90"),
                "good_percent": percent(rating.get("good", 0), rating.get("count", 0)),
                "one_touch_percent": percent(work["one_touch"], work["replied"]),
                "replies_per_ticket": rounded(work["replies"]),
            }
        )
    rows.sort(key=lambda r: (-r["resolved"], -r["assigned"], r["email"]))
    return {"results": rows}
