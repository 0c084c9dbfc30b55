"""Ticket views of people and policies: an agent's tickets, SLA policies."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets

from accounts.models import User
from accounts.roles import STAFF_ROLES
from helpdesk.api.permissions import IsStaffRole, StaffReadAdminWrite
from helpdesk.api.throttling import WriteThrottle
from tickets.api.filters import TicketFilter
from tickets.api.serializers import BusinessCalendarSerializer, SLAPolicySerializer, TicketSerializer
from tickets.models import BusinessCalendar, SLAPolicy, Ticket
from tickets.selectors import tickets_visible_to


@extend_schema(summary="Tickets assigned to one agent (that you may see)")
class AgentTicketsView(generics.ListAPIView):
    serializer_class = TicketSerializer
    permission_classes = [IsStaffRole]
    filterset_class = TicketFilter

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no pk
            return Ticket.objects.none()
        agent = get_object_or_404(User, pk=self.kwargs["pk"], role__in=sorted(STAFF_ROLES))
        return tickets_visible_to(self.request.user).prefetch_related(None).filter(assignee=agent)


class SLAPolicyViewSet(viewsets.ModelViewSet):
    """SLA policies with their per-priority targets, tried in position order. Staff read, admins write."""

    lookup_value_regex = r"\d{1,18}"
    serializer_class = SLAPolicySerializer
    permission_classes = [StaffReadAdminWrite]
    throttle_classes = [WriteThrottle]
    queryset = SLAPolicy.objects.select_related("category").prefetch_related("targets").order_by("position", "id")


class BusinessCalendarViewSet(viewsets.ModelViewSet):
    """Business calendars (time zone, weekly hours, holidays) for SLA policies. Staff read, admins write."""

    lookup_value_regex = r"\d{1,18}"
    serializer_class = BusinessCalendarSerializer
    permission_classes = [StaffReadAdminWrite]
    throttle_classes = [WriteThrottle]
    queryset = BusinessCalendar.objects.prefetch_related("hours", "holidays").order_by("name")
