from tickets.models.conversation import Attachment, Comment, ScanStatus
from tickets.models.custom_fields import CustomField, CustomFieldValue, FieldType
from tickets.models.event import CHANGE_OF_KIND, EventKind, TicketEvent
from tickets.models.guest import GuestLink
from tickets.models.macros import PLACEHOLDERS, Macro
from tickets.models.milestone import STOPS, Milestone, MilestoneKind
from tickets.models.notification import EmailOutbox, EmailStatus, Notification, NotificationKind, NotificationPreference
from tickets.models.satisfaction import SatisfactionRating
from tickets.models.sla import BusinessCalendar, Holiday, SLAPolicy, SLATarget, WorkingHours
from tickets.models.taxonomy import Category, Tag
from tickets.models.ticket import Ticket, TicketCounter
from tickets.models.views import SavedView

__all__ = [
    "Macro",
    "PLACEHOLDERS",
    "EmailOutbox",
    "EmailStatus",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "BusinessCalendar",
    "Holiday",
    "WorkingHours",
    "Attachment",
    "Category",
    "Comment",
    "CustomField",
    "CustomFieldValue",
    "CHANGE_OF_KIND",
    "EventKind",
    "FieldType",
    "GuestLink",
    "Milestone",
    "MilestoneKind",
    "STOPS",
    "SLAPolicy",
    "SatisfactionRating",
    "SavedView",
    "ScanStatus",
    "SLATarget",
    "Tag",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
]
