"""Seed 000's Zoho Desk proxy, under ``/api/v1/integrations/zoho/``: create a request, fetch one.

``POST requests`` opens the ticket here (channel ``zoho``, the requester found or created by
email) and then creates it in Zoho Desk at once, answering with Zoho's id as the seed did. Staff
open requests for anyone, customers for themselves; an ``Idempotency-Key`` makes a retry safe.
``GET requests/{id}`` reads a Zoho ticket with its assignee and comments, simplified; who may read
which ticket is ``integrations.api.access``'s rule (a ticket linked here is checked as the local one).
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.roles import STAFF_ROLES, Role
from accounts.services import customer_for_email
from helpdesk.api.idempotency import IDEMPOTENCY_PARAMETER, IdempotentRequest, KeyTaken, replay
from helpdesk.api.permissions import IsStaffRole
from helpdesk.api.throttling import WriteThrottle
from helpdesk.errors import Conflict, PermissionDenied
from integrations.api.access import remote_ticket_for_read
from integrations.api.common import CONNECTION_PARAMETER, REMOTE_ERRORS, connection_for, remote_error, remote_errors
from integrations.api.serializers import (
    ZohoRequestCreatedSerializer,
    ZohoRequestCreateSerializer,
    ZohoRequestSerializer,
)
from integrations.errors import IntegrationError
from integrations.models import Connection, Provider, PushState, RemoteLink
from integrations.sync.push import PushBusy, push_ticket
from integrations.zoho.client import ZohoClient
from tickets import services
from tickets.choices import Channel
from tickets.models import Category, Ticket

TAGS = ["integrations: zoho"]
# Enough for the simplified view; the seed showed a ticket's comments, not a paged list.
COMMENTS_SHOWN = 100
# How long to wait for a push task that got to the new ticket first (the outbox enqueues one).
PUSH_BUSY_WAIT_SECONDS = 10.0


def _push_now(connection: Connection, ticket: Ticket) -> RemoteLink:
    """``push_ticket`` now; if a worker is pushing the ticket already, wait for its result."""
    deadline = time.monotonic() + PUSH_BUSY_WAIT_SECONDS
    while True:
        try:
            return push_ticket(connection, ticket)
        except PushBusy:
            link = RemoteLink.objects.filter(connection=connection, ticket=ticket).exclude(remote_id="").first()
            if link is not None:
                return link
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _person_name(person: dict[str, Any] | None) -> str | None:
    if not person:
        return None
    name = person.get("name") or " ".join(p for p in (person.get("firstName"), person.get("lastName")) if p)
    return name or person.get("email") or None


class CanOpenRequests(BasePermission):
    """Staff for anyone; a customer for themselves (the view checks the email)."""

    message = "Only staff and customers can open requests."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in (Role.CUSTOMER, *STAFF_ROLES))


def default_category() -> Category:
    """General if active (the seed had no categories), else the first active one; 409 when none is."""
    found = (
        Category.objects.filter(slug="general", is_active=True).first()
        or Category.objects.filter(is_active=True).order_by("position", "name").first()
    )
    if found is None:
        raise Conflict("There is no active category to file the request under: an admin must activate one.")
    return found


def _check_requester(request: Request, email: str) -> None:
    user = request.user
    if user.role == Role.CUSTOMER and email.strip().lower() != user.email.lower():
        raise PermissionDenied("Customers open requests for themselves: use your own email as requesteremail.")


def _requester(request: Request, email: str) -> User:
    """The customer the request is for (found or created by email); a customer is their own requester."""
    return request.user if request.user.role == Role.CUSTOMER else customer_for_email(email=email)


class ZohoRequestsView(APIView):
    """``POST /integrations/zoho/requests``: seed 000's ticket creation."""

    permission_classes = [CanOpenRequests]
    throttle_classes = [WriteThrottle]

    @extend_schema(
        summary="Open a ticket here and in Zoho Desk (seed 000)",
        description="Validates, opens the local ticket (channel zoho, category General or the first active one; "
        "the requester is found or created by email), then pushes it to Zoho Desk through the sync engine "
        "before answering. Staff open requests for anyone, customers for their own email only (403). "
        "Invalid input creates nothing. If Zoho fails, the local ticket stays (the message names it) and the "
        "sync engine retries what can succeed later. With an `Idempotency-Key` header a retry of the same "
        "request (same user, key and body, within 24 hours) answers the first ticket instead of opening "
        "another; the same key with another body is 409.",
        parameters=[CONNECTION_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=ZohoRequestCreateSerializer,
        responses={201: ZohoRequestCreatedSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        once = IdempotentRequest.from_request(request)
        earlier = once.earlier() if once else None
        if earlier is not None and (earlier.response_status is not None or earlier.object_id is None):
            return replay(earlier)
        data = ZohoRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        _check_requester(request, fields["requesteremail"])
        connection = connection_for(request, Provider.ZOHO)
        if earlier is not None:  # the first request opened the ticket; its answer (the push) did not complete
            ticket = Ticket.objects.filter(pk=earlier.object_id).first()
            if ticket is None:
                raise Conflict("The ticket this Idempotency-Key opened no longer exists: use a new key.")
        else:
            category = default_category()
            try:
                with transaction.atomic():
                    earlier = once.take() if once else None
                    ticket = services.ticket_create(
                        actor=request.user,
                        requester=_requester(request, fields["requesteremail"]),
                        subject=fields["subject"],
                        description=fields["description"],
                        category=category,
                        channel=Channel.ZOHO,
                    )
                    if earlier is not None:
                        earlier.object_id = ticket.pk
                        earlier.save(update_fields=["object_id"])
            except KeyTaken:
                raise Conflict("A request with this Idempotency-Key is still being processed: retry shortly.") from None
        link = RemoteLink.objects.filter(connection=connection, ticket=ticket, push_state=PushState.SYNCED).first()
        if link is None or not link.remote_id:
            try:
                link = _push_now(connection, ticket)
            except IntegrationError as exc:
                prefix = f"Ticket {ticket.number} was opened here but not in Zoho Desk: "
                raise remote_error(exc, prefix=prefix) from exc
        body = {"message": "Ticket created successfully", "zohoticketid": link.remote_id, "number": ticket.number}
        response = Response(body, status=status.HTTP_201_CREATED)
        if earlier is not None:
            IdempotentRequest.record(earlier, response)
        return response


class ZohoRequestDetailView(APIView):
    """``GET /integrations/zoho/requests/{id}``: seed 000's simplified ticket."""

    permission_classes = [IsStaffRole]

    @extend_schema(
        summary="A Zoho Desk ticket, simplified (seed 000)",
        description="Status, technician (the assignee's name) and comments, read from Zoho Desk now.",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZohoRequestSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, ticket_id: str) -> Response:
        connection = connection_for(request, Provider.ZOHO)
        local = remote_ticket_for_read(request.user, connection, ticket_id)
        client = ZohoClient(connection)
        with remote_errors():
            ticket = client.get_ticket(ticket_id, include=["assignee"])
            comments = client.list_comments(ticket_id, limit=COMMENTS_SHOWN)
        body = {
            "id": str(ticket["id"]),
            "ticketNumber": ticket.get("ticketNumber"),
            "subject": ticket.get("subject") or "",
            "status": ticket.get("status"),
            "statusType": ticket.get("statusType"),
            "priority": ticket.get("priority"),
            "technician": _person_name(ticket.get("assignee")),
            "createdTime": ticket.get("createdTime"),
            "modifiedTime": ticket.get("modifiedTime"),
            "webUrl": ticket.get("webUrl"),
            "number": local.number if local else None,
            "comments": [
                {
                    "content": comment.get("content") or "",
                    "commenter": _person_name(comment.get("commenter")),
                    "commentedTime": comment.get("commentedTime"),
                    "isPublic": bool(comment.get("isPublic")),
                }
                for comment in comments
            ],
        }
        return Response(ZohoRequestSerializer(body).data)
