"""Seed 001's Zendesk endpoints, under ``/api/v1/integrations/zendesk/``: what they share, and health.

The endpoints read from and write to Zendesk now (nothing is cached here), by topic:
``zendesk_tickets`` (tickets, comments, search), ``zendesk_people`` (users, organizations),
``zendesk_analytics`` and, here, ``health``. Remote records come back as a documented subset of
their fields (``integrations.api.serializers``), lists in our envelope (``results``, ``next``,
``previous``) with ``page_size`` (1-100, default 25) and an opaque ``cursor``.

Staff roles may use them, customers get 403; ``integrations.api.access`` says which remote tickets
a staff member may read or write (``tickets/access.py`` for those linked here) and keeps the desk's
users, organizations and analytics to managers and admins.
"""

from __future__ import annotations

import time
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from helpdesk.api.permissions import IsStaffRole
from helpdesk.api.throttling import WriteThrottle
from helpdesk.errors import ValidationFailed
from integrations.api.common import CONNECTION_PARAMETER, connection_for
from integrations.api.serializers import (
    ConnectionBriefSerializer,
    ZendeskHealthSerializer,
    subset,
)
from integrations.api.zendesk_remote import Page, ZendeskPages
from integrations.errors import IntegrationError
from integrations.models import Connection, Provider

TAGS = ["integrations: zendesk"]
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

PAGING = [
    OpenApiParameter("page_size", OpenApiTypes.INT, required=False, description="1-100, default 25."),
    OpenApiParameter("cursor", OpenApiTypes.STR, required=False, description="From a previous page's next/previous."),
]


def page_size(request: Request) -> int:
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


def query_values(request: Request, name: str, allowed: tuple[str, ...]) -> list[str]:
    """A filter given repeated or comma-separated, each value checked (case-insensitively)."""
    values = [v.strip().lower() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationFailed.on(name, f"{wrong[0]!r} is not valid. Use one of: {', '.join(allowed)}.")
    return values


def paged(request: Request, page: Page, fields: tuple[str, ...]) -> Response:
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
