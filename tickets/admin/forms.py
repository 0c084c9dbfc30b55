"""The forms of the ticket page: the ticket's fields, and the reply box."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.roles import Role
from tickets import access, workflow
from tickets.choices import Environment, ImpactLevel, Priority, Status
from tickets.custom_fields import active_fields, shown_fields, values_of
from tickets.forms import MultipleFileField, add_custom_fields
from tickets.models import Category, Macro, Ticket

# The fields ticket_update changes; status, assignee and team have their own services.
EDIT_FIELDS = [
    "subject",
    "description",
    "category",
    "priority",
    "tags",
    "environment",
    "affected_service",
    "impact_level",
]


class Seen(forms.Form):
    """What the page showed: the version it was rendered from and the last event in its timeline.

    A write naming an older version is refused (collision), and the events after
    ``last_event`` are what the other person changed.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    last_event = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


def seen_initial(ticket: Ticket, last_event_id: int) -> dict:
    return {"version": ticket.version, "last_event": last_event_id}


def status_choices(ticket: Ticket, blank: str | None = None) -> list[tuple[str, str]]:
    targets = [(s.value, s.label) for s in workflow.allowed_targets(ticket.status)]
    first = [("", blank)] if blank is not None else [(ticket.status, Status(ticket.status).label)]
    return first + targets


def assignable_condition(user: User) -> Q:
    """The people ``user`` may assign tickets to, as access.can_assign allows: anyone (manager,
    admin), the members and leads of their teams (team lead), themselves (agent)."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return Q()
    if user.role == Role.TEAM_LEAD:
        teams = access.team_ids_of(user)
        members = Team.members.through.objects.filter(team_id__in=teams).values("user_id")
        leads = Team.objects.filter(pk__in=teams).values("lead_id")
        return Q(pk__in=members) | Q(pk__in=leads) | Q(pk=user.pk)
    return Q(pk=user.pk)


def assignable_staff(user: User):
    """Active staff ``user`` may assign to, by name."""
    staff = User.objects.staff()
    return staff.filter(assignable_condition(user)).order_by("full_name", "email")


def assignable_teams(user: User):
    """The teams ``user`` may move tickets to: any (manager, admin), their own (team lead), none (agent)."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return Team.objects.order_by("name")
    if user.role == Role.TEAM_LEAD:
        return Team.objects.filter(pk__in=access.team_ids_of(user)).order_by("name")
    return Team.objects.none()


def assignable_people(user: User, ticket: Ticket):
    """Whom ``user`` may assign this ticket to, as access.can_assign allows (one query)."""
    condition = assignable_condition(user)
    if ticket.assignee_id and condition:
        condition |= Q(pk=ticket.assignee_id)  # shown as it is, even if this user could not choose them
    staff = User.objects.staff()
    return staff.filter(condition).order_by("full_name", "email")


