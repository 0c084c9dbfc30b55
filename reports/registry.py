"""The reports: what each one is made of, and running one for a caller (with the cache).

A report is a name, a parameters serializer (``reports/params.py``), a function
computing its figures with SQL aggregates over the tickets and milestones in the caller's
scope (``reports/scope.py``) that pass the parameters' filters (``reports/subject.py``), and
its CSV columns.

Every JSON answer has the same frame::

    {"report": "aging", "params": {...the checked parameters...}, "scope": "assigned" | "teams" | "all",
     "generated_at": "...", "results": [...rows...], ...the report's own extra keys (totals...)}

Answers are cached for ``REPORTS_CACHE_SECONDS`` (default 60; 0 turns caching off)
in Django's default cache (Redis when configured, local memory otherwise). The key
is the report's name, its normalized parameters (time zone included) and the
scope's identity, so two callers share figures only when they cover the same
tickets; ``generated_at`` says when they were computed.

Live answers are not stale after a write: an answer whose range reaches the present
(``to`` after now, as the default last 30 days do) or that holds figures of the
present whatever its range (``dashboard``: unassigned, overdue) also keys on the
desk's "tickets changed" number (``tickets/changes.py``), bumped after every ticket
write, so the first read after a write computes afresh. Answers about past ranges
are cached for the whole time (a late change to an old ticket shows within
``REPORTS_CACHE_SECONDS``), and so are live ones while nothing is written, which
also bounds how late a ticket that becomes overdue by the clock alone is counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from reports.metrics import agents, aging, arrivals, sla, sla_violations, summary, volume
from reports.params import ReportParams, ReportParamsSerializer, local_iso
from reports.scope import ReportScope
from reports.subject import Subject
from tickets.changes import tickets_changed_version
from tickets.models import Ticket

T = TypeVar("T")

# Bump when an answer's shape changes, so no cached answer of the old shape is served.
CACHE_VERSION = 3

Compute = Callable[[Subject, ReportParams, datetime], dict[str, Any]]
Stream = Callable[[Subject, ReportParams, datetime], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class Report:
    name: str
    params: type[ReportParamsSerializer]
    compute: Compute
    # The CSV header, from the parameters (a split adds a column).
    columns: Callable[[ReportParams], tuple[str, ...]]
    # Rows for the CSV when they are not bounded (every violation): streamed, never cached.
    stream: Stream | None = None
    # Whether some figures are of the present whatever the range (then always keyed as live).
    has_figures_of_now: bool = False


def _of_tickets(figures: Callable[[QuerySet[Ticket], ReportParams, datetime], T]) -> Callable[..., T]:
    """A report counted over the tickets as they are now alone (a snapshot of the open work, a list of tickets)."""
    return lambda subject, params, now: figures(subject.tickets, params, now)


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report(
            "dashboard",
            ReportParamsSerializer,
            summary.dashboard,
            lambda params: summary.COLUMNS,
            has_figures_of_now=True,
        ),
        Report("agents", ReportParamsSerializer, agents.agents, lambda params: agents.COLUMNS),
        Report("sla", ReportParamsSerializer, sla.sla, lambda params: sla.COLUMNS),
        Report("aging", ReportParamsSerializer, _of_tickets(aging.aging), lambda params: aging.COLUMNS),
        Report(
            "sla-violations",
            sla_violations.ViolationsParamsSerializer,
            _of_tickets(sla_violations.sla_violations),
            lambda params: sla_violations.COLUMNS,
            stream=_of_tickets(sla_violations.stream_violations),
        ),
        Report("tickets", volume.VolumeParamsSerializer, volume.volume, volume.columns),
        Report("arrivals", ReportParamsSerializer, arrivals.arrivals, lambda params: arrivals.COLUMNS),
    )
}


def csv_filename(report: Report, params: ReportParams) -> str:
    """``dashboard-20260301-20260331.csv``: the report and the local days it covers (``to`` is excluded)."""
    first = timezone.localdate(params.start)
    last = timezone.localdate(params.end - timedelta(microseconds=1))
    return f"{report.name}-{first:%Y%m%d}-{last:%Y%m%d}.csv"


def is_live(report: Report, params: ReportParams, now: datetime) -> bool:
    """Whether a write now can change the answer: its range reaches the present, or it has figures of now."""
    return report.has_figures_of_now or params.end > now


def cache_key(report: Report, params: ReportParams, scope: ReportScope, *, tickets_version: int | None = None) -> str:
    raw = f"{report.name}|{scope.identity}|{params.cache_part()}"
    # Hashed: the parameters can be long, and some cache backends limit key length.
    key = f"reports:v{CACHE_VERSION}:{report.name}:{hashlib.sha256(raw.encode()).hexdigest()}"
    return key if tickets_version is None else f"{key}:t{tickets_version}"


def run_report(report: Report, params: ReportParams, scope: ReportScope) -> dict[str, Any]:
    """The report's JSON answer for ``scope``, from the cache when an equal request was answered lately
    (and, for a live answer, no ticket was written since)."""
    seconds = settings.REPORTS_CACHE_SECONDS
    now = timezone.now()
    key = ""
    if seconds:
        version = tickets_changed_version() if is_live(report, params, now) else None
        key = cache_key(report, params, scope, tickets_version=version)
        cached = cache.get(key)
        if cached is not None:
            return cached
    answer = {
        "report": report.name,
        "params": params.as_json(),
        "scope": scope.kind,
        "generated_at": local_iso(now),
        **report.compute(Subject.of(scope, params), params, now),
    }
    if seconds:
        cache.set(key, answer, seconds)
    return answer


def csv_rows(report: Report, params: ReportParams, scope: ReportScope) -> Iterator[list[Any]]:
    """The report's rows as CSV cells in ``columns`` order, produced one by one.

    A bounded report (a few hundred rows at most) is computed here, before the
    response starts, reusing the JSON answer and its cache, so CSV and JSON agree;
    a streamed report reads its rows from the database in chunks while the
    response is sent.
    """
    columns = report.columns(params)
    rows: Iterable[dict[str, Any]]
    if report.stream is not None:
        rows = report.stream(Subject.of(scope, params), params, timezone.now())
    else:
        rows = run_report(report, params, scope)["results"]
    return ([row[column] for column in columns] for row in rows)
