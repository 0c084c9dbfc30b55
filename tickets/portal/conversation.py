"""A ticket's page as its requester sees it, for signed-in customers and guests alike.

Only the public conversation is shown: never an internal note, never an internal
or staff-only event (SLA, assignment). Every action goes through the services,
with the requester (or the guest the link acts for) as the actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from helpdesk.errors import HelpdeskError
from tickets import workflow
from tickets.choices import Status
from tickets.custom_fields import customer_fields, filled_values
from tickets.files import attachment_response
from tickets.models import Attachment, Comment, EventKind, SatisfactionRating, Ticket
from tickets.portal.forms import RatingForm, ReopenForm, ReplyForm
from tickets.services import attachment_add, comment_add, ticket_rate, ticket_reopen, ticket_resolve

# What a requester is told about: the ticket's own life, in their words. Nothing else.
PUBLIC_EVENTS = {
    EventKind.CREATED: gettext_lazy("Ticket received"),
    EventKind.STATUS_CHANGED: None,  # worded by status below
    EventKind.RESOLVED: gettext_lazy("Marked as resolved"),
    EventKind.CLOSED: gettext_lazy("Closed"),
    EventKind.REOPENED: gettext_lazy("Reopened"),
    EventKind.MERGED: None,
}
STATUS_WORDS = {
    Status.NEW: gettext_lazy("New"),
    Status.OPEN: gettext_lazy("Open"),
    Status.IN_PROGRESS: gettext_lazy("In progress"),
    Status.PENDING: gettext_lazy("Waiting for your reply"),
    Status.ON_HOLD: gettext_lazy("On hold"),
    Status.ESCALATED: gettext_lazy("In progress (escalated)"),
    Status.RESOLVED: gettext_lazy("Resolved"),
    Status.CLOSED: gettext_lazy("Closed"),
    Status.REOPENED: gettext_lazy("Reopened"),
}


def status_words(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))


def _event_line(event) -> str | None:
    if event.kind == EventKind.STATUS_CHANGED:
        return _("Status: %(status)s") % {"status": status_words(event.new_value)}
    if event.kind == EventKind.MERGED:
        if event.field == "merged_into":
            return _("Merged into %(number)s, where the conversation continues") % {"number": event.new_value}
        return _("%(number)s was merged into this ticket") % {"number": event.new_value}
    return str(PUBLIC_EVENTS[event.kind])


def timeline(ticket: Ticket) -> list[dict[str, Any]]:
    """Public replies with their files, ticket-level files and public events, in time order (4 queries)."""
    files = Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id"))
    comments = Comment.objects.filter(ticket=ticket, is_internal=False).select_related("author").prefetch_related(files)
    entries = [{"kind": "reply", "at": c.created_at, "item": c} for c in comments]
    loose = ticket.attachments.filter(comment__isnull=True).select_related("uploaded_by")
    entries += [{"kind": "file", "at": a.created_at, "item": a} for a in loose]
    events = ticket.events.filter(is_internal=False, kind__in=list(PUBLIC_EVENTS)).order_by("created_at", "id")
    entries += [{"kind": "event", "at": e.created_at, "item": e, "text": _event_line(e)} for e in events]
    entries.sort(key=lambda entry: (entry["at"], entry["kind"] != "event", entry["item"].pk))
    return _latest_of_each_status_run(entries)


def _latest_of_each_status_run(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Status changes one after another with nothing between (open, in progress, pending) read as the last."""
    kept: list[dict[str, Any]] = []
    for entry in entries:
        if _is_status(entry) and kept and _is_status(kept[-1]):
            kept[-1] = entry
        else:
            kept.append(entry)
    return kept


def _is_status(entry: dict[str, Any]) -> bool:
    return entry["kind"] == "event" and entry["item"].kind == EventKind.STATUS_CHANGED


