"""Guests: a ticket without an account, followed through a secret link sent by email.

The link acts for the ticket's requester on that one ticket only: every view checks
that what it touches belongs to the link's ticket.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helpdesk.errors import HelpdeskError, NotFound
from tickets.forms import custom_values_from, place_errors
from tickets.models import Attachment, GuestLink
from tickets.portal.conversation import file_download, ticket_page
from tickets.portal.forms import GuestRenewForm, GuestTicketForm
from tickets.services import attachment_add
from tickets.services.guests import guest_link_renew, guest_link_resolve, guest_link_revoke, guest_ticket_create

_SENT = "portal_guest_ticket_number"


def guest_new(request: HttpRequest) -> HttpResponse:
    form = GuestTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket, link = guest_ticket_create(
                email=data["email"],
                name=data["name"],
                subject=data["subject"],
                description=data["description"],
                category=data["category"],
                priority=data["priority"],
                custom_fields=custom_values_from(form, category_id=data["category"].pk),
            )
        except HelpdeskError as exc:
            place_errors(form, exc)
        else:
            for upload in data["files"]:
                attachment_add(actor=link.user, ticket=ticket, upload=upload)
            # The link itself goes only to the mailbox: whoever typed the address may not own it.
            request.session[_SENT] = ticket.number
            return HttpResponseRedirect(reverse("portal:guest-sent"))
    return render(request, "portal/guest_new.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def guest_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/guest_sent.html", {"number": request.session.get(_SENT)})


def guest_renew(request: HttpRequest) -> HttpResponse:
    """Email me my link again: the same answer whether or not the address and number match."""
    form = GuestRenewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        guest_link_renew(email=form.cleaned_data["email"], ticket_number=form.cleaned_data["number"].strip())
        messages.success(
            request, _("If that address asked for that ticket, a new link is on its way. It may take a minute.")
        )
        return HttpResponseRedirect(reverse("portal:guest-renew"))
    return render(request, "portal/guest_renew.html", {"form": form})


def _link(token: str) -> GuestLink:
    try:
        return guest_link_resolve(token)
    except NotFound:
        raise Http404 from None


def guest_ticket(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = guest_link_resolve(token)
    except NotFound:
        return render(request, "portal/guest_invalid.html", status=404)
    if request.method == "POST" and request.POST.get("_action") == "revoke":
        return _revoke(request, link)
    ticket = link.ticket
    return ticket_page(
        request,
        actor=link.user,
        ticket=ticket,
        file_url=lambda attachment: reverse("portal:guest-attachment", args=[token, attachment.pk]),
        extra={"guest_link": link},
    )


def _revoke(request: HttpRequest, link: GuestLink) -> HttpResponse:
    guest_link_revoke(actor=link.user, link=link)
    messages.success(request, _("That link no longer works. You can ask for a new one here at any time."))
    return HttpResponseRedirect(reverse("portal:guest-renew"))


@require_GET
def guest_attachment(request: HttpRequest, token: str, file_pk: int) -> HttpResponse:
    link = _link(token)
    attachment = get_object_or_404(Attachment.objects.select_related("comment"), pk=file_pk, ticket_id=link.ticket_id)
    if attachment.comment_id and attachment.comment.is_internal:
        raise Http404
    return file_download(request, attachment, back=reverse("portal:guest-ticket", args=[token]))
