"""``/macros``: the macros the caller may apply (``POST /tickets/{id}/apply-macro/`` applies one)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from helpdesk.api.permissions import IsStaffRole
from tickets.api.serializers import MacroSerializer
from tickets.models import Macro
from tickets.selectors import macros_for


@extend_schema_view(
    list=extend_schema(summary="The active macros you may apply (staff), with their actions, in position order"),
    retrieve=extend_schema(summary="One macro you may apply"),
)
class MacroViewSet(viewsets.ReadOnlyModelViewSet):
    """Managers and admins write macros in the console; staff read those shared with them here."""

    lookup_value_regex = r"\d{1,18}"
    serializer_class = MacroSerializer
    permission_classes = [IsStaffRole]

    def get_queryset(self) -> QuerySet[Macro]:
        return macros_for(self.request.user).prefetch_related("teams")
