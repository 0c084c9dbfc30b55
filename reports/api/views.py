"""``/api/v1/reports/...``: one view per report, JSON by default, CSV with ``?format=csv``.

Customers get 403; staff get figures over their report scope (reports/scope.py).
Parameters are checked before anything is computed: a bad one is a 400 in the
one error shape, whichever format was asked for.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from helpdesk.api.permissions import IsStaffRole
from helpdesk.errors import PermissionDenied
from reports.api import serializers
from reports.params import parse_params
from reports.registry import REPORTS, csv_filename, csv_rows, run_report
from reports.scope import NoReportScope, scope_for
from tickets.api.export import CSVFormatMixin, CSVRenderer, csv_response, wants_csv


class ReportPermission(IsStaffRole):
    message = "Reports are for staff: agents, team leads, managers and admins."


class ReportView(CSVFormatMixin, APIView):
    """A report; subclasses name it and document it."""

    permission_classes = [IsAuthenticated, ReportPermission]
    # CSV last: JSON stays the default, and ?format=csv negotiates instead of answering 404.
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]
    report_name = ""

    def get(self, request: Request) -> Response | HttpResponseBase:
        report = REPORTS[self.report_name]
        params = parse_params(report.params, request.query_params)
        try:
            scope = scope_for(request.user)
        except NoReportScope:
            raise PermissionDenied(ReportPermission.message) from None
        if wants_csv(request):
            return csv_response(csv_filename(report, params), report.columns(params), csv_rows(report, params, scope))
        return Response(run_report(report, params, scope))


def _documented(summary: str, description: str, answer: Any, name: str) -> Any:
    report = REPORTS[name]
    return extend_schema(
        summary=summary,
        description=description
        + "\n\nWith format=csv (or Accept: text/csv) the rows are a streamed CSV download with a header row. "
        "Figures are cached briefly per parameters and caller scope (see generated_at).",
        parameters=[
            report.params,
            OpenApiParameter(
                "cf_<key>",
                str,
                description="A custom field's value (exact, repeat for any of several); "
                "cf_<key>__gte / cf_<key>__lte for numbers and dates (GET /api/v1/custom-fields).",
            ),
        ],
        responses={
            (200, "application/json"): answer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="A header row (the JSON rows' field names), then one line per row."
            ),
            400: OpenApiResponse(description="VALIDATION_ERROR: a parameter is not valid (errors per field)"),
            403: OpenApiResponse(description="FORBIDDEN: customers have no reports"),
        },
    )


@_documented(
    "Aging: open tickets by age and priority",
    "Tickets open at `to` (or now, when `to` is later), counted per age since creation (0-1d, 1-3d, 3-7d, "
    "7-30d, 30d+; a day is 24 h, lower bounds included) and priority. `from` is not used.",
    serializers.AgingReportSerializer,
    "aging",
)
class AgingReportView(ReportView):
    report_name = "aging"


@_documented(
    "SLA violations: breached tickets and how late they are",
    "Tickets created in [from, to) whose SLA is breached now (recorded, met late, or unmet past due), with the "
    "breached metrics and the wall-clock minutes late (rounded down), most late first. JSON gives the first "
    "`limit` rows and the total count; CSV gives every row.",
    serializers.ViolationsReportSerializer,
    "sla-violations",
)
class SlaViolationsReportView(ReportView):
    report_name = "sla-violations"


@_documented(
    "Ticket volume: created, resolved, reopened and the backlog per day, week or month",
    "Tickets created, and resolutions and reopens that happened, per local day, Monday-based week or month of the "
    "server's time zone, every bucket of the range listed; without a split, the backlog (tickets open) at each "
    "bucket's end. Optionally split by category, priority or team (as the ticket was when it was resolved or "
    "reopened), channel, organization or tag. Past buckets do not change when tickets are reopened later.",
    serializers.VolumeReportSerializer,
    "tickets",
)
class VolumeReportView(ReportView):
    report_name = "tickets"


@_documented(
    "Dashboard: the day's figures",
    "Tickets created in [from, to) with their current status and priority, and the resolutions in it (a ticket "
    "resolved twice counts twice); unassigned and overdue tickets now; mean, median and 90th-percentile "
    "first-response and resolution times in minutes of the policy's business time (clocks stopped in the range); "
    "SLA compliance (judged as the sla report judges); one-touch resolutions (after exactly one public staff "
    "reply) and replies per resolution; requester wait (wall time waiting on the desk) and time paused; mean "
    "satisfaction and CSAT (share of ratings of 4 or 5); tickets reopened in the range (each once). Counted from "
    "what happened in the range: a past range does not change when its tickets are reopened or reassigned.",
    serializers.DashboardReportSerializer,
    "dashboard",
)
class DashboardReportView(ReportView):
    report_name = "dashboard"


@_documented(
    "Agents: each agent's figures",
    "Per agent, credited with the work they did at the time: assignments to them and resolutions while the "
    "ticket was theirs in the range, median and 90th-percentile first response (their own first replies) and "
    "resolution (business minutes), SLA %, reopens per resolution, one-touch % and replies per resolution, "
    "satisfaction and CSAT. An agent sees their own row, a team lead their teams'.",
    serializers.AgentsReportSerializer,
    "agents",
)
class AgentsReportView(ReportView):
    report_name = "agents"


@_documented(
    "SLA compliance by priority, policy and team",
    "Each clock judged in the range where it stopped (a first reply, or solving the ticket, which fulfils the "
    "first-response target as in Zendesk; a resolution, or a close without one), met or not as it was then; a "
    "clock still running past its due time judged not met in the range of its due time, whether or not the "
    "sweep has recorded the breach. Percent met of judged, per priority, policy and team, and in all.",
    serializers.SlaReportSerializer,
    "sla",
)
class SlaReportView(ReportView):
    report_name = "sla"


@_documented(
    "Arrivals: tickets created per weekday and hour",
    "Tickets created in [from, to) per local weekday (1 = Monday ... 7 = Sunday) and hour (0-23) of the server's "
    "time zone: 168 rows, zeros included, with totals per weekday and hour and the busiest slot.",
    serializers.ArrivalsReportSerializer,
    "arrivals",
)
class ArrivalsReportView(ReportView):
    report_name = "arrivals"