def file_download(request: HttpRequest, attachment: Attachment, back: str) -> HttpResponse:
    """The file, or a page saying why the virus scan withholds it (waiting, or deleted)."""
    try:
        return attachment_response(attachment)
    except HelpdeskError as exc:
        context = {"attachment": attachment, "message": exc.message, "back": back}
        return render(request, "portal/file_withheld.html", context, status=exc.http_status)


def can_reopen(ticket: Ticket, now=None) -> bool:
    if ticket.merged_into_id is not None or not workflow.is_allowed(ticket.status, Status.REOPENED):
        return False
    if ticket.status == Status.CLOSED:
        return workflow.reopen_window_open(ticket.closed_at, now or timezone.now(), settings.REOPEN_WINDOW_DAYS)
    return True


def _reply(actor: User, ticket: Ticket, form: ReplyForm) -> str:
    with transaction.atomic():
        comment = comment_add(actor=actor, ticket=ticket, body=form.cleaned_data["body"])
    for upload in form.cleaned_data["files"]:
        attachment_add(actor=actor, ticket=ticket, upload=upload, comment=comment)
    return _("Your reply was sent.")


def ticket_page(
    request: HttpRequest,
    *,
    actor: User,
    ticket: Ticket,
    file_url: Callable[[Attachment], str],
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the ticket, or apply what the requester asked for and come back to it."""
    reply_form, reopen_form = ReplyForm(), ReopenForm()
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    rating_form = RatingForm(initial={"score": rating.score, "comment": rating.comment} if rating else None)
    action = request.POST.get("_action") if request.method == "POST" else None
    if action:
        forms = {"reply": ReplyForm, "reopen": ReopenForm, "rate": RatingForm, "resolve": None}
        if action not in forms:
            messages.error(request, _("Unknown action."))
            return HttpResponseRedirect(request.path)
        form = forms[action](request.POST, request.FILES) if forms[action] else None
        if form is None or form.is_valid():
            try:
                done = _apply(actor, ticket, action, form)
            except HelpdeskError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, done)
            return HttpResponseRedirect(request.path)
        reply_form = form if action == "reply" else reply_form
        reopen_form = form if action == "reopen" else reopen_form
        rating_form = form if action == "rate" else rating_form
    context = {
        "ticket": ticket,
        "status_words": status_words(ticket.status),
        "entries": timeline(ticket),
        "file_url": file_url,
        "reply_form": reply_form,
        "reopen_form": reopen_form,
        "rating_form": rating_form,
        "rating": rating,
        "can_reply": ticket.merged_into_id is None and ticket.status != Status.CLOSED,
        "can_resolve": workflow.is_allowed(ticket.status, Status.RESOLVED),
        "can_reopen": can_reopen(ticket),
        "can_rate": ticket.status in workflow.DONE_STATUSES and ticket.merged_into_id is None,
        "reopen_days": settings.REOPEN_WINDOW_DAYS,
        # The customer-visible custom fields that hold a value, as the history writes them.
        "custom_fields": filled_values(customer_fields(), ticket),
        **(extra or {}),
    }
    for entry in context["entries"]:
        if entry["kind"] == "reply":
            entry["files"] = [(a, file_url(a)) for a in entry["item"].attachments.all()]
        elif entry["kind"] == "file":
            entry["url"] = file_url(entry["item"])
    status = 400 if action else 200
    return render(request, "portal/ticket.html", context, status=status)


def _apply(actor: User, ticket: Ticket, action: str, form) -> str:
    if action == "reply":
        return _reply(actor, ticket, form)
    if action == "reopen":
        ticket_reopen(actor=actor, ticket=ticket, reason=form.cleaned_data["reason"])
        return _("The ticket is open again; we will get back to you.")
    if action == "resolve":
        ticket_resolve(actor=actor, ticket=ticket)
        return _("Marked as resolved. Thank you!")
    data = form.cleaned_data
    ticket_rate(actor=actor, ticket=ticket, score=data["score"], comment=data["comment"])
    return _("Thank you for your rating.")
