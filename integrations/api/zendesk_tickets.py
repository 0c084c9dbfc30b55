"""Seed 001's Zendesk tickets: list, create, read, update, comment and search (``integrations.api.zendesk``).

Any staff member may create one; reads, writes and lists go through ``integrations.api.access``
(a ticket linked here is checked as the local ticket; an unlinked one needs a user who sees every ticket).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.errors import ValidationFailed
from integrations.api.access import remote_ticket_for_read, remote_ticket_for_write, visible_remote_tickets
from integrations.api.common import CONNECTION_PARAMETER, REMOTE_ERRORS, remote_errors
from integrations.api.serializers import (
    COMMENT_FIELDS,
    TICKET_FIELDS,
    ZENDESK_PRIORITIES,
    ZENDESK_STATUSES,
    ZendeskCommentCreateSerializer,
    ZendeskTicketCreateSerializer,
    ZendeskTicketDetailSerializer,
    ZendeskTicketPageSerializer,
    ZendeskTicketSerializer,
    ZendeskTicketUpdateSerializer,
    subset,
)
from integrations.api.zendesk import (
    PAGING,
    TAGS,
    ZendeskView,
    page_size,
    paged,
    query_values,
)
from integrations.api.zendesk_remote import Page, ZendeskPages
from tickets.access import can_comment, can_edit_ticket


def _visible(request: Request, view: ZendeskView, page: Page) -> Page:
    return replace(page, items=visible_remote_tickets(request.user, view.connection, page.items))


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
        size = page_size(request)
        cursor = request.query_params.get("cursor")
        terms = [f"status:{v}" for v in query_values(request, "status", ZENDESK_STATUSES)]
        terms += [f"priority:{v}" for v in query_values(request, "priority", ZENDESK_PRIORITIES)]
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
        return paged(request, _visible(request, self, page), TICKET_FIELDS)

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
        remote_ticket_for_read(request.user, self.connection, ticket_id)
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
        remote_ticket_for_write(
            request.user,
            self.connection,
            ticket_id,
            lambda ticket: can_edit_ticket(request.user, ticket),
            "You may not change this ticket.",
        )
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
        remote_ticket_for_write(
            request.user,
            self.connection,
            ticket_id,
            lambda ticket: can_comment(request.user, ticket, internal=not fields["public"]),
            "You may not comment on this ticket.",
        )
        with remote_errors():
            ticket = self.zendesk.add_comment(int(ticket_id), fields["body"], public=fields["public"]).ticket
        return Response(subset(ticket, TICKET_FIELDS), status=status.HTTP_201_CREATED)


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
        size, cursor = page_size(request), request.query_params.get("cursor")
        with remote_errors():
            page = self.zendesk.search_page(f"type:ticket {query}", size=size, cursor=cursor)
        return paged(request, _visible(request, self, page), TICKET_FIELDS)
