"""The integrations in the agent console: connections, their sync log and the id links (admins only).

Secrets are write-only here: a secret field is a password box that never shows the stored
value, leaving it blank keeps that value, and "clear" empties it; the page says only whether
each is set. ``remote_links_panel`` shows a ticket's remote links on its page in the console.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly, is_admin
from accounts.models import User
from helpdesk.queue import publish
from integrations.models import SECRET_FIELDS, Connection, RemoteLink, SyncLogEntry
from integrations.services import connection_save
from integrations.tasks import pull_connection_task, push_pending_relay
from tickets.admin.console import TICKET_PAGE_PANELS
from tickets.models import Ticket

RECENT_LOG_ENTRIES = 20
API_TOKEN_WARNING = _(
    "This connection signs in with a Zendesk API token. Zendesk stops accepting API tokens on "
    "30 April 2027 (and issues no new ones from 27 October 2026): switch it to OAuth before then."
)


def health_badge(connection: Connection) -> SafeString:
    health = connection.health
    return format_html('<span class="hd-health hd-health-{}">{}</span>', health.value, health.label)


def remote_link(link: RemoteLink) -> SafeString | str:
    """The remote id, linking to the desk when the URL is a web address (never ``javascript:``)."""
    if not link.remote_id:
        return gettext("not created yet")
    if link.remote_url.startswith(("https://", "http://")):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', link.remote_url, link.remote_id
        )
    return link.remote_id


# --- Connections ------------------------------------------------------------------------


def _https_by_default(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    # A desk's address typed without a scheme is https (Django 6's default, asked for now).
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def _clear_field() -> forms.BooleanField:
    return forms.BooleanField(label=_("clear"), required=False)


class ConnectionForm(forms.ModelForm):
    """Secrets are write-only: blank keeps the stored value, "clear" empties it, nothing shows it."""

    clear_client_secret = _clear_field()
    clear_api_token = _clear_field()
    clear_access_token = _clear_field()
    clear_refresh_token = _clear_field()
    clear_webhook_secret = _clear_field()

    class Meta:
        model = Connection
        formfield_callback = _https_by_default
        fields = [
            "name",
            "provider",
            "is_active",
            "team",
            "subdomain",
            "hold_enabled",
            "data_centre",
            "org_id",
            "department_id",
            "zoho_priorities",
            "base_url_override",
            "auth_method",
            "client_id",
            *SECRET_FIELDS,
            "api_email",
            "status_map_overrides",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.pk is not None
        for name in SECRET_FIELDS:
            # Not even in the form's memory: a widget or template could render initial values.
            self.initial.pop(name, None)
            field = self.fields[name]
            field.required = False
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            if stored and self.instance.secret_is_set(name):
                field.help_text = gettext("Set. Leave blank to keep it; type a new value to replace it.")
            else:
                field.help_text = gettext("Not set.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if cleaned.get(f"clear_{name}"):
                cleaned[name] = ""
            elif not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name) if self.instance.pk is not None else ""
        return cleaned

    def changed_model_fields(self) -> list[str]:
        """The connection's fields this submission changes (a cleared secret counts)."""
        columns = {field.name for field in Connection._meta.concrete_fields}
        changed = [name for name in self.changed_data if name in columns]
        cleared = [name for name in SECRET_FIELDS if self.cleaned_data.get(f"clear_{name}")]
        return sorted(set(changed) | set(cleared))


class SecretsDeferredChangeList(ChangeList):
    # The list never shows a secret, so it does not load (and decrypt) any.
    def get_queryset(self, request: HttpRequest, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*SECRET_FIELDS)


class RecentSyncLogFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset()[:RECENT_LOG_ENTRIES]
        return self._recent


class RecentSyncLogInline(admin.TabularInline):
    """The connection's last entries of the sync log, newest first, read-only."""

    model = SyncLogEntry
    formset = RecentSyncLogFormSet
    fields = ["created_at", "direction", "action", "outcome", "ticket", "remote_id", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("recent sync log (the last 20 entries)")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("ticket").order_by("-created_at", "-id")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Connection)
