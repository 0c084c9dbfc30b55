"""Bulk actions on the queue, each ticket through its service; refusals are reported ticket by ticket."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from accounts.roles import Role
from helpdesk.errors import HelpdeskError
from tickets.admin.forms import assignable_staff, assignable_teams
from tickets.choices import Priority, Status
from tickets.models import Ticket
from tickets.services import ticket_assign, ticket_close, ticket_merge, ticket_transition, ticket_update

# A bulk action runs every ticket through its service: keep one request bounded.
MAX_TICKETS = 500
_NO_CHANGE_LABEL = gettext_lazy("— no change —")


def _run(modeladmin, request, queryset: QuerySet[Ticket], done_message: str, change: Callable[[Ticket], object]):
    """Apply ``change`` to each ticket; one success message and one message per refusal."""
    count = queryset.count()
    if count > MAX_TICKETS:
        modeladmin.message_user(
            request,
            _("%(count)d tickets selected; a bulk action takes at most %(max)d. Narrow the filter.")
            % {"count": count, "max": MAX_TICKETS},
            messages.ERROR,
        )
        return
    done = 0
    for ticket in queryset.order_by("pk"):
        try:
            counted = change(ticket) is not False
        except HelpdeskError as exc:
            modeladmin.message_user(request, f"{ticket.number}: {exc.message}", messages.WARNING)
        else:
            done += counted
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


def ask(
    modeladmin, request, queryset, form, title: str, action: str, *, with_versions: bool = False
) -> TemplateResponse:
    """The intermediate page where the agent chooses, e.g., whom to assign to.

    ``with_versions`` sends each ticket's version back with the choice (``version_<id>``), for
    actions that must not apply twice when the page is sent twice.
    """
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": title,
        "form": form,
        "tickets": queryset.order_by("pk")[:MAX_TICKETS],
        "count": queryset.count(),
        "action": action,
        "with_versions": with_versions,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/tickets/ticket/bulk_action.html", context)


def _with_form(form_class: type[forms.Form], title: str, done_message: str, apply: Callable):
    """Build an action that asks with ``form_class``, then applies ``apply(user, ticket, data)``."""

    def action(modeladmin, request, queryset):
        if "apply" in request.POST:
            form = form_class(request.POST, queryset=queryset, user=request.user)
            if form.is_valid():
                _run(modeladmin, request, queryset, done_message, lambda t: apply(request.user, t, form.cleaned_data))
                return None
        else:
            form = form_class(queryset=queryset, user=request.user)
        return ask(modeladmin, request, queryset, form, title, action.__name__)

    return action


class ActionForm(forms.Form):
    def __init__(self, *args, queryset: QuerySet[Ticket], user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset
        self.user = user


NO_CHANGE = ""
UNASSIGN = "none"


class AssignForm(ActionForm):
    """Only the people and teams the user may assign to; nothing changes unless chosen."""

    assignee = forms.TypedChoiceField(label=gettext_lazy("Assignee"), required=False, empty_value=NO_CHANGE)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False, empty_label=_NO_CHANGE_LABEL
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = self.people = {str(person.pk): person for person in assignable_staff(self.user)}
        choices = [(NO_CHANGE, _NO_CHANGE_LABEL)]
        if self.user.role != Role.AGENT:  # an agent may only take tickets, not hand them back
            choices.append((UNASSIGN, gettext_lazy("Nobody (unassign)")))
        self.fields["assignee"].choices = choices + [(pk, str(person)) for pk, person in people.items()]
        teams = assignable_teams(self.user)
        if teams.exists():
            self.fields["team"].queryset = teams
        else:
            del self.fields["team"]

    def clean(self):
        cleaned = super().clean()
        assignee, team = cleaned.get("assignee", NO_CHANGE), cleaned.get("team")
        if assignee == NO_CHANGE and team is None:
            raise forms.ValidationError(_("Choose an assignee or a team."))
        cleaned["person"] = None if assignee in (NO_CHANGE, UNASSIGN) else self.people[assignee]
        return cleaned


def _assign(user: User, ticket: Ticket, data: dict):
    if data["assignee"] == NO_CHANGE:  # the team alone, as the ticket page moves it
        return ticket_update(actor=user, ticket=ticket, changes={"team": data["team"]})
    return ticket_assign(actor=user, ticket=ticket, assignee=data["person"], team=data.get("team"))


class StatusForm(ActionForm):
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=Status.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PriorityForm(ActionForm):
    priority = forms.ChoiceField(label=gettext_lazy("New priority"), choices=Priority.choices)


class MergeForm(ActionForm):
    target = forms.ModelChoiceField(
        label=gettext_lazy("Keep this ticket"),
        queryset=Ticket.objects.none(),
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The others are merged into it: their conversation, files and history move there."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = self.queryset.order_by("created_at")

    def clean(self):
        cleaned = super().clean()
        if self.queryset.count() < 2:
            raise forms.ValidationError(_("Select at least two tickets to merge."))
        return cleaned


@admin.action(description=gettext_lazy("Assign to me"), permissions=["change"])
def assign_to_me(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        _("Assigned %(count)d tickets to you."),
        lambda ticket: ticket_assign(actor=request.user, ticket=ticket, assignee=request.user),
    )


assign = admin.action(description=gettext_lazy("Assign to an agent or team…"), permissions=["change"])(
    _with_form(
        AssignForm,
        gettext_lazy("Assign tickets"),
        gettext_lazy("Assigned %(count)d tickets."),
        _assign,
    )
)
assign.__name__ = "assign"

change_status = admin.action(description=gettext_lazy("Change status…"), permissions=["change"])(
    _with_form(
        StatusForm,
        gettext_lazy("Change status"),
        gettext_lazy("Moved %(count)d tickets."),
        lambda user, ticket, data: ticket_transition(
            actor=user, ticket=ticket, to_status=data["status"], note=data["note"]
        ),
    )
)
change_status.__name__ = "change_status"

change_priority = admin.action(description=gettext_lazy("Change priority…"), permissions=["change"])(
    _with_form(
        PriorityForm,
        gettext_lazy("Change priority"),
        gettext_lazy("Changed the priority of %(count)d tickets."),
        lambda user, ticket, data: ticket_update(actor=user, ticket=ticket, changes={"priority": data["priority"]}),
    )
)
change_priority.__name__ = "change_priority"


@admin.action(description=gettext_lazy("Close"), permissions=["change"])
def close(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        _("Closed %(count)d tickets."),
        lambda ticket: ticket_close(actor=request.user, ticket=ticket),
    )


def _merge(user: User, ticket: Ticket, data: dict) -> bool:
    if ticket.pk == data["target"].pk:
        return False  # the survivor
    ticket_merge(actor=user, source=ticket, target=data["target"])
    return True


merge = admin.action(description=gettext_lazy("Merge…"), permissions=["change"])(
    _with_form(
        MergeForm, gettext_lazy("Merge tickets"), gettext_lazy("Merged %(count)d tickets into the one kept."), _merge
    )
)
merge.__name__ = "merge"

ALL = [assign_to_me, assign, change_status, change_priority, close, merge]