class TicketFieldsForm(Seen):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ChoiceField(label=_("Status"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"), required=False)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated."))
    environment = forms.ChoiceField(label=_("Environment"), choices=[("", "—"), *Environment.choices], required=False)
    affected_service = forms.CharField(label=_("Affected service"), max_length=200, required=False)
    impact_level = forms.ChoiceField(label=_("Impact"), choices=[("", "—"), *ImpactLevel.choices], required=False)

    def __init__(self, *args, ticket: Ticket, user: User, last_event_id: int, **kwargs) -> None:
        initial = {
            **seen_initial(ticket, last_event_id),
            **{name: getattr(ticket, name) for name in EDIT_FIELDS if name != "tags"},
            "tags": ", ".join(tag.name for tag in ticket.tags.all()),
            "status": ticket.status,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["status"].choices = status_choices(ticket)
        self.fields["assignee"].queryset = assignable_people(user, ticket)
        # The custom fields of its category (and any other holding a value), below the ticket's own.
        add_custom_fields(self, shown_fields(user, ticket), values_of(ticket))
        if not access.can_edit_ticket(user, ticket):
            for name in [*EDIT_FIELDS, "team", *(f"cf_{spec.key}" for spec in self.custom_specs)]:
                self.fields[name].disabled = True
        if user.role == Role.AGENT:
            self.fields["team"].disabled = True
            self.fields["team"].help_text = _(
                "Agents do not move tickets between teams: ask a team lead or a manager, or leave an internal note."
            )

    def clean_tags(self) -> list[str]:
        return sorted({name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()})

    def has_changed_field(self, name: str) -> bool:
        if name == "tags":
            before = sorted({n.strip() for n in str(self.initial["tags"]).split(",") if n.strip()})
            return name in self.changed_data and before != self.cleaned_data["tags"]
        return name in self.changed_data


class ReplyForm(Seen):
    # Which the composer sends when its button says "send" (the buttons "reply" and "note" say it themselves).
    # Anything but "note" is a public reply, as the page's action says (console.ticket_page).
    mode = forms.CharField(required=False, initial="reply")
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("Write a reply…")}), required=False
    )
    files = MultipleFileField(label=_("Attach files"), required=False)
    status = forms.ChoiceField(label=_("Then set status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=[("", _("keep")), *Priority.choices], required=False)
    # A macro's reply inserted into the message (with its status and priority as the "then" choices);
    # its other actions are for "Apply macro". Offered: the user's macros with a reply.
    reply_macro = forms.ModelChoiceField(
        label=_("Macro's reply"),
        queryset=Macro.objects.none(),
        required=False,
        empty_label=_("Insert a macro's reply…"),
    )

    def __init__(self, *args, ticket: Ticket, last_event_id: int, macros=None, **kwargs) -> None:
        kwargs.setdefault("initial", seen_initial(ticket, last_event_id))
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        if macros is not None:
            self.fields["reply_macro"].queryset = macros.exclude(reply="")
        current = Status(ticket.status).label
        self.fields["status"].choices = status_choices(ticket, blank=_("keep (%(status)s)") % {"status": current})

    def clean_mode(self) -> str:
        return "note" if self.cleaned_data.get("mode") == "note" else "reply"

    def clean(self):
        cleaned = super().clean()
        # Without JavaScript a macro's reply still works: its text fills an empty message.
        macro = cleaned.get("reply_macro")
        if macro is not None:
            cleaned["status"] = cleaned.get("status") or macro.status
            cleaned["priority"] = cleaned.get("priority") or macro.priority
        if not (cleaned.get("body") or "").strip() and macro is None:
            self.add_error("body", _("Write a message, or choose a macro's reply."))
        return cleaned


class MacroApplyForm(Seen):
    """The ticket page's "Apply macro": which one, and the version the page showed (applied once per read)."""

    macro = forms.ModelChoiceField(label=_("Macro"), queryset=Macro.objects.none(), empty_label=_("Choose a macro…"))

    def __init__(self, *args, ticket: Ticket, last_event_id: int, macros, **kwargs) -> None:
        kwargs.setdefault("initial", seen_initial(ticket, last_event_id))
        kwargs.setdefault("auto_id", "id_apply_%s")
        super().__init__(*args, **kwargs)
        self.fields["macro"].queryset = macros


class NewTicketForm(forms.Form):
    requester_email = forms.EmailField(
        label=_("Requester email"), help_text=_("An unknown address becomes a new customer (a guest requester).")
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"), required=False)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.staff().order_by("full_name", "email"),
        required=False,
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma-separated."))
    environment = forms.ChoiceField(label=_("Environment"), choices=[("", "—"), *Environment.choices], required=False)
    affected_service = forms.CharField(label=_("Affected service"), max_length=200, required=False)
    impact_level = forms.ChoiceField(label=_("Impact"), choices=[("", "—"), *ImpactLevel.choices], required=False)

    class Media:
        js = ["helpdesk/custom-fields.js"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every active field; the page shows those of the chosen category (custom-fields.js).
        add_custom_fields(self, active_fields())
