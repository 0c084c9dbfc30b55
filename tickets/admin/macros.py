"""Macros in the console: managers and admins write them; staff see those shared with them and apply
them from the ticket page ("Apply macro", with a preview) or to many tickets from the queue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_access import is_staff
from accounts.models import User
from accounts.roles import Role
from tickets import workflow
from tickets.admin.actions import MAX_TICKETS, ActionForm, ask
from tickets.admin.timeline import value_label
from tickets.models import PLACEHOLDERS, Macro, Ticket
from tickets.models.macros import tag_names
from tickets.selectors import macros_for
from tickets.services import macro_apply_many
from tickets.services.macros import reply_values


def _may_write(request) -> bool:
    return is_staff(request) and request.user.role in (Role.MANAGER, Role.ADMIN)


def actions_of(macro: Macro) -> list[str]:
    """What a macro does, one line per action, in the order it applies them (for lists and the API)."""
    lines = []
    if macro.assign_to_me:
        lines.append(_("Assign to the agent applying it"))
    elif macro.assignee is not None:
        lines.append(_("Assign to %(person)s") % {"person": macro.assignee})
    if macro.team is not None:
        lines.append(_("Move to team %(team)s") % {"team": macro.team.name})
    if macro.priority:
        lines.append(_("Priority: %(priority)s") % {"priority": value_label("priority", macro.priority)})
    if added := tag_names(macro.add_tags):
        lines.append(_("Add tags: %(tags)s") % {"tags": ", ".join(added)})
    if removed := tag_names(macro.remove_tags):
        lines.append(_("Remove tags: %(tags)s") % {"tags": ", ".join(removed)})
    if macro.reply.strip():
        lines.append(_("Add an internal note") if macro.reply_is_internal else _("Send a public reply"))
    if macro.status:
        lines.append(_("Status: %(status)s") % {"status": value_label("status", macro.status)})
    return lines


def macro_previews(macros: list[Macro], ticket: Ticket, user: User) -> list[dict[str, Any]]:
    """For the ticket page: each macro's reply as it would be sent on this ticket, and its actions."""
    values = reply_values(ticket, user)
    return [
        {
            "id": macro.pk,
            "name": macro.name,
            "description": macro.description,
            "reply": macro.render(values) if macro.reply.strip() else "",
            "internal": macro.reply_is_internal,
            "actions": actions_of(macro),
        }
        for macro in macros
    ]


def composer_macros(macros: list[Macro], ticket: Ticket, user: User) -> list[dict[str, Any]]:
    """For the reply box's "insert a macro's reply": the text for this ticket, and its status and priority."""
    values = reply_values(ticket, user)
    return [
        {
            "id": macro.pk,
            "title": macro.name,
            "body": macro.render(values),
            "status": macro.status if workflow.is_allowed(ticket.status, macro.status or ticket.status) else "",
            "priority": macro.priority,
            "internal": macro.reply_is_internal,
        }
        for macro in macros
        if macro.reply.strip()
    ]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "actions_summary", "shared_with", "position", "is_active", "updated_at"]
    list_filter = ["is_active", "reply_is_internal", "status", "priority", "teams"]
    list_select_related = ["assignee", "team"]
    search_fields = ["name", "description", "reply"]
    filter_horizontal = ["teams"]
    fieldsets = [
        (None, {"fields": ["name", "description", "position", "is_active", "teams"]}),
        (gettext_lazy("Reply"), {"fields": ["reply", "reply_is_internal"]}),
        (gettext_lazy("Ticket changes"), {"fields": ["status", "priority", "add_tags", "remove_tags"]}),
        (gettext_lazy("Assignment"), {"fields": ["assign_to_me", "assignee", "team"]}),
    ]

    def get_queryset(self, request):
        if _may_write(request):
            return super().get_queryset(request).prefetch_related("teams")
        return macros_for(request.user).prefetch_related("teams")  # agents: what they may apply

    def has_module_permission(self, request) -> bool:
        return is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request) -> bool:
        return _may_write(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _may_write(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _may_write(request)

    @admin.display(description=gettext_lazy("actions"))
    def actions_summary(self, macro: Macro) -> str:
        return "; ".join(actions_of(macro))

    @admin.display(description=gettext_lazy("shared with"))
    def shared_with(self, macro: Macro) -> str:
        return ", ".join(team.name for team in macro.teams.all()) or _("everyone")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "reply" in form.base_fields:
            names = "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())
            form.base_fields["reply"].help_text = _("Placeholders — %(names)s.") % {"names": names}
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class MacroBulkForm(ActionForm):
    macro = forms.ModelChoiceField(label=gettext_lazy("Macro"), queryset=Macro.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].queryset = macros_for(self.user)


def _versions(request) -> dict[int, int]:
    """The version each ticket had when the agent chose the macro (fields ``version_<id>`` of the page)."""
    versions = {}
    for name, value in request.POST.items():
        key = name.removeprefix("version_")
        if key != name and key.isdigit() and value.isdigit():
            versions[int(key)] = int(value)
    return versions


@admin.action(description=gettext_lazy("Apply macro…"), permissions=["change"])
def apply_macro(modeladmin, request, queryset: QuerySet[Ticket]):
    """Choose a macro, then apply it to each ticket; the results page lists every ticket's outcome.

    The choosing page carries each ticket's version: sending it twice applies nothing twice.
    """
    if queryset.count() > MAX_TICKETS:
        message = _("A bulk action takes at most %(max)d tickets. Narrow the filter.") % {"max": MAX_TICKETS}
        modeladmin.message_user(request, message, messages.ERROR)
        return None
    if "apply" in request.POST:
        form = MacroBulkForm(request.POST, queryset=queryset, user=request.user)
        if form.is_valid():
            macro = form.cleaned_data["macro"]
            tickets = queryset.order_by("pk")
            outcomes = macro_apply_many(actor=request.user, macro=macro, tickets=tickets, versions=_versions(request))
            applied = sum(outcome.applied for outcome in outcomes)
            summary = _("Macro %(name)s applied to %(done)d of %(count)d tickets.") % {
                "name": macro.name,
                "done": applied,
                "count": len(outcomes),
            }
            modeladmin.message_user(
                request, summary, messages.SUCCESS if applied == len(outcomes) else messages.WARNING
            )
            context = {
                **modeladmin.admin_site.each_context(request),
                "opts": modeladmin.opts,
                "title": _("Macro %(name)s applied") % {"name": macro.name},
                "macro": macro,
                "outcomes": outcomes,
                "media": modeladmin.media,
            }
            return TemplateResponse(request, "admin/tickets/ticket/bulk_macro_done.html", context)
    else:
        form = MacroBulkForm(queryset=queryset, user=request.user)
    return ask(modeladmin, request, queryset, form, _("Apply a macro"), "apply_macro", with_versions=True)
