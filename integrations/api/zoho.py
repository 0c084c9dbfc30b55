"""Seed 000's Zoho Desk proxy, under ``/api/v1/integrations/zoho/``: create a request, fetch one.

``POST requests`` opens the ticket here (channel ``zoho``, the requester found or created by
email) and then creates it in Zoho Desk at once, answering with Zoho's id as the seed did.
``GET requests/{id}`` reads a Zoho ticket with its assignee and comments, simplified; who may read
which ticket is ``integrations.api.access``'s rule (a ticket linked here is checked as the local one).
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import customer_for_email
from helpdesk.api.permissions import IsStaffRole
from helpdesk.api.throttling import WriteThrottle
from integrations.api.access import remote_ticket_for_read
from integrations.api.common import CONNECTION_PARAMETER, REMOTE_ERRORS, connection_for, remote_error, remote_errors
from integrations.api.serializers import (
    ZohoRequestCreatedSerializer,
    ZohoRequestCreateSerializer,
    ZohoRequestSerializer,
)
from integrations.errors import IntegrationError
from integrations.models import Connection, Provider, RemoteLink
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


class ZohoRequestsView(APIView):
    """``POST /integrations/zoho/requests``: seed 000's ticket creation."""

    permission_classes = [IsStaffRole]
    throttle_classes = [WriteThrottle]

    @extend_schema(
        summary="Open a ticket here and in Zoho Desk (seed 000)",
        description="Validates, opens the local ticket (channel zoho; the requester is found or created by "
        "email), then pushes it to Zoho Desk through the sync engine before answering. Invalid input "
        "creates nothing. If Zoho fails, the local ticket stays (the message names it) and the sync "
        "engine retries what can succeed later.",
        parameters=[CONNECTION_PARAMETER],
        request=ZohoRequestCreateSerializer,
        responses={201: ZohoRequestCreatedSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = ZohoRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        connection = connection_for(request, Provider.ZOHO)
        with transaction.atomic():
            ticket = services.ticket_create(
                actor=request.user,
                requester=customer_for_email(email=fields["requesteremail"]),
                subject=fields["subject"],
                description=fields["description"],
                category=Category.objects.get(slug="general"),
                channel=Channel.ZOHO,
            )
        try:
            link = _push_now(connection, ticket)
        except IntegrationError as exc:
            raise remote_error(exc, prefix=f"Ticket {ticket.number} was opened here but not in Zoho Desk: ") from exc
        body = {"message": "Ticket created successfully", "zohoticketid": link.remote_id, "number": ticket.number}
        return Response(body, status=status.HTTP_201_CREATED)


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
