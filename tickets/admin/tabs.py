"""The tabs above the queue: the views, a tab per status with its count, and the user's saved views.

The counts are one query whatever the number of tabs, and bounded: each status is counted up
to the queue's counting limit (``BoundedPaginator.LIMIT``) through ``ticket_status_rank_idx``, so
a desk of a million tickets pays a few milliseconds, not a scan. Resolved and closed tickets
pile up for ever and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.db.models import QuerySet

from tickets import workflow
from tickets.admin.display import status_label
from tickets.admin.filters import QuickViewFilter
from tickets.choices import Status
from tickets.models import SavedView
from tickets.models.views import PLACES, normalized_query

# The status tabs, in the order work flows through them.
COUNTED = [s for s in workflow.ORDER if s in workflow.ACTIVE_STATUSES]
UNCOUNTED = [Status.RESOLVED, Status.CLOSED]


@dataclass(frozen=True)
class Tab:
    label: str
    url: str
    current: bool
    count: str = ""  # "1,204", "10,000+" past the counting limit, "" where not counted


@dataclass(frozen=True)
class SavedTab:
    label: str
    url: str
    current: bool
    pk: int


def _count(values: list[int], limit: int) -> str:
    total = sum(min(value, limit) for value in values)
    return f"{total:,}+" if any(value > limit for value in values) else f"{total:,}"


def status_counts(queryset: QuerySet, limit: int) -> dict[str, int]:
    """The active tickets of ``queryset`` per status, each counted up to ``limit + 1``; one query."""
    parts, params = [], []
    for index, status in enumerate(COUNTED):
        rows = queryset.filter(status=status).order_by().values("pk")[: limit + 1]
        sql, part_params = rows.query.sql_with_params()
        # The SQL is Django's own for the queryset, its values passed as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{index})")  # noqa: S608
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {status.value: count for status, count in zip(COUNTED, row, strict=True)}


def queue_tabs(request, queryset: QuerySet, limit: int) -> dict[str, list[Tab]]:
    """The view tabs and the status tabs of the queue ``request`` asks for, ``queryset`` being what the user sees."""
    view = QuickViewFilter.current(request)
    status = request.GET.get("status__exact", "")
    counts = status_counts(queryset, limit)
    views = [
        Tab(
            str(label),
            "?" if key == QuickViewFilter.DEFAULT else "?" + urlencode({"view": key}),
            key == view,
            _count(list(counts.values()), limit) if key == QuickViewFilter.DEFAULT else "",
        )
        for key, label in QuickViewFilter.VIEWS
    ]
    statuses = [
        Tab(
            status_label(value),
            "?" + urlencode({"status__exact": value.value}),
            status == value.value,
            _count([counts[value.value]], limit) if value.value in counts else "",
        )
        for value in [*COUNTED, *UNCOUNTED]
    ]
    here, unknown = normalized_query(request.GET.urlencode())
    return {
        "views": views,
        "statuses": statuses,
        "saved": saved_tabs(request, here),
        "here": here,
        # Filters of this page a saved view would not keep (a dashboard's "created today"): said so.
        "unsaved": [name for name in unknown if name not in PLACES],
    }


def saved_tabs(request, here: str) -> list[SavedTab]:
    """The user's own saved views, in their order, ``here`` (the queue's query) marked; one query."""
    rows = SavedView.objects.filter(user=request.user).only("pk", "name", "query", "position")
    return [SavedTab(view.name, view.url, view.query == here, view.pk) for view in rows]
