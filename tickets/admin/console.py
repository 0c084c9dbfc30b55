"""The ticket page of the agent console: header, timeline, reply box, quick actions.

Every write names the version the page was rendered from; if someone else changed
the ticket since, the service refuses (``PreconditionFailed``) and the page shows
what changed, keeping the agent's draft. Nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import customer_for_email
from helpdesk.errors import HelpdeskError, NotFound, PreconditionFailed, ValidationFailed
from tickets import access
from tickets.admin import timeline
from tickets.admin.customer import customer_context
from tickets.admin.forms import EDIT_FIELDS, MacroApplyForm, NewTicketForm, ReplyForm, Seen, TicketFieldsForm
from tickets.admin.macros import composer_macros, macro_previews
from tickets.choices import Channel, Status
from tickets.forms import custom_values_from, place_errors, upload_problems
from tickets.models import GuestLink, Ticket, TicketEvent
from tickets.selectors import macros_for, tickets_visible_to
from tickets.services import (
    attachment_add,
    comment_add,
    macro_apply,
    ticket_assign,
    ticket_create,
    ticket_escalate,
    ticket_resolve,
    ticket_transition,
    ticket_update,
)
from tickets.services.guests import guest_link_revoke
from tickets.services.macros import reply_values
from tickets.workflow import steps_to

QUICK_ACTIONS = {
    "assign_me": gettext_lazy("Assign to me"),
    "resolve": gettext_lazy("Resolve"),
    "escalate": gettext_lazy("Escalate"),
}


# Panels other apps add to the ticket page's side column (integrations: where the ticket lives
# on the external desks), so this module imports none of them. Each is called with the ticket and
# the user and answers (template name, context) or None to show nothing.
TicketPanel = Callable[[Ticket, User], tuple[str, dict] | None]
TICKET_PAGE_PANELS: list[TicketPanel] = []


def _quick_actions(user: User, ticket: Ticket) -> list[tuple[str, str]]:
    available = []
    if ticket.assignee_id != user.pk and access.can_assign(user, ticket, user):
        available.append("assign_me")
    if steps_to(ticket.status, Status.RESOLVED):
        available.append("resolve")
    if steps_to(ticket.status, Status.ESCALATED):
        available.append("escalate")
    return [(name, QUICK_ACTIONS[name]) for name in available]


def _save_fields(user: User, ticket: Ticket, form: TicketFieldsForm) -> bool:
    """Apply what the agent changed, all or nothing; False when nothing changed."""
    data = form.cleaned_data
    changes = {name: data[name] for name in EDIT_FIELDS if form.has_changed_field(name)}
    if custom := custom_values_from(form, changed_only=True):
        changes["custom_fields"] = custom
    team_changed = form.has_changed_field("team")
    assignee_changed = form.has_changed_field("assignee")
    status_changed = form.has_changed_field("status")
    if not (changes or team_changed or assignee_changed or status_changed):
        return False
    version = data["version"]
    with transaction.atomic():
        if team_changed and not assignee_changed:
            changes["team"] = data["team"]
        if changes:
            ticket = ticket_update(actor=user, ticket=ticket, changes=changes, expected_version=version)
            version = None  # checked once, under the row lock the transaction keeps
        if assignee_changed:
            team = data["team"] if team_changed else None
            ticket = ticket_assign(
                actor=user, ticket=ticket, assignee=data["assignee"], team=team, expected_version=version
            )
            version = None
        if status_changed:
            ticket_transition(actor=user, ticket=ticket, to_status=data["status"], expected_version=version)
    return True


def _send_reply(user: User, ticket: Ticket, form: ReplyForm, *, internal: bool) -> None:
    data = form.cleaned_data
    uploads = data["files"]
    body = (data.get("body") or "").strip()
    if not body and data.get("reply_macro") is not None:
        body = data["reply_macro"].render(reply_values(ticket, user))
    # Every file is checked before anything is saved, so a refused file posts nothing.
    if problems := upload_problems(uploads):
        raise ValidationFailed(_("Nothing was sent."), {"files": problems})
    with transaction.atomic():
        comment = comment_add(
            actor=user, ticket=ticket, body=body, is_internal=internal, expected_version=data["version"]
        )
        if data.get("priority") and data["priority"] != comment.ticket.priority:
            ticket_update(actor=user, ticket=comment.ticket, changes={"priority": data["priority"]})
        if data.get("status") and data["status"] != comment.ticket.status:
            ticket_transition(actor=user, ticket=comment.ticket, to_status=data["status"])
    # Files are stored after the commit: no storage call while the row is locked.
    for upload in uploads:
        attachment_add(actor=user, ticket=comment.ticket, upload=upload, comment=comment)


def _quick_action(user: User, ticket: Ticket, action: str, version: int) -> None:
    if action == "assign_me":
        ticket_assign(actor=user, ticket=ticket, assignee=user, expected_version=version)
        return
    target = Status.RESOLVED if action == "resolve" else Status.ESCALATED
    steps = steps_to(ticket.status, target) or [target]  # refused by the service with its reason
    with transaction.atomic():
        for step in steps[:-1]:
            ticket = ticket_transition(actor=user, ticket=ticket, to_status=step, expected_version=version)
            version = None  # checked once, under the row lock the transaction keeps
        if target == Status.RESOLVED:
            ticket_resolve(actor=user, ticket=ticket, expected_version=version)
        else:
            ticket_escalate(actor=user, ticket=ticket, expected_version=version)


def _form_errors(form, exc: HelpdeskError) -> None:
    """Show a service's refusal on the form: on its fields where it names them."""
    place_errors(form, exc, aliases={"assignee_id": "assignee", "file": "files"})


