"""The figures on the agent console's home page, computed in the database.

Three queries whatever the number of tickets: one conditional aggregate for every
figure, and one GROUP BY per day for each of the two daily series (plus, the first
time for a user, whatever ``tickets_visible_to`` needs to know, e.g. an agent's teams
under team visibility).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.models import User
from tickets import workflow
from tickets.choices import Status
from tickets.models import Milestone, MilestoneKind
from tickets.selectors import sla_at_risk_condition, sla_breached_condition, tickets_visible_to

# Days in the created-vs-resolved chart, today included.
SERIES_DAYS = 14

# Active statuses in the workflow's own order, so cards and bars read the same everywhere.
OPEN_STATUSES: list[Status] = [status for status in workflow.ORDER if status in workflow.ACTIVE_STATUSES]


def _start_of(day: date, zone: tzinfo) -> datetime:
    """The first instant of a local day, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def _per_day(tickets: QuerySet, field: str, since: datetime, zone: tzinfo) -> dict[date, int]:
    """Tickets (or milestones) per local day of ``field`` from ``since`` on: one GROUP BY query.

    The day is cut in the current time zone by the database (``AT TIME ZONE`` on
    PostgreSQL, Django's zoneinfo-backed function on SQLite), so both give the same
    days; the range is bounded by an instant, which keeps the index on ``field`` usable.
    """
    rows = (
        tickets.filter(**{f"{field}__gte": since})
        .annotate(day=TruncDate(field, tzinfo=zone))
        .values("day")
        .annotate(count=Count("id"))
        .order_by("day")
    )
    return {row["day"]: row["count"] for row in rows}


def dashboard_figures(user: User, *, now: datetime) -> dict[str, Any]:
    """The dashboard's figures over the tickets ``user`` may see, at ``now``.

    Returns the counts shown on the cards (open tickets per active status and in
    all, unassigned, at risk, breached, created and resolved today, "today" being
    the local day in the current time zone), the created and resolved counts of the
    last ``SERIES_DAYS`` local days (``daily``), and two chart series, each as
    ``{"labels": [...], "series": [{"name": ..., "values": [...]}]}``, ready for
    ``json_script``. At risk and breached count active tickets only and agree with
    ``Ticket.sla_state(now)``; "resolved" counts the resolutions of each day (a ticket
    reopened since keeps them; one resolved twice in a day counts twice).
    """
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    today_start = _start_of(today, zone)
    tomorrow_start = _start_of(today + timedelta(days=1), zone)
    first_day = today - timedelta(days=SERIES_DAYS - 1)

    # Counting needs none of the selector's joins and prefetches; only its visibility filter.
    tickets = tickets_visible_to(user).select_related(None).prefetch_related(None).order_by()
    active = Q(status__in=workflow.ACTIVE_STATUSES)
    created_today = Q(created_at__gte=today_start, created_at__lt=tomorrow_start)
    counts = tickets.aggregate(
        **{f"status_{status.value}": Count("id", filter=Q(status=status)) for status in OPEN_STATUSES},
        open_total=Count("id", filter=active),
        unassigned=Count("id", filter=active & Q(assignee__isnull=True)),
        at_risk=Count("id", filter=active & sla_at_risk_condition(now)),
        breached=Count("id", filter=active & sla_breached_condition(now)),
        created_today=Count("id", filter=created_today),
    )

    since = _start_of(first_day, zone)
    created = _per_day(tickets, "created_at", since, zone)
    # Resolutions as they happened (milestones): a ticket reopened since keeps its day in the chart.
    resolutions = Milestone.objects.filter(kind=MilestoneKind.RESOLVED, ticket__in=tickets.values("pk"))
    resolved = _per_day(resolutions, "at", since, zone)
    days = [first_day + timedelta(days=offset) for offset in range(SERIES_DAYS)]

    daily = [
        {"day": day, "label": date_format(day, "M j"), "created": created.get(day, 0), "resolved": resolved.get(day, 0)}
        for day in days
    ]
    open_by_status = [
        {"status": status.value, "label": str(status.label), "count": counts[f"status_{status.value}"]}
        for status in OPEN_STATUSES
    ]
    return {
        "today": today,
        "open_by_status": open_by_status,
        "open_total": counts["open_total"],
        "unassigned": counts["unassigned"],
        "at_risk": counts["at_risk"],
        "breached": counts["breached"],
        "created_today": counts["created_today"],
        "resolved_today": resolved.get(today, 0),
        "daily": daily,
        "charts": {
            "open_by_status": {
                "labels": [row["label"] for row in open_by_status],
                "series": [{"name": gettext("Open tickets"), "values": [row["count"] for row in open_by_status]}],
            },
            "created_resolved": {
                "labels": [row["label"] for row in daily],
                "titles": [date_format(row["day"], "D, M j, Y") for row in daily],
                "axis": "time",
                "series": [
                    {"name": gettext("Created"), "values": [row["created"] for row in daily]},
                    {"name": gettext("Resolved"), "values": [row["resolved"] for row in daily]},
                ],
            },
        },
    }
