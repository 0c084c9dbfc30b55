from tickets.models.conversation import Attachment, Comment
from tickets.models.event import EventKind, TicketEvent
from tickets.models.sla import SLAPolicy, SLATarget
from tickets.models.taxonomy import Category, Tag
from tickets.models.ticket import Ticket, TicketCounter

__all__ = [
    "Attachment",
    "Category",
    "Comment",
    "EventKind",
    "SLAPolicy",
    "SLATarget",
    "Tag",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
]
