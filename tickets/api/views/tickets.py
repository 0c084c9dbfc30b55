"""``/tickets``: the queue, one ticket, and the workflow actions on it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.services import customer_for_email
from helpdesk.api.idempotency import IDEMPOTENCY_PARAMETER, answer_once
from helpdesk.api.throttling import WriteThrottle
from helpdesk.errors import NotFound, PermissionDenied
from tickets import services
from tickets.api.export import CSVFormatMixin, CSVRenderer, csv_stream, ticket_csv, wants_csv
from tickets.api.filters import TicketFilter
from tickets.api.serializers import (
    AssignSerializer,
    MacroApplySerializer,
    NoteSerializer,
    PrioritySerializer,
    ResolveSerializer,
    StatusSerializer,
    TicketCreateSerializer,
    TicketEventSerializer,
    TicketReplaceSerializer,
    TicketSerializer,
    TicketWriteSerializer,
)
from tickets.api.views.common import etag, expected_version, ticket_response, visible_ticket
from tickets.choices import Channel
from tickets.custom_fields import fields_visible_to
from tickets.models import Category, Macro, Ticket
from tickets.selectors import events_visible_to, tickets_visible_to

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False, description='The ETag you read, e.g. "3"; 412 if stale.'
)
ERRORS = {
    400: OpenApiResponse(description="VALIDATION_ERROR"),
    401: OpenApiResponse(description="UNAUTHORIZED"),
    403: OpenApiResponse(description="FORBIDDEN"),
    404: OpenApiResponse(description="NOT_FOUND"),
}
CREATE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(description="CONFLICT: the Idempotency-Key was used for a different request"),
}
WRITE_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(description="INVALID_TRANSITION (with the allowed targets) or CONFLICT"),
    412: OpenApiResponse(description="PRECONDITION_FAILED: If-Match names an older version"),
}


def _requester_for(actor: User, fields: dict[str, Any]) -> User:
    """Who the ticket is for: the caller, or for staff a named user or ``customer_email``."""
    requester = fields.pop("requester", None)
    email = fields.pop("customer_email", None)
    if not actor.is_staff_role:
        if requester is not None and requester.pk != actor.pk:
            raise PermissionDenied("Customers can only open tickets for themselves.")
        return actor
    if requester is not None:
        return requester
    return customer_for_email(email=email) if email else actor


@extend_schema_view(
    list=extend_schema(
        summary="List tickets you may see",
        description="With format=csv (or Accept: text/csv), every ticket the filters select, not one page, "
        "streamed as a CSV download in the list's order, with a column cf_<key> per custom field you see.\n\n"
        "Custom fields filter as cf_<key>=value (repeat for any of several; checkboxes true/false), and "
        "number and date fields also as cf_<key>__gte= and cf_<key>__lte=. An unknown key or a value the "
        "field cannot hold is a 400 naming the parameter.",
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                description="Comma-separated; - for descending. priority, created_at, "
                "updated_at, status, number, subject, due, first_response_due_at; "
                "with search, relevance (best matches first).",
            ),
            OpenApiParameter("sort_by", str, description="Seed 004 alias of ordering."),
            OpenApiParameter("order", str, enum=["asc", "desc"], description="With sort_by."),
            OpenApiParameter(
                "cf_<key>",
                str,
                description="A custom field's value (exact); cf_<key>__gte / cf_<key>__lte for numbers and dates.",
            ),
        ],
        responses={
            (200, "application/json"): TicketSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A header row, then one row per ticket."),
            **ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="One ticket (ETag header = its version)", responses={200: TicketSerializer, **ERRORS}
    ),
    destroy=extend_schema(
        summary="Delete a ticket (admins)", parameters=[IF_MATCH], responses={204: None, **WRITE_ERRORS}
    ),
)
class TicketViewSet(CSVFormatMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d{1,18}"
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    throttle_classes = [WriteThrottle]

    def get_queryset(self) -> QuerySet[Ticket]:
        # The related rows come with the serializer (with_related), all together.
        return tickets_visible_to(self.request.user).prefetch_related(None)

    def get_renderers(self) -> list[BaseRenderer]:
        # Only the list exports CSV; elsewhere ?format=csv stays "no such format" (404).
        renderers = super().get_renderers()
        return [*renderers, CSVRenderer()] if self.action == "list" else renderers

    def list(self, request: Request) -> Response | HttpResponseBase:
        queryset = self.filter_queryset(self.get_queryset())
        if wants_csv(request):
            filename = f"tickets-{timezone.localtime():%Y%m%d-%H%M}.csv"
            return csv_stream(filename, ticket_csv(queryset, fields_visible_to(request.user)))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        if request.headers.get("If-None-Match") == etag(ticket):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(ticket)})
        return ticket_response(request, ticket, reload=False)

    @extend_schema(
        summary="Open a ticket",
        request=TicketCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: TicketSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        return answer_once(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        requester = _requester_for(request.user, fields)
        ticket = services.ticket_create(
            actor=request.user,
            requester=requester,
            category=fields.pop("category", None) or Category.objects.get(slug="general"),
            channel=fields.pop("channel", Channel.API),
            # Always given (even empty): the API is a form, so the category's required fields are asked.
            custom_fields=fields.pop("custom_fields", {}),
            **fields,
        )
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{ticket.pk}")
        # The ticket as made holds every field shown: no need to read it again.
        return ticket_response(request, ticket, status=status.HTTP_201_CREATED, reload=False, Location=location)

    def _write(self, request: Request, pk: str, serializer_class: type) -> Response:
        ticket = visible_ticket(request, pk)
        data = serializer_class(data=request.data, partial=serializer_class is TicketWriteSerializer)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = expected_version(request)
        new_status = fields.pop("status", None)
        has_assignee = "assignee" in fields
        assignee = fields.pop("assignee", None)
        with transaction.atomic():
            if fields:
                ticket = services.ticket_update(
                    actor=request.user, ticket=ticket, changes=fields, expected_version=version
                )
                version = None
            if has_assignee:
                ticket = services.ticket_assign(
                    actor=request.user, ticket=ticket, assignee=assignee, expected_version=version
                )
                version = None
            if new_status is not None and new_status != ticket.status:
                ticket = services.ticket_transition(
                    actor=request.user, ticket=ticket, to_status=new_status, expected_version=version
                )
        return ticket_response(request, ticket)

    @extend_schema(
        summary="Replace a ticket's fields",
        request=TicketReplaceSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._write(request, pk, TicketReplaceSerializer)

    @extend_schema(
        summary="Change some of a ticket's fields",
        request=TicketWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._write(request, pk, TicketWriteSerializer)

    def destroy(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        services.ticket_delete(actor=request.user, ticket=ticket, expected_version=expected_version(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Assign to a person and/or team",
        request=AssignSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post", "put"])
    def assign(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        ticket = services.ticket_assign(
            actor=request.user,
            ticket=ticket,
            assignee=fields["assignee"] if "assignee" in fields else ticket.assignee,
            team=fields.get("team"),
            notes=fields["notes"],
            expected_version=expected_version(request),
        )
        return ticket_response(request, ticket)

    @extend_schema(
        summary="Move to another status",
        request=StatusSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["patch", "put"], url_path="status")
    def change_status(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_transition(
            actor=request.user,
            ticket=ticket,
            to_status=data.validated_data["status"],
            note=data.validated_data["note"],
            expected_version=expected_version(request),
        )
        return ticket_response(request, ticket)

    @extend_schema(
        summary="Change the priority (moves the SLA due times)",
        request=PrioritySerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["put", "patch"])
    def priority(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        data = PrioritySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_update(
            actor=request.user,
            ticket=ticket,
            changes=dict(data.validated_data),
            expected_version=expected_version(request),
        )
        return ticket_response(request, ticket)

    def _move(self, request: Request, pk: str, service: Any, serializer_class: type, argument: str) -> Response:
        ticket = visible_ticket(request, pk)
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        text = next(iter(data.validated_data.values()), "")
        ticket = service(
            actor=request.user, ticket=ticket, expected_version=expected_version(request), **{argument: text}
        )
        return ticket_response(request, ticket)

    @extend_schema(
        summary="Resolve",
        request=ResolveSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, services.ticket_resolve, ResolveSerializer, "resolution_notes")

    @extend_schema(
        summary="Close",
        request=NoteSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, services.ticket_close, NoteSerializer, "note")

    @extend_schema(
        summary="Reopen (closed tickets only within the reopen window)",
        request=NoteSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, services.ticket_reopen, NoteSerializer, "reason")

    @extend_schema(
        summary="Escalate",
        request=NoteSerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str) -> Response:
        return self._move(request, pk, services.ticket_escalate, NoteSerializer, "note")

    @extend_schema(
        summary="Apply a macro: all of its actions, or none",
        description="Staff only. The macro's actions (assignment, priority and tags, its reply with the "
        "placeholders filled in, then its status) go through the same rules as each action alone; if one is "
        "refused, nothing changes and the error says which and why. Send If-Match to apply it only to the "
        "version you read (a repeated request then answers 412 instead of applying it twice).",
        request=MacroApplySerializer,
        parameters=[IF_MATCH],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="apply-macro")
    def apply_macro(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        data = MacroApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        macro = Macro.objects.filter(pk=data.validated_data["macro"]).first()
        if macro is None:
            raise NotFound("Macro not found.")
        ticket = services.macro_apply(
            actor=request.user, macro=macro, ticket=ticket, expected_version=expected_version(request)
        )
        return ticket_response(request, ticket)

    @extend_schema(
        summary="The ticket's history (internal events only for staff)",
        responses={200: TicketEventSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        page = self.paginate_queryset(events_visible_to(request.user, ticket).order_by("created_at", "id"))
        return self.get_paginated_response(TicketEventSerializer(page, many=True, context={"request": request}).data)