def ticket_page(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    ticket = model_admin.get_object(request, object_id)
    if ticket is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    user = request.user
    items = timeline.entries(user, ticket)
    last_event_id = timeline.last_event_id(user, ticket)
    fields_form = TicketFieldsForm(ticket=ticket, user=user, last_event_id=last_event_id)
    macros = macros_for(user)
    macro_list = list(macros)  # the forms validate against the queryset; the page lists these
    reply_form = ReplyForm(ticket=ticket, last_event_id=last_event_id, macros=macros)
    macro_form = MacroApplyForm(ticket=ticket, last_event_id=last_event_id, macros=macros)
    conflict = None
    action = request.POST.get("_action", "") if request.method == "POST" else ""
    if action == "send":  # the composer's one button: its mode says which
        action = "note" if request.POST.get("mode") == "note" else "reply"
    if action:
        if action == "save":
            form = fields_form = TicketFieldsForm(request.POST, ticket=ticket, user=user, last_event_id=last_event_id)
        elif action in ("reply", "note"):
            form = reply_form = ReplyForm(
                request.POST, request.FILES, ticket=ticket, last_event_id=last_event_id, macros=macros
            )
        elif action == "macro":
            form = macro_form = MacroApplyForm(request.POST, ticket=ticket, last_event_id=last_event_id, macros=macros)
        else:
            form = Seen(request.POST)
        if form.is_valid():
            try:
                done = _perform(user, ticket, action, form)
            except PreconditionFailed:
                conflict = timeline.changes_since(user, ticket, form.cleaned_data.get("last_event") or 0)
                _keep_draft(form, ticket, last_event_id, conflict, current=fields_form.initial)
            except HelpdeskError as exc:
                if form in (fields_form, reply_form, macro_form):
                    _form_errors(form, exc)
                else:
                    messages.error(request, exc.message)
                    return HttpResponseRedirect(request.path)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(request.path)
        elif form not in (fields_form, reply_form, macro_form):
            messages.error(request, _("The page was out of date; try again."))
            return HttpResponseRedirect(request.path)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{ticket.number} {ticket.subject}",
        "subtitle": None,
        "ticket": ticket,
        "sla": timeline.sla_summary(ticket),
        "entries": items,
        "fields_form": fields_form,
        "reply_form": reply_form,
        "can_edit": access.can_edit_ticket(user, ticket),
        "customer": customer_context(user, ticket),
        "quick_actions": _quick_actions(user, ticket),
        "macro_form": macro_form,
        "macro_previews": macro_previews(macro_list, ticket, user),
        "composer_macros": composer_macros(macro_list, ticket, user),
        "other_tickets": tickets_visible_to(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at")[:10],
        "conflict": conflict,
        "guest_links": GuestLink.objects.live(timezone.now()).filter(ticket=ticket).select_related("user"),
        "panels": [panel for panel in (make(ticket, user) for make in TICKET_PAGE_PANELS) if panel],
        "has_delete_permission": model_admin.has_delete_permission(request, ticket),
        # The raw event log is an internal record (out of the app lists): admins reach it from here.
        "raw_history": _raw_history_url(model_admin, request, ticket),
        "media": model_admin.media,
        "is_nav_sidebar_enabled": False,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/tickets/ticket/console.html", context, status=409 if conflict else 200)


def _raw_history_url(model_admin, request: HttpRequest, ticket: Ticket) -> str:
    events = model_admin.admin_site._registry.get(TicketEvent)
    if events is None or not events.has_view_permission(request):
        return ""
    return reverse("admin:tickets_ticketevent_changelist") + "?" + urlencode({"q": ticket.number})


def _perform(user: User, ticket: Ticket, action: str, form) -> str:
    if action == "save":
        return _("Ticket saved.") if _save_fields(user, ticket, form) else _("Nothing changed.")
    if action in ("reply", "note"):
        _send_reply(user, ticket, form, internal=action == "note")
        return _("Internal note added.") if action == "note" else _("Reply sent.")
    if action == "macro":
        macro = form.cleaned_data["macro"]
        macro_apply(actor=user, macro=macro, ticket=ticket, expected_version=form.cleaned_data["version"])
        return _("Macro %(name)s applied.") % {"name": macro.name}
    if action == "revoke_link":
        link = GuestLink.objects.filter(ticket=ticket, pk=form.data.get("link")).first()
        if link is None:
            raise NotFound(_("That link is gone already."))
        guest_link_revoke(actor=user, link=link)
        return _("The guest link no longer works.")
    if action in QUICK_ACTIONS:
        _quick_action(user, ticket, action, form.cleaned_data["version"])
        return _("Done: %(action)s.") % {"action": QUICK_ACTIONS[action]}
    raise HelpdeskError(_("Unknown action."))


def _keep_draft(form, ticket: Ticket, last_event_id: int, changes: list[dict], current: dict) -> None:
    """After a collision, show the draft again, now based on the current version.

    Fields the other person changed show their new value: saving the draft again
    must not quietly undo their change. The agent's other edits are kept, and
    sending again is then a deliberate choice made with the change in view.
    """
    data = form.data.copy()
    data["version"] = ticket.version
    data["last_event"] = last_event_id
    if isinstance(form, TicketFieldsForm):
        for name in {change["field"] for change in changes} & set(form.fields):
            value = current.get(name)
            data[name] = "" if value is None else value
    form.data = data


def new_ticket_page(model_admin, request: HttpRequest) -> HttpResponse:
    """Open a ticket for a requester (a phone call, a walk-in) through ticket_create."""
    form = NewTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                ticket = ticket_create(
                    actor=request.user,
                    requester=customer_for_email(email=data["requester_email"]),
                    subject=data["subject"],
                    description=data["description"],
                    category=data["category"],
                    priority=data["priority"],
                    team=data["team"],
                    assignee=data["assignee"],
                    tags=[name for name in data["tags"].split(",") if name.strip()],
                    channel=Channel.ADMIN,
                    environment=data["environment"],
                    affected_service=data["affected_service"],
                    impact_level=data["impact_level"],
                    custom_fields=custom_values_from(form, category_id=data["category"].pk),
                )
        except HelpdeskError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
            return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Open a ticket"),
        "subtitle": None,
        "form": form,
        "media": model_admin.media + form.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/tickets/ticket/new.html", context)