class ConnectionAdmin(AdminOnly, admin.ModelAdmin):
    form = ConnectionForm
    list_display = [
        "name",
        "provider",
        "team",
        "health_column",
        "last_sync_at",
        "last_error_column",
        "consecutive_failures",
    ]
    list_filter = ["provider", "is_active"]
    list_select_related = ["team"]
    search_fields = ["name", "subdomain", "org_id"]
    autocomplete_fields = ["team"]
    show_full_result_count = False
    inlines = [RecentSyncLogInline]
    # The admin builds the form with its own callback; the same default as the form's.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "health_column",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "token_version",
        "last_sync_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "full_log_link",
        "webhook_address",
        "created_at",
        "updated_at",
    ]
    actions = ["sync_now"]
    fieldsets = [
        (None, {"fields": ["name", "provider", "is_active", "team"]}),
        (_("Zendesk"), {"fields": ["subdomain", "hold_enabled"]}),
        (_("Zoho Desk"), {"fields": ["data_centre", "org_id", "department_id", "zoho_priorities"]}),
        (_("Address"), {"fields": ["base_url_override"]}),
        (
            _("Authentication"),
            {
                "fields": [
                    "auth_method",
                    "client_id",
                    ("client_secret", "clear_client_secret"),
                    "api_email",
                    ("api_token", "clear_api_token"),
                    ("access_token", "clear_access_token"),
                    ("refresh_token", "clear_refresh_token"),
                    ("access_token_expires_at", "refresh_token_expires_at", "token_version"),
                ],
                "description": _("Secrets are stored encrypted and never shown again."),
            },
        ),
        (_("Webhooks"), {"fields": ["webhook_address", ("webhook_secret", "clear_webhook_secret")]}),
        (_("Mapping"), {"fields": ["status_map_overrides"]}),
        (
            _("Health"),
            {
                "fields": [
                    "health_column",
                    ("last_sync_at", "last_success_at"),
                    ("last_error_at", "consecutive_failures"),
                    "last_error",
                    "full_log_link",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    @admin.display(description=_("webhook address"))
    def webhook_address(self, obj: Connection) -> str:
        """Where the desk's webhook should deliver to (Zendesk signs with the signing secret below)."""
        if obj.pk is None:
            return gettext("Shown once the connection is saved.")
        path = reverse(f"integrations:{obj.provider}-webhook")
        return f"{settings.SITE_URL}{path}?connection={obj.pk}"

    @admin.action(description=_("Sync now: pull what changed and push what is pending"))
    def sync_now(self, request: HttpRequest, queryset) -> None:
        active = list(queryset.filter(is_active=True).values_list("pk", flat=True))
        then = "the periodic sync runs instead"
        pulls = [publish(pull_connection_task, pk, what=f"the pull of connection {pk}", then=then) for pk in active]
        queued = all([*pulls, publish(push_pending_relay, what="the push relay", then=then)])
        if not queued:
            messages.warning(request, gettext("The task queue is unavailable: the periodic sync will run instead."))
            return
        messages.success(
            request,
            ngettext("A sync of %(n)d connection was queued.", "A sync of %(n)d connections was queued.", len(active))
            % {"n": len(active)},
        )

    @admin.display(description=_("health"))
    def health_column(self, obj: Connection) -> SafeString:
        return health_badge(obj)

    @admin.display(description=_("last error"))
    def last_error_column(self, obj: Connection) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.display(description=_("sync log"))
    def full_log_link(self, obj: Connection) -> SafeString:
        url = reverse("admin:integrations_synclogentry_changelist")
        return format_html('<a href="{}?connection__id__exact={}">{}</a>', url, obj.pk, gettext("Every entry"))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SecretsDeferredChangeList

    def render_change_form(self, request: HttpRequest, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET" and obj.uses_api_token_warning:
            messages.warning(request, API_TOKEN_WARNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Connection, form: ConnectionForm, change: bool) -> None:
        connection_save(connection=obj, fields=form.changed_model_fields() if change else None)
        if obj.uses_api_token_warning:
            messages.warning(request, API_TOKEN_WARNING)


# --- Records ----------------------------------------------------------------------------


class ReadOnlyRecords(AdminOnly):
    """Written by sync only; the admin looks."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SyncLogEntry)
class SyncLogEntryAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ["created_at", "connection", "direction", "action", "outcome", "ticket", "remote_id", "summary"]
    list_filter = ["connection", "direction", "outcome"]
    list_select_related = ["connection", "ticket"]
    search_fields = ["ticket__number", "remote_id", "action"]

    @admin.display(description=_("message"))
    def summary(self, obj: SyncLogEntry) -> str:
        return Truncator(obj.message).chars(100)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer(*(f"connection__{name}" for name in SECRET_FIELDS))


@admin.register(RemoteLink)
class RemoteLinkAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = [
        "ticket",
        "connection",
        "remote",
        "push_state",
        "last_pushed_at",
        "last_pulled_at",
        "remote_updated_at",
    ]
    list_filter = ["connection", "push_state"]
    list_select_related = ["ticket", "connection"]
    search_fields = ["ticket__number", "remote_id"]

    @admin.display(description=_("remote id"), ordering="remote_id")
    def remote(self, obj: RemoteLink) -> SafeString | str:
        return remote_link(obj)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer(*(f"connection__{name}" for name in SECRET_FIELDS))


def remote_links_panel(ticket: Ticket, user: User) -> tuple[str, dict] | None:
    """The ticket page's "External desks" panel: where the ticket lives remotely (one query).

    Registered in ``tickets.admin.console.TICKET_PAGE_PANELS``; nothing shows for a ticket
    that no connection syncs. The connections' secrets are never loaded.
    """
    links = (
        RemoteLink.objects.filter(ticket=ticket)
        .select_related("connection")
        .defer(*(f"connection__{name}" for name in SECRET_FIELDS))
        .order_by("connection__name")
    )
    rows = [
        {
            "connection": link.connection.name,
            "remote": remote_link(link),
            "state": link.get_push_state_display(),
            "pushed": link.last_pushed_at,
            "pulled": link.last_pulled_at,
        }
        for link in links
    ]
    return ("admin/integrations/remote_links_panel.html", {"links": rows}) if rows else None


TICKET_PAGE_PANELS.append(remote_links_panel)
