"""What the ticket endpoints share: the visible ticket, ETags and If-Match."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.errors import PreconditionFailed
from tickets.api.serializers import TicketSerializer
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to, with_related


def visible_ticket(request: Request, pk: Any) -> Ticket:
    """The ticket if the caller may see it, without its related rows; 404 otherwise, whether or not it exists."""
    return get_object_or_404(tickets_visible_to(request.user).prefetch_related(None), pk=pk)


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def expected_version(request: Request) -> int | None:
    """The version named by ``If-Match`` (``"3"``, ``W/"3"``); None when absent or ``*``."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    first = header.split(",")[0].strip().removeprefix("W/").strip('"')
    if not first.isdigit():
        raise PreconditionFailed('If-Match must carry the ticket\'s ETag, such as "3".')
    return int(first)


def ticket_response(
    request: Request, ticket: Ticket, status: int = 200, *, reload: bool = True, **headers: str
) -> Response:
    """The ticket with its ETag and related rows; after a write, re-read as the caller now sees it."""
    if reload:
        ticket = tickets_visible_to(request.user).prefetch_related(None).filter(pk=ticket.pk).first() or ticket
    with_related([ticket])
    response = Response(TicketSerializer(ticket, context={"request": request}).data, status=status)
    response["ETag"] = etag(ticket)
    for name, value in headers.items():
        response[name] = value
    return response
