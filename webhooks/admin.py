"""Webhooks in the console (admins only): endpoints, their deliveries with every attempt, replay and test.

The signing secret is made by the product, never typed: it is shown only on the endpoint's page,
behind "reveal", to admins (nobody else can open these pages), and "rotate secret" replaces it. The
list pages never load it.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly
from helpdesk.errors import HelpdeskError
from integrations.admin import ReadOnlyRecords
from webhooks.models import SUBSCRIBABLE, Delivery, DeliveryAttempt, Endpoint
from webhooks.services import (
    delivery_replay,
    endpoint_resume,
    endpoint_rotate_secret,
    endpoint_save,
    endpoint_send_test,
)
from webhooks.services.endpoints import clean_url


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "include_internal", "is_active"]
        widgets = {"url": forms.URLInput(attrs={"size": 60})}
        field_classes = {"url": forms.CharField}

    def clean_url(self) -> str:
        try:
            return clean_url(self.cleaned_data.get("url", ""))
        except HelpdeskError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Endpoint)
class EndpointAdmin(AdminOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "events_column", "status_column", "last_outcome_column", "failure_streak"]
    list_filter = ["is_active"]
    list_select_related = ["owner"]
    search_fields = ["name", "url"]
    show_full_result_count = False
    actions = ["send_test_event", "resume", "rotate_secret"]
    readonly_fields = [
        "status_column",
        "paused_at",
        "paused_reason",
        "owner",
        "failure_streak",
        "last_attempt_at",
        "last_outcome",
        "secret_column",
        "deliveries_link",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "url", "events", "include_internal", "is_active"]}),
        (_("Signing"), {"fields": ["secret_column"]}),
        (
            _("Health"),
            {
                "fields": [
                    "status_column",
                    ("paused_at", "paused_reason"),
                    ("failure_streak", "last_attempt_at"),
                    "last_outcome",
                    "deliveries_link",
                    ("owner", "created_at"),
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Endpoint]:
        queryset = super().get_queryset(request)
        # The list never shows a secret, so it does not load (and decrypt) one.
        match = request.resolver_match
        return queryset.defer("secret") if match and match.url_name.endswith("changelist") else queryset

    def get_fieldsets(self, request: HttpRequest, obj: Endpoint | None = None):
        if obj is None:
            return [(None, {"fields": ["name", "url", "events", "include_internal", "is_active"]})]
        return self.fieldsets

    @admin.display(description=_("events"))
    def events_column(self, obj: Endpoint) -> str:
        return ", ".join(obj.events or []) + (" (+ internal notes)" if obj.include_internal else "")

    @admin.display(description=_("status"))
    def status_column(self, obj: Endpoint) -> SafeString:
        return format_html('<span class="hd-webhook hd-webhook-{}">{}</span>', obj.status, obj.status)

    @admin.display(description=_("last delivery"))
    def last_outcome_column(self, obj: Endpoint) -> str:
        if obj.last_attempt_at is None:
            return gettext("none yet")
        return f"{Truncator(obj.last_outcome).chars(60)} ({obj.last_attempt_at:%Y-%m-%d %H:%M})"

    @admin.display(description=_("signing secret"))
    def secret_column(self, obj: Endpoint) -> SafeString:
        return format_html(
            "<details><summary>{}</summary><code>{}</code></details><p class='help'>{}</p>",
            gettext("Reveal"),
            obj.secret,
            gettext(
                "Receivers check X-Helpdesk-Signature with it (README, Webhooks). "
                "Use the action \u201cRotate secret\u201d if it leaked."
            ),
        )

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, obj: Endpoint) -> SafeString:
        url = reverse("admin:webhooks_delivery_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">{}</a>', url, obj.pk, gettext("Every delivery"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        if request.method == "GET":
            paused = list(Endpoint.objects.filter(paused_at__isnull=False).values_list("name", "paused_reason")[:10])
            for name, reason in paused:
                messages.warning(request, gettext("%(name)s is paused: %(reason)s") % {"name": name, "reason": reason})
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Endpoint, form: EndpointForm, change: bool) -> None:
        endpoint_save(endpoint=obj, actor=request.user)
        if not change:
            messages.info(request, gettext("Its signing secret is on its page, under Signing."))

    @admin.action(description=_("Send a test event (ping)"))
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        sent = 0
        for endpoint in queryset:
            try:
                endpoint_send_test(endpoint=endpoint, actor=request.user)
                sent += 1
            except HelpdeskError as exc:
                messages.warning(request, str(exc))
        if sent:
            messages.success(
                request,
                ngettext("A test event was queued.", "%(n)d test events were queued.", sent) % {"n": sent}
                + " "
                + gettext("See its outcome under Deliveries."),
            )

    @admin.action(description=_("Resume (take off pause)"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        resumed = sum(endpoint_resume(endpoint=endpoint) for endpoint in queryset)
        messages.success(
            request, ngettext("%(n)d endpoint resumed.", "%(n)d endpoints resumed.", resumed) % {"n": resumed}
        )

    @admin.action(description=_("Rotate secret (the old one stops working at once)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            endpoint_rotate_secret(endpoint=endpoint)
        messages.success(request, gettext("New secrets were made; each is on its endpoint's page."))


class AttemptInline(ReadOnlyRecords, admin.TabularInline):
    """Every attempt of the delivery, read-only."""

    model = DeliveryAttempt
    fields = ["number", "started_at", "status_code", "duration_ms", "error", "response_body", "replay"]
    readonly_fields = fields
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "ticket_column",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["=uuid", "=ticket_id"]
    show_full_result_count = False
    date_hierarchy = None
    actions = ["replay"]
    inlines = [AttemptInline]
    fields = [
        "uuid",
        "endpoint",
        "event",
        "ticket_column",
        "status",
        ("attempts", "next_attempt_at"),
        ("delivered_at", "last_status_code"),
        "last_error",
        "body_column",
        "created_at",
    ]
    readonly_fields = fields[:5] + [
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_error",
        "body_column",
        "created_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        # The list shows no body: a delivery's JSON can be large.
        queryset = super().get_queryset(request).defer("endpoint__secret")
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("body", "changes")
        return queryset

    @admin.display(description=_("ticket"))
    def ticket_column(self, obj: Delivery) -> SafeString | str:
        if obj.ticket_id is None:
            return "-"
        url = reverse("admin:tickets_ticket_change", args=[obj.ticket_id])
        return format_html('<a href="{}">{}</a>', url, obj.ticket_id)

    @admin.display(description=_("body"))
    def body_column(self, obj: Delivery) -> SafeString | str:
        if not obj.body:
            return gettext("Made at the first attempt.")
        try:
            shown = json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)
        except ValueError:
            shown = obj.body
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', shown)

    @admin.action(description=_("Replay: send again now (same delivery id and body)"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        queued, refused = delivery_replay(deliveries=queryset.select_related("endpoint"))
        for reason in refused:
            messages.warning(request, reason)
        if queued:
            messages.success(
                request,
                ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", queued) % {"n": queued},
            )
