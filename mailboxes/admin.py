"""The email channel in the console (admins only): mailboxes and the messages they received.

The IMAP password is write-only: a password box that never shows the stored value; leaving
it blank keeps it, "clear" empties it. Received messages are read-only, filtered by outcome.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly
from mailboxes.imap import MailboxError, mailbox_poll, mailbox_test_connection
from mailboxes.models import InboundMessage, Mailbox


class MailboxForm(forms.ModelForm):
    clear_imap_password = forms.BooleanField(label=_("clear the password"), required=False)

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "is_active",
            "is_default",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_user",
            "imap_password",
            "imap_folder",
            "after_processing",
            "processed_folder",
            "team",
            "category",
            "priority",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.pop("imap_password", None)  # never rendered, not even as an initial value
        field = self.fields["imap_password"]
        field.required = False
        field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        stored = self.instance.pk is not None and self.instance.imap_password != ""
        field.help_text = gettext("Set. Leave blank to keep it.") if stored else gettext("Not set.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("clear_imap_password"):
            cleaned["imap_password"] = ""
        elif not cleaned.get("imap_password"):
            cleaned["imap_password"] = self.instance.imap_password if self.instance.pk is not None else ""
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(AdminOnly, admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "address", "is_active", "is_default", "team", "last_polled_at", "error_column"]
    list_filter = ["is_active"]
    list_select_related = ["team"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["team"]
    readonly_fields = ["last_polled_at", "last_error", "last_error_at"]
    actions = ["test_connection", "poll_now"]
    fieldsets = [
        (None, {"fields": ["name", "address", "is_active", "is_default"]}),
        (
            _("IMAP (leave the host blank for a mailbox fed by mail_gateway or mail_pipe)"),
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_user",
                    "imap_password",
                    "clear_imap_password",
                    "imap_folder",
                    "after_processing",
                    "processed_folder",
                ]
            },
        ),
        (_("New tickets"), {"fields": ["team", "category", "priority"]}),
        (_("Status"), {"fields": ["last_polled_at", "last_error", "last_error_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        # The list never shows the password, so it neither loads nor decrypts it.
        return super().get_queryset(request).defer("imap_password")

    @admin.display(description=_("last error"))
    def error_column(self, mailbox: Mailbox) -> str:
        return Truncator(mailbox.last_error).chars(80) or "—"

    @admin.action(description=_("Test the IMAP connection"))
    def test_connection(self, request: HttpRequest, queryset) -> None:
        for mailbox in Mailbox.objects.filter(pk__in=queryset.values("pk")):
            if not mailbox.imap_host:
                self.message_user(request, gettext("Mailbox %s has no IMAP host.") % mailbox.address, messages.WARNING)
                continue
            try:
                self.message_user(request, mailbox_test_connection(mailbox=mailbox), messages.SUCCESS)
            except MailboxError as exc:
                self.message_user(request, f"Mailbox {mailbox.address}: {exc}", messages.ERROR)

    @admin.action(description=_("Read new mail now"))
    def poll_now(self, request: HttpRequest, queryset) -> None:
        for mailbox in queryset:
            count = mailbox_poll(mailbox_id=mailbox.pk)
            mailbox.refresh_from_db(fields=["last_error"])
            if mailbox.last_error:
                self.message_user(request, f"Mailbox {mailbox.address}: {mailbox.last_error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Mailbox %(address)s: %(count)d message(s) read.")
                    % {"address": mailbox.address, "count": count},
                )


@admin.register(InboundMessage)
class InboundMessageAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["received_at", "mailbox", "sender", "subject", "outcome", "ticket", "reason_column"]
    list_filter = ["outcome", "mailbox"]
    list_select_related = ["mailbox", "ticket"]
    search_fields = ["sender", "subject", "message_id"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    fields = ["received_at", "mailbox", "message_id", "sender", "subject", "cc", "size", "outcome", "reason", "ticket"]
    readonly_fields = fields

    @admin.display(description=_("details"))
    def reason_column(self, record: InboundMessage) -> str:
        return Truncator(record.reason).chars(80)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("mailbox__imap_password")

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
