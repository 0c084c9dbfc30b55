"""Seed 001's Zendesk endpoints, under ``/api/v1/integrations/zendesk/``: tickets, users, organizations,
search, analytics and health, read from and written to Zendesk now (nothing is cached here).

Staff roles may use them; customers get 403. Remote records come back as a documented subset of
their fields (``integrations.api.serializers``), lists in our envelope (``results``, ``next``,
``previous``) with ``page_size`` (1-100, default 25) and an opaque ``cursor``.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from helpdesk.api.permissions import IsStaffRole
from helpdesk.api.throttling import WriteThrottle
from helpdesk.errors import ValidationFailed
from integrations.api.common import CONNECTION_PARAMETER, REMOTE_ERRORS, connection_for, remote_errors
from integrations.api.serializers import (
    COMMENT_FIELDS,
    ORGANIZATION_FIELDS,
    TICKET_FIELDS,
    USER_FIELDS,
    ZENDESK_PRIORITIES,
    ZENDESK_STATUSES,
    ConnectionBriefSerializer,
    ZendeskAnalyticsSerializer,
    ZendeskCommentCreateSerializer,
    ZendeskHealthSerializer,
    ZendeskOrganizationPageSerializer,
    ZendeskOrganizationSerializer,
    ZendeskTicketCreateSerializer,
    ZendeskTicketDetailSerializer,
    ZendeskTicketPageSerializer,
    ZendeskTicketSerializer,
    ZendeskTicketUpdateSerializer,
    ZendeskUserCreateSerializer,
    ZendeskUserPageSerializer,
    ZendeskUserSerializer,
    subset,
)
from integrations.api.zendesk_remote import SEARCH_RESULT_LIMIT, Page, ZendeskPages
from integrations.errors import IntegrationError
from integrations.models import Connection, Provider

TAGS = ["integrations: zendesk"]
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# Analytics reads at most this many tickets of the period (Zendesk's search stops at 1,000).
ANALYTICS_MAX_TICKETS = SEARCH_RESULT_LIMIT
ANALYTICS_DEFAULT_DAYS = 30
ANALYTICS_MAX_DAYS = 366

PAGING = [
    OpenApiParameter("page_size", OpenApiTypes.INT, required=False, description="1-100, default 25."),
    OpenApiParameter("cursor", OpenApiTypes.STR, required=False, description="From a previous page's next/previous."),
]


def _page_size(request: Request) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationFailed.on("page_size", f"Must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return size


def _values(request: Request, name: str, allowed: tuple[str, ...]) -> list[str]:
    """A filter given repeated or comma-separated, each value checked (case-insensitively)."""
    values = [v.strip().lower() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationFailed.on(name, f"{wrong[0]!r} is not valid. Use one of: {', '.join(allowed)}.")
    return values


def _paged(request: Request, page: Page, fields: tuple[str, ...]) -> Response:
    url = request.build_absolute_uri()

    def link(cursor: str | None) -> str | None:
        return replace_query_param(url, "cursor", cursor) if cursor else None

    return Response(
        {
            "results": [subset(item, fields) for item in page.items],
            "next": link(page.next_cursor),
            "previous": link(page.previous_cursor),
        }
    )


class ZendeskView(APIView):
    """Staff only; ``self.connection`` and ``self.zendesk`` (a client) for the connection asked for."""

    permission_classes = [IsStaffRole]
    throttle_classes = [WriteThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.connection: Connection = connection_for(request, Provider.ZENDESK)
        self.zendesk = ZendeskPages(self.connection)


def _ticket_with_comments(zendesk: ZendeskPages, ticket_id: int) -> dict[str, Any]:
    ticket = zendesk.get_ticket(ticket_id)
    comments = zendesk.list_comments(ticket_id)
    return {**subset(ticket, TICKET_FIELDS), "comments": [subset(c, COMMENT_FIELDS) for c in comments]}


class TicketsView(ZendeskView):
    @extend_schema(
        operation_id="zendesk_tickets_list",
        summary="Zendesk tickets, one page",
        description="Filters (repeated or comma-separated) go through Zendesk's search (at most 1,000 results); "
        "without them the ticket list is paged by cursor.",
        parameters=[
            CONNECTION_PARAMETER,
            *PAGING,
            OpenApiParameter("status", OpenApiTypes.STR, required=False, enum=ZENDESK_STATUSES),
            OpenApiParameter("priority", OpenApiTypes.STR, required=False, enum=ZENDESK_PRIORITIES),
            OpenApiParameter("assignee", OpenApiTypes.STR, required=False, description="A Zendesk user id, or none."),
        ],
        responses={200: ZendeskTicketPageSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        size = _page_size(request)
        cursor = request.query_params.get("cursor")
        terms = [f"status:{v}" for v in _values(request, "status", ZENDESK_STATUSES)]
        terms += [f"priority:{v}" for v in _values(request, "priority", ZENDESK_PRIORITIES)]
        assignee = (request.query_params.get("assignee") or "").strip().lower()
        if assignee:
            if not (assignee == "none" or assignee.isdigit()):
                raise ValidationFailed.on("assignee", "A Zendesk user id, or none.")
            terms.append(f"assignee:{assignee}")
        with remote_errors():
            if terms:
                page = self.zendesk.search_page(" ".join(["type:ticket", *terms]), size=size, cursor=cursor)
            else:
                page = self.zendesk.cursor_page("tickets.json", "tickets", size=size, cursor=cursor)
        return _paged(request, page, TICKET_FIELDS)

    @extend_schema(
        summary="Create a Zendesk ticket",
        parameters=[CONNECTION_PARAMETER],
        request=ZendeskTicketCreateSerializer,
        responses={201: ZendeskTicketSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = ZendeskTicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with remote_errors():
            ticket = self.zendesk.create_ticket(data.to_remote())
        return Response(subset(ticket, TICKET_FIELDS), status=status.HTTP_201_CREATED)


class TicketDetailView(ZendeskView):
    @extend_schema(
        summary="A Zendesk ticket with its comments",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskTicketDetailSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, ticket_id: str) -> Response:
        with remote_errors():
            return Response(_ticket_with_comments(self.zendesk, int(ticket_id)))

    @extend_schema(
        summary="Update a Zendesk ticket",
        description="Only the fields sent change; a comment may come along. Closed tickets cannot change "
        "(Zendesk's 422 answers 400).",
        parameters=[CONNECTION_PARAMETER],
        request=ZendeskTicketUpdateSerializer,
        responses={200: ZendeskTicketSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def put(self, request: Request, ticket_id: str) -> Response:
        data = ZendeskTicketUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with remote_errors():
            ticket = self.zendesk.update_ticket(int(ticket_id), data.to_remote())
        return Response(subset(ticket, TICKET_FIELDS))


class TicketCommentsView(ZendeskView):
    @extend_schema(
        summary="Add a public or private comment to a Zendesk ticket",
        description="Answers the updated ticket.",
        parameters=[CONNECTION_PARAMETER],
        request=ZendeskCommentCreateSerializer,
        responses={201: ZendeskTicketSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, ticket_id: str) -> Response:
        data = ZendeskCommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        with remote_errors():
            ticket = self.zendesk.add_comment(int(ticket_id), fields["body"], public=fields["public"]).ticket
        return Response(subset(ticket, TICKET_FIELDS), status=status.HTTP_201_CREATED)


class UsersView(ZendeskView):
    @extend_schema(
        operation_id="zendesk_users_list",
        summary="Zendesk users, one page",
        parameters=[
            CONNECTION_PARAMETER,
            *PAGING,
            OpenApiParameter("role", OpenApiTypes.STR, required=False, enum=("end-user", "agent", "admin")),
        ],
        responses={200: ZendeskUserPageSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        roles = _values(request, "role", ("end-user", "agent", "admin"))
        filters = {"role[]": roles} if roles else {}
        with remote_errors():
            page = self.zendesk.cursor_page(
                "users.json", "users", size=_page_size(request), cursor=request.query_params.get("cursor"), **filters
            )
        return _paged(request, page, USER_FIELDS)

    @extend_schema(
        summary="Create a Zendesk user",
        parameters=[CONNECTION_PARAMETER],
        request=ZendeskUserCreateSerializer,
        responses={201: ZendeskUserSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = ZendeskUserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with remote_errors():
            user = self.zendesk.create_user(dict(data.validated_data))
        return Response(subset(user, USER_FIELDS), status=status.HTTP_201_CREATED)


class UserDetailView(ZendeskView):
    @extend_schema(
        summary="A Zendesk user",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskUserSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, user_id: str) -> Response:
        with remote_errors():
            return Response(subset(self.zendesk.get_user(int(user_id)), USER_FIELDS))


class OrganizationsView(ZendeskView):
    @extend_schema(
        operation_id="zendesk_organizations_list",
        summary="Zendesk organizations, one page",
        parameters=[CONNECTION_PARAMETER, *PAGING],
        responses={200: ZendeskOrganizationPageSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        with remote_errors():
            page = self.zendesk.cursor_page(
                "organizations.json",
                "organizations",
                size=_page_size(request),
                cursor=request.query_params.get("cursor"),
            )
        return _paged(request, page, ORGANIZATION_FIELDS)


class OrganizationDetailView(ZendeskView):
    @extend_schema(
        summary="A Zendesk organization",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskOrganizationSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, organization_id: str) -> Response:
        with remote_errors():
            return Response(subset(self.zendesk.get_organization(int(organization_id)), ORGANIZATION_FIELDS))


class SearchTicketsView(ZendeskView):
    @extend_schema(
        summary="Search Zendesk tickets",
        description="Zendesk's search syntax (``printer status:open``); ``type:ticket`` is added. "
        "At most 1,000 results, Zendesk's limit.",
        parameters=[
            CONNECTION_PARAMETER,
            *PAGING,
            OpenApiParameter("query", OpenApiTypes.STR, required=True),
        ],
        responses={200: ZendeskTicketPageSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        query = (request.query_params.get("query") or "").strip()
        if not query:
            raise ValidationFailed.on("query", "Say what to search for.")
        if len(query) > 500:
            raise ValidationFailed.on("query", "A query has at most 500 characters.")
        size, cursor = _page_size(request), request.query_params.get("cursor")
        with remote_errors():
            page = self.zendesk.search_page(f"type:ticket {query}", size=size, cursor=cursor)
        return _paged(request, page, TICKET_FIELDS)


def _date_param(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(name, "A date as YYYY-MM-DD.") from None


class AnalyticsTicketsView(ZendeskView):
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


def connection_brief(connection: Connection) -> dict[str, Any]:
    return ConnectionBriefSerializer(
        {
            "id": connection.pk,
            "name": connection.name,
            "provider": connection.provider,
            "is_active": connection.is_active,
            "health": connection.health.value,
            "last_success_at": connection.last_success_at,
            "last_error_at": connection.last_error_at,
            "consecutive_failures": connection.consecutive_failures,
        }
    ).data


class HealthView(ZendeskView):
    @extend_schema(
        summary="The Zendesk connection's health and a timed call to Zendesk",
        description="The sync health recorded on the connection, and `GET /api/v2/users/me` timed now. "
        "Answers 200 either way; `status` says which. Never shows a credential.",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskHealthSerializer, 400: OpenApiResponse(description="VALIDATION_ERROR: connection")},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        started = time.monotonic()
        try:
            me = self.zendesk.me()
        except IntegrationError as exc:
            remote: dict[str, Any] = {"ok": False, "error": exc.message}
        else:
            # Zendesk answers an anonymous user (id null) to credentials it does not accept as anyone.
            ok = me.get("id") is not None
            remote = {"ok": ok, "user_id": me.get("id")} if ok else {"ok": False, "error": "Not signed in as anyone."}
        remote["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
        healthy = remote["ok"] and self.connection.is_active
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "connection": connection_brief(self.connection),
            "remote": remote,
        }
        return Response(body)
