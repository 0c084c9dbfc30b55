"""The reports page of the agent console: volume, backlog, SLA compliance and aging as charts, arrivals as a
weekday x hour heatmap, and the agent table.

The figures are the API's reports (same parameters, scope and cache), drawn by the
console's own ``static/helpdesk/admin/charts.js``; each chart links to its CSV.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from accounts.models import Team
from kb.selectors import deflection_summary
from reports.admin_subscriptions import subscriptions_context
from reports.metrics.aging import BUCKETS, PRIORITIES
from reports.models import WEEKDAYS
from reports.params import parse_params
from reports.presets import date_presets
from reports.registry import REPORTS, run_report
from reports.scope import NoReportScope, scope_for
from tickets.choices import Priority

# The query-string names the page passes on to the reports (and to their CSV links).
PASSED_ON = ("from", "to", "team", "category", "priority")


def _query(request: HttpRequest, **extra: str) -> dict[str, str]:
    query = {name: request.GET[name] for name in PASSED_ON if request.GET.get(name)}
    return {**query, **extra}


def _answer(name: str, query: dict[str, str], scope) -> dict[str, Any]:
    report = REPORTS[name]
    return run_report(report, parse_params(report.params, query), scope)


def _answers(query: dict[str, str], bucket: str, scope) -> dict[str, Any]:
    return {
        "dashboard": _answer("dashboard", query, scope),
        "volume": _answer("tickets", {**query, "bucket": bucket}, scope),
        "sla": _answer("sla", query, scope),
        "aging": _answer("aging", query, scope),
        "agents": _answer("agents", query, scope),
        "arrivals": _answer("arrivals", query, scope),
    }


# The axis text and the tooltip's name of a volume bucket (Django date formats, translated).
PERIOD_FORMATS = {
    "day": ("M j", "D, M j, Y"),
    "week": ("M j", "M j, Y"),
    "month": ("M Y", "F Y"),
}


def _period_names(periods: list[str], bucket: str) -> tuple[list[str], list[str]]:
    short, long = PERIOD_FORMATS.get(bucket, PERIOD_FORMATS["day"])
    days = [date.fromisoformat(period) for period in periods]
    titles = [date_format(day, long) for day in days]
    if bucket == "week":
        titles = [_("Week of %(day)s") % {"day": title} for title in titles]
    return [date_format(day, short) for day in days], titles


def _charts(volume: dict, sla: dict, aging: dict, bucket: str) -> dict[str, Any]:
    """The four charts as ``charts.js`` draws them; ``None`` is "no data" (nothing judged), 0 a real zero."""
    by_priority = [row for row in sla["results"] if row["dimension"] == "priority"]
    labels, titles = _period_names([row["period"] for row in volume["results"]], bucket)
    return {
        "volume": {
            "labels": labels,
            "titles": titles,
            "axis": "time",
            "series": [
                {"name": _("Created"), "values": [row["created"] for row in volume["results"]]},
                {"name": _("Resolved"), "values": [row["resolved"] for row in volume["results"]]},
                {"name": _("Reopened"), "values": [row["reopened"] for row in volume["results"]]},
            ],
        },
        "backlog": {
            "labels": labels,
            "titles": titles,
            "axis": "time",
            "series": [{"name": _("Open at the end"), "values": [row["backlog"] for row in volume["results"]]}],
        },
        "sla": {
            "labels": [row["label"] for row in by_priority],
            "unit": "%",
            "max": 100,
            "series": [
                {"name": _("First response %"), "values": [row["first_response_percent"] for row in by_priority]},
                {"name": _("Resolution %"), "values": [row["resolution_percent"] for row in by_priority]},
            ],
        },
        "aging": {
            "labels": [name for name, _days in BUCKETS],
            "series": [
                {
                    "name": str(Priority(priority).label),
                    "values": [
                        next(r["count"] for r in aging["results"] if r["bucket"] == name and r["priority"] == priority)
                        for name, _days in BUCKETS
                    ],
                }
                for priority in PRIORITIES
                if any(r["priority"] == priority for r in aging["results"])
            ],
        },
    }


def _heatmap(arrivals: dict) -> dict[str, Any]:
    """The arrivals as a weekday x hour table: each cell's count and its shade (its share of the busiest cell)."""
    most = max((row["count"] for row in arrivals["results"]), default=0)
    names = [date_format(date(2026, 1, 5) + timedelta(days=day), "D") for day in range(7)]  # a Monday, then the week
    rows = [
        {
            "name": names[weekday - 1],
            "cells": [
                {"hour": row["hour"], "count": row["count"], "shade": round(row["count"] / most, 2) if most else 0}
                for row in arrivals["results"]
                if row["weekday"] == weekday
            ],
        }
        for weekday in range(1, 8)
    ]
    return {"rows": rows, "hours": list(range(24)), "total": arrivals["totals"]["created"]}


def _shown_dates(params: dict[str, Any]) -> dict[str, str]:
    """The local days the answers cover, for the date fields: ``to`` is excluded, the fields' last day is not."""
    start = datetime.fromisoformat(params["from"])
    end = datetime.fromisoformat(params["to"])
    return {"from": start.date().isoformat(), "to": (end - timedelta(microseconds=1)).date().isoformat()}


def reports_page(request: HttpRequest, admin_site) -> HttpResponse:
    errors: dict[str, Any] = {}
    query = _query(request)
    bucket = request.GET.get("bucket") or "day"
    try:
        scope = scope_for(request.user)
    except NoReportScope:
        scope = None
    answers: dict[str, Any] = {}
    if scope is not None:
        try:
            answers = _answers(query, bucket, scope)
        except ValidationError as exc:
            errors, query, bucket = exc.detail, {}, "day"
            answers = _answers(query, bucket, scope)
    context = {
        **admin_site.each_context(request),
        "title": _("Reports"),
        "subtitle": None,
        "errors": errors,
        "query": query,
        "bucket": bucket,
        "teams": Team.objects.order_by("name"),
        "answers": answers,
        "charts": _charts(answers["volume"], answers["sla"], answers["aging"], bucket) if answers else {},
        "heatmap": _heatmap(answers["arrivals"]) if answers else None,
        "presets": date_presets(timezone.localdate()),
        "shown": _shown_dates(answers["sla"]["params"]) if answers else {},
        "csv": {
            name.replace("-", "_"): "/api/v1/reports/{}?{}".format(name, urlencode(_query(request, format="csv")))
            for name in ("tickets", "sla", "aging", "agents", "dashboard", "sla-violations", "arrivals")
        },
        "subscriptions": subscriptions_context(request) if scope is not None else [],
        "weekdays": WEEKDAYS,
        "time_zone": timezone.get_default_timezone_name(),
        "hours": range(24),
        "kb": deflection_summary(request.user),  # the knowledge base's deflection figures (kb/)
        "is_nav_sidebar_enabled": False,
    }
    return TemplateResponse(request, "admin/reports.html", context)
