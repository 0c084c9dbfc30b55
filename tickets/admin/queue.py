"""The ticket queue: the changelist agents live in, and the form that opens a ticket.

A ticket's own page is the console (``console.py``); every write goes through
the services, and what a user sees comes from ``tickets_visible_to``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import is_admin, is_staff
from tickets import access
from tickets.admin import actions, console, saved_views
from tickets.admin.display import countdown, owner_cell, priority_badge, relative_time, status_badge, ticket_cell
from tickets.admin.filters import AssigneeFilter, QuickViewFilter, SlaStateFilter, TagFilter
from tickets.admin.macros import apply_macro
from tickets.admin.tabs import queue_tabs
from tickets.api.filters import search_condition
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to
from tickets.services import ticket_delete

_NUMBER = re.compile(r"^TICK-\d{8}-\d+$", re.IGNORECASE)
# "assignee:maya" finds the tickets of the people whose name or email matches.
_ASSIGNEE = "assignee:"


class BoundedPaginator(Paginator):
    """Counts at most ``LIMIT`` rows: a page view never counts a whole large table.

    Past the limit the queue says "10,000+" and asks for a narrower filter.
    """

    LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.LIMIT + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.LIMIT


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # Six columns that fit beside the filters at 1366 px: the number and requester go under the
    # subject, the team under the assignee, and times are relative ("3 h ago").
    list_display = ["ticket", "status_badge", "priority_badge", "owner", "sla_due", "updated"]
    # The ticket cell holds its own links (subject and number), so no whole-cell link.
    list_display_links = None
    list_filter = [
        QuickViewFilter,
        "status",
        "priority",
        "team",
        AssigneeFilter,
        "category",
        TagFilter,
        SlaStateFilter,
    ]
    list_per_page = 50
    list_max_show_all = 500
    show_full_result_count = False
    paginator = BoundedPaginator
    # The search box needs at least one field; get_search_results does the real work.
    search_fields = ["number"]
    search_help_text = _(
        "Ticket number, requester email, or words from the subject and description; "
        "assignee:name for someone's tickets."
    )
    change_list_template = "admin/tickets/ticket/change_list.html"
    actions = [*actions.ALL, apply_macro]

    class Media:
        css = {"all": ["helpdesk/admin/tickets.css"]}
        js = ["helpdesk/admin/tickets.js", "helpdesk/admin/shortcuts.js"]

    # -- who may do what: the role opens the door, tickets/access.py decides per ticket

    def has_module_permission(self, request) -> bool:
        return is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff(request) and (obj is None or access.can_view_ticket(request.user, obj))

    def has_add_permission(self, request) -> bool:
        return is_staff(request)

    def has_change_permission(self, request, obj=None) -> bool:
        # Opening the ticket page; which fields may change is asked field by field there.
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_admin(request) and (obj is None or access.can_delete_ticket(request.user, obj))

    # -- the queue

    def get_ordering(self, request):
        # Most urgent SLA first: active tickets by their next due time, then by priority.
        # (ticket_queue_idx matches this order, so a page is an index scan, not a sort of the table.)
        return ["queue_group", F("queue_due").asc(nulls_last=True), "priority_rank", "-updated_at"]

    def get_queryset(self, request) -> QuerySet[Ticket]:
        return tickets_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if _NUMBER.match(term):
            return queryset.filter(number__iexact=term), False
        if term.lower().startswith(_ASSIGNEE):
            name = term[len(_ASSIGNEE) :].strip()
            if not name:
                return queryset, False
            who = Q(assignee__full_name__icontains=name) | Q(assignee__email__istartswith=name)
            return queryset.filter(who), False
        if "@" in term:
            return queryset.filter(requester__email__icontains=term), False
        return queryset.filter(search_condition(term) | Q(requester__email__istartswith=term)), False

    @admin.display(description=_("ticket"), ordering="number")
    def ticket(self, ticket: Ticket):
        return ticket_cell(ticket)

    @admin.display(description=_("assignee"))
    def owner(self, ticket: Ticket):
        return owner_cell(ticket)

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, ticket: Ticket):
        return relative_time(ticket.updated_at, self._now)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, ticket: Ticket):
        return status_badge(ticket)

    @admin.display(description=_("priority"), ordering="priority_rank")
    def priority_badge(self, ticket: Ticket):
        return priority_badge(ticket)

    @admin.display(description=_("SLA due"), ordering=F("queue_due").asc(nulls_last=True))
    def sla_due(self, ticket: Ticket):
        return countdown(ticket, ticket.queue_due if settings.SLA_ENABLED else None, self._now)

    @cached_property
    def _now(self):
        return timezone.now()

    def changelist_view(self, request, extra_context=None):
        self.__dict__.pop("_now", None)  # one "now" per page, fresh for every request
        # The queue needs the width more than the app list beside it.
        extra_context = {
            **(extra_context or {}),
            "title": _("Tickets"),
            "tabs": queue_tabs(request, self.get_queryset(request), BoundedPaginator.LIMIT),
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        # Before the admin's own: its "<path:object_id>/" would take "views/save/" for a ticket.
        return saved_views.urls(self.admin_site) + super().get_urls()

    # -- a ticket's own pages: the console

    def add_view(self, request, form_url="", extra_context=None):
        return console.new_ticket_page(self, request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return console.ticket_page(self, request, object_id)

    def get_deleted_objects(self, objs, request):
        # A ticket's comments, files and history go with it (ticket_delete); their own
        # admins being read-only must not stand in the way of an admin deleting a ticket.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj: Ticket) -> None:
        ticket_delete(actor=request.user, ticket=obj)

    def delete_queryset(self, request, queryset) -> None:
        for ticket in queryset:
            ticket_delete(actor=request.user, ticket=ticket)
