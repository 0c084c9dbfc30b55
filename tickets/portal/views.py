"""The signed-in customer's portal: my tickets, a new ticket, a ticket's page, its files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.roles import Role
from helpdesk.errors import HelpdeskError
from tickets import access, workflow
from tickets.api.filters import search_condition
from tickets.choices import Channel
from tickets.forms import custom_values_from, place_errors
from tickets.models import Attachment, Ticket
from tickets.portal.conversation import file_download, status_words, ticket_page
from tickets.portal.forms import NewTicketForm, TicketFilterForm
from tickets.selectors import tickets_visible_to
from tickets.services import attachment_add, ticket_create

PAGE_SIZE = 20


def portal_tickets(user: User) -> QuerySet[Ticket]:
    """A customer's own tickets (and their organization's when it shares); staff see what they requested."""
    if user.role == Role.CUSTOMER:
        return tickets_visible_to(user)
    return tickets_visible_to(user).filter(requester_id=user.pk)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "portal/welcome.html")
    return ticket_list(request)


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET or None)
    tickets = portal_tickets(request.user).select_related("requester").order_by("-updated_at", "-id")
    state, term = "open", ""
    if form.is_valid():
        state = form.cleaned_data["state"] or "open"
        term = form.cleaned_data["q"].strip()
    if state == "open":
        tickets = tickets.filter(status__in=workflow.ACTIVE_STATUSES)
    elif state == "closed":
        tickets = tickets.filter(status__in=workflow.DONE_STATUSES)
    if term:
        tickets = tickets.filter(search_condition(term))
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(ticket, status_words(ticket.status)) for ticket in page.object_list]
    context = {"form": form, "page": page, "rows": rows, "state": state, "term": term}
    return render(request, "portal/ticket_list.html", context)


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = NewTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket = ticket_create(
                    actor=request.user,
                    subject=data["subject"],
                    description=data["description"],
                    category=data["category"],
                    priority=data["priority"],
                    channel=Channel.PORTAL,
                    custom_fields=custom_values_from(form, category_id=data["category"].pk),
                )
        except HelpdeskError as exc:
            place_errors(form, exc)
        else:
            for upload in data["files"]:
                attachment_add(actor=request.user, ticket=ticket, upload=upload)
            messages.success(
                request,
                _("Thank you. Your ticket number is %(number)s; we have emailed you a confirmation.")
                % {"number": ticket.number},
            )
            return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.pk]))
    return render(request, "portal/ticket_new.html", {"form": form}, status=400 if form.errors else 200)


def _visible_ticket(user: User, pk: int) -> Ticket:
    # Anything the user may not see is "not found", like the API: no existence leak.
    return get_object_or_404(portal_tickets(user).select_related("merged_into"), pk=pk)


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _visible_ticket(request.user, pk)
    return ticket_page(
        request,
        actor=request.user,
        ticket=ticket,
        file_url=lambda attachment: reverse("portal:attachment", args=[ticket.pk, attachment.pk]),
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    ticket = _visible_ticket(request.user, pk)
    attachment = get_object_or_404(Attachment.objects.select_related("comment", "ticket"), pk=file_pk, ticket=ticket)
    # Files on internal notes are staff-only, whoever asks through the portal.
    if attachment.comment_id and attachment.comment.is_internal:
        raise Http404
    if not access.can_view_attachment(request.user, attachment):
        raise Http404
    return file_download(request, attachment, back=reverse("portal:ticket", args=[ticket.pk]))
