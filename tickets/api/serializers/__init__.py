"""Input and output shapes of the ticket API, by topic."""

from tickets.api.serializers.conversation import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    TicketEventSerializer,
)
from tickets.api.serializers.custom_fields import CustomFieldDefinitionSerializer
from tickets.api.serializers.macros import MacroApplySerializer, MacroSerializer
from tickets.api.serializers.notifications import NotificationPreferenceSerializer, NotificationSerializer
from tickets.api.serializers.sla import (
    BusinessCalendarSerializer,
    HolidaySerializer,
    SLAPolicySerializer,
    SLATargetSerializer,
    WorkingHoursSerializer,
)
from tickets.api.serializers.tickets import (
    AssignSerializer,
    CategoryField,
    NamedRefSerializer,
    NoteSerializer,
    PrioritySerializer,
    ResolveSerializer,
    StatusSerializer,
    TicketCreateSerializer,
    TicketReplaceSerializer,
    TicketSerializer,
    TicketWriteSerializer,
    category_key,
)

__all__ = [
    "AssignSerializer",
    "AttachmentSerializer",
    "AttachmentUploadSerializer",
    "BusinessCalendarSerializer",
    "CategoryField",
    "CommentSerializer",
    "CommentWriteSerializer",
    "CustomFieldDefinitionSerializer",
    "HolidaySerializer",
    "MacroApplySerializer",
    "MacroSerializer",
    "NamedRefSerializer",
    "NoteSerializer",
    "NotificationPreferenceSerializer",
    "NotificationSerializer",
    "PrioritySerializer",
    "ResolveSerializer",
    "SLAPolicySerializer",
    "SLATargetSerializer",
    "StatusSerializer",
    "TicketCreateSerializer",
    "TicketEventSerializer",
    "TicketReplaceSerializer",
    "TicketSerializer",
    "TicketWriteSerializer",
    "WorkingHoursSerializer",
    "category_key",
]
