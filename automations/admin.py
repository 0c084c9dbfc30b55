"""The automation rules in the console: admins write triggers and automations, dry-run them, and read what fired."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly
from accounts.models import Organization, Team, User
from automations.actions import RECIPIENT_ROLES, describe_actions
from automations.conditions import COMMENT_KINDS, OPERATORS, SLA_STATES, describe_fields
from automations.dryrun import MAX_DAYS, dry_run
from automations.models import Firing, Rule, RuleKind, TriggerEvent
from integrations.admin import ReadOnlyRecords
from tickets.choices import Channel, Priority, Status
from tickets.custom_fields import active_fields
from tickets.models import PLACEHOLDERS, BusinessCalendar, Category
from webhooks.models import Endpoint

# Past this many organizations the builder asks for an organization's id rather than listing them.
MAX_LISTED = 500

CONDITIONS_HELP = _(
    'A list of {"field", "op", "value"}. Fields: status, priority, channel (is, is_not, in, not_in); category '
    "(a slug), team, assignee, organization (ids; is, is_not, is_set, is_empty); requester_email (is, ends_with, "
    "contains); subject, description (contains, not_contains); tag (includes, excludes); sla (is ok, at_risk, "
    "breached); minutes_since_created, minutes_since_status_changed, minutes_since_updated (gt, lt); comment "
    "(is public or internal, triggers only); business_hours (within or outside a calendar's id); cf:<key>, a "
    "custom field (is; gte, lte for numbers and dates). "
    'Example: [{"field": "priority", "op": "is", "value": "urgent"}, '
    '{"field": "requester_email", "op": "ends_with", "value": "@acme.example"}]'
)
ACTIONS_HELP = _(
    'A list of {"type", ...}: set_status, set_priority, set_team, assign (value: an agent\'s id), unassign, '
    "add_tags, remove_tags (value: a list of names), comment (body with {ticket_number}, {ticket_subject}, "
    "{requester_name}, {requester_email}, {agent_name}; internal: true or false), notify (recipients: assignee, "
    "team_lead, requester or ids; message), set_field (key, value: a custom field), webhook (endpoint: an "
    "outbound webhook endpoint's id). "
    'Example: [{"type": "set_team", "value": 2}, {"type": "notify", "recipients": ["team_lead"], '
    '"message": "Urgent ticket {ticket_number} from Acme"}]'
)


def _pairs(choices: Any) -> list[list[Any]]:
    return [[value, str(label)] for value, label in choices]


def builder_choices() -> dict[str, Any]:
    """What the rule builder (static/helpdesk/admin/rule-builder.js) offers: the fields, operators and
    actions in words (from conditions.py and actions.py) and the desk's teams, agents, categories,
    organizations, calendars, webhook endpoints and custom fields by name; one query per kind, bounded."""
    organizations = list(Organization.objects.order_by("name").values_list("pk", "name")[: MAX_LISTED + 1])
    agents = User.objects.staff().order_by("full_name", "email").values_list("pk", "full_name", "email")
    endpoints = Endpoint.objects.order_by("name", "pk").values_list("pk", "name", "is_active", "paused_at")
    paused = str(_("paused"))
    return {
        "fields": describe_fields(active_fields()),
        "operators": {op: str(label) for op, label in OPERATORS.items()},
        "actions": describe_actions(),
        "recipients": _pairs(RECIPIENT_ROLES.items()),
        "placeholders": _pairs(PLACEHOLDERS.items()),
        "choices": {
            "status": _pairs(Status.choices),
            "priority": _pairs(Priority.choices),
            "channel": _pairs(Channel.choices),
            "sla": _pairs(SLA_STATES.items()),
            "comment": _pairs(COMMENT_KINDS.items()),
            "category": _pairs(Category.objects.filter(is_active=True).values_list("slug", "name")),
            "team": _pairs(Team.objects.order_by("name").values_list("pk", "name")),
            "agent": [[pk, f"{name} ({email})" if name else email] for pk, name, email in agents],
            # None: too many to list; the builder asks for the id.
            "organization": _pairs(organizations) if len(organizations) <= MAX_LISTED else None,
            "calendar": _pairs(BusinessCalendar.objects.order_by("name").values_list("pk", "name")),
            "endpoint": [
                [pk, name if active and not paused_at else f"{name} ({paused})"]
                for pk, name, active, paused_at in endpoints
            ],
        },
    }


class PrettyJSON(forms.JSONField):
    """JSON shown indented in a roomy box, and a clear message for what does not parse."""

    default_error_messages = {"invalid": _("This is not valid JSON: check the quotes, commas and brackets.")}
    widget = forms.Textarea(attrs={"rows": 8, "cols": 100, "class": "vLargeTextField hd-json"})

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        return json.dumps(value if value is not None else [], indent=2, ensure_ascii=False)


class RuleForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Runs on"),
        choices=TriggerEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Triggers only: the ticket changes this rule looks at."),
    )
    conditions = PrettyJSON(label=_("All of these"), required=False, help_text=CONDITIONS_HELP)
    any_conditions = PrettyJSON(label=_("And any of these"), required=False, help_text=_("Same form; may be empty."))
    actions = PrettyJSON(label=_("Actions"), help_text=ACTIONS_HELP)

    class Meta:
        model = Rule
        fields = [
            "name",
            "kind",
            "description",
            "is_active",
            "position",
            "events",
            "conditions",
            "any_conditions",
            "actions",
        ]

    def clean_conditions(self) -> Any:
        return self.cleaned_data.get("conditions") or []

    def clean_any_conditions(self) -> Any:
        return self.cleaned_data.get("any_conditions") or []


@admin.register(Rule)
class RuleAdmin(AdminOnly, admin.ModelAdmin):
    form = RuleForm
    list_display = ["name", "kind", "is_active", "position", "runs_on", "last_fired", "dry_run_link"]
    list_display_links = ["name"]
    actions = ["activate", "deactivate"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "description"]
    readonly_fields = ["dry_run_link", "created_by", "updated_at"]
    change_form_template = "admin/automations/rule/change_form.html"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_last_fired=Max("firings__at"))

    @admin.display(description=_("runs on"))
    def runs_on(self, obj: Rule) -> str:
        if obj.kind == RuleKind.AUTOMATION:
            return str(_("every 5 minutes"))
        labels = dict(TriggerEvent.choices)
        return ", ".join(str(labels.get(event, event)) for event in obj.events)

    @admin.display(description=_("last fired"), ordering="_last_fired")
    def last_fired(self, obj: Rule) -> Any:
        return getattr(obj, "_last_fired", None) or "—"

    @admin.display(description=_("dry run"))
    def dry_run_link(self, obj: Rule) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:automations_rule_dry_run", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("What would it do?"))

    @admin.action(description=_("Switch on the selected rules"))
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        self._switch(request, queryset, active=True)

    @admin.action(description=_("Switch off the selected rules"))
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        self._switch(request, queryset, active=False)

    def _switch(self, request: HttpRequest, queryset: Any, *, active: bool) -> None:
        # Each saved (not a bulk update): the triggers' cache is dropped by the rule's save signal. Not
        # validated again: switching off a rule that broke (a team it names deleted) must always work.
        count = 0
        for rule in queryset:
            if rule.is_active != active:
                rule.is_active = active
                rule.save(update_fields=["is_active", "updated_at"])
                count += 1
        self.message_user(
            request,
            _("%(count)d rules switched %(state)s.") % {"count": count, "state": _("on") if active else _("off")},
        )

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        context["rule_builder"] = builder_choices()
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:rule_id>/dry-run/", wrap(self.dry_run_view), name="automations_rule_dry_run"),
            *super().get_urls(),
        ]

    def dry_run_view(self, request: HttpRequest, rule_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        rule = Rule.objects.filter(pk=rule_id).first()
        if rule is None:
            raise Http404
        try:
            days = max(1, min(int(request.GET.get("days", 7)), MAX_DAYS))
        except ValueError:
            days = 7
        result = dry_run(rule, days=days)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dry run of “%(name)s”") % {"name": rule.name},
            "rule": rule,
            "days": days,
            "max_days": MAX_DAYS,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/automations/rule/dry_run.html", context)


@admin.register(Firing)
class FiringAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ["at", "rule", "ticket", "outcome", "depth"]
    list_filter = ["rule"]
    list_select_related = ["rule", "ticket"]
    search_fields = ["ticket__number", "rule__name"]
    date_hierarchy = "at"

    @admin.display(description=_("outcome"))
    def outcome(self, obj: Firing) -> str:
        return f"{_('refused')}: {obj.error}" if obj.error else ", ".join(obj.done or [])
