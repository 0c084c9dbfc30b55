from django.urls import re_path

from helpdesk.api.routers import OptionalSlashRouter
from tickets.api.views.attachments import AttachmentViewSet, TicketAttachmentsView
from tickets.api.views.comments import CommentViewSet, TicketCommentsView
from tickets.api.views.custom_fields import CustomFieldListView
from tickets.api.views.macros import MacroViewSet
from tickets.api.views.notifications import NotificationViewSet
from tickets.api.views.people import AgentTicketsView, BusinessCalendarViewSet, SLAPolicyViewSet
from tickets.api.views.tickets import TicketViewSet

router = OptionalSlashRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("comments", CommentViewSet, basename="comment")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("sla/policies", SLAPolicyViewSet, basename="sla-policy")
router.register("sla/calendars", BusinessCalendarViewSet, basename="sla-calendar")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("macros", MacroViewSet, basename="macro")

urlpatterns = [
    re_path(r"^tickets/(?P<pk>\d{1,18})/comments/?$", TicketCommentsView.as_view(), name="ticket-comments"),
    re_path(r"^tickets/(?P<pk>\d{1,18})/attachments/?$", TicketAttachmentsView.as_view(), name="ticket-attachments"),
    re_path(r"^custom-fields/?$", CustomFieldListView.as_view(), name="custom-fields"),
    re_path(r"^agents/(?P<pk>\d{1,18})/tickets/?$", AgentTicketsView.as_view(), name="agent-tickets"),
    *router.urls,
]
