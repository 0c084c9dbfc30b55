"""Seed 001's Zendesk ticket analytics for a period (``integrations.api.zendesk``): managers and admins only."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.errors import ValidationFailed
from integrations.api.access import IsManagerRole
from integrations.api.common import CONNECTION_PARAMETER, REMOTE_ERRORS, remote_errors
from integrations.api.serializers import (
    ZENDESK_PRIORITIES,
    ZENDESK_STATUSES,
    ZendeskAnalyticsSerializer,
)
from integrations.api.zendesk import (
    MAX_PAGE_SIZE,
    TAGS,
    ZendeskView,
)
from integrations.api.zendesk_remote import SEARCH_RESULT_LIMIT

# Analytics reads at most this many tickets of the period (Zendesk's search stops at 1,000).
ANALYTICS_MAX_TICKETS = SEARCH_RESULT_LIMIT
ANALYTICS_DEFAULT_DAYS = 30
ANALYTICS_MAX_DAYS = 366


def _date_param(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(name, "A date as YYYY-MM-DD.") from None


class AnalyticsTicketsView(ZendeskView):
    permission_classes = [IsManagerRole]

    @extend_schema(
        summary="Zendesk ticket figures for a period",
        description="Tickets created from `from` to `to` (inclusive days, default the last 30; at most 366), "
        "counted by status and priority, and how many of them are solved or closed, read from Zendesk's "
        f"search ({ANALYTICS_MAX_TICKETS} tickets at most: `truncated` says when there were more).",
        parameters=[
            CONNECTION_PARAMETER,
            OpenApiParameter("from", OpenApiTypes.DATE, required=False),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False),
        ],
        responses={200: ZendeskAnalyticsSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        end = _date_param(request, "to", today)
        start = _date_param(request, "from", end - timedelta(days=ANALYTICS_DEFAULT_DAYS - 1))
        if start > end:
            raise ValidationFailed.on("from", "The period starts after it ends.")
        if (end - start).days >= ANALYTICS_MAX_DAYS:
            raise ValidationFailed.on("from", f"A period has at most {ANALYTICS_MAX_DAYS} days.")
        query = f"type:ticket created>={start.isoformat()} created<={end.isoformat()}"
        by_status = dict.fromkeys(ZENDESK_STATUSES, 0)
        by_priority = {**dict.fromkeys(ZENDESK_PRIORITIES, 0), "none": 0}
        read, cursor, total = 0, None, None
        with remote_errors():
            while True:
                page = self.zendesk.search_page(query, size=MAX_PAGE_SIZE, cursor=cursor)
                total = page.count if page.count is not None else total
                for ticket in page.items:
                    by_status[ticket.get("status") or "new"] = by_status.get(ticket.get("status") or "new", 0) + 1
                    priority = ticket.get("priority") or "none"
                    by_priority[priority] = by_priority.get(priority, 0) + 1
                read += len(page.items)
                cursor = page.next_cursor
                if cursor is None or read >= ANALYTICS_MAX_TICKETS:
                    break
        solved = by_status.get("solved", 0) + by_status.get("closed", 0)
        body = {
            "from": start,
            "to": end,
            "created": {"total": read, "by_status": by_status, "by_priority": by_priority},
            "solved": solved,
            "resolution_rate": round(solved / read, 4) if read else None,
            "truncated": total is not None and total > read,
        }
        return Response(ZendeskAnalyticsSerializer(body).data)
