"""The raw records behind the ticket page, for admins to browse: comments, files, history, counters.

Read-only: comments and files change through the ticket page (and so through the
services), and the audit history is never edited by hand.
"""

from django.contrib import admin

from accounts.admin_access import AdminOnly, is_admin
from tickets.models import Attachment, Comment, GuestLink, TicketCounter, TicketEvent
from tickets.services import attachment_delete, comment_delete


class ReadOnlyRecords(AdminOnly):
    show_full_result_count = False

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ["ticket", "author", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    list_select_related = ["ticket", "author"]
    search_fields = ["ticket__number"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_admin(request)

    def delete_model(self, request, obj) -> None:
        comment_delete(actor=request.user, comment=obj)

    def delete_queryset(self, request, queryset) -> None:
        for comment in queryset.select_related("ticket"):
            comment_delete(actor=request.user, comment=comment)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ["filename", "ticket", "content_type", "size", "scan_status", "uploaded_by", "created_at"]
    list_filter = ["scan_status"]
    list_select_related = ["ticket", "uploaded_by"]
    search_fields = ["ticket__number", "filename"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_admin(request)

    def delete_model(self, request, obj) -> None:
        attachment_delete(actor=request.user, attachment=obj)

    def delete_queryset(self, request, queryset) -> None:
        for attachment in queryset.select_related("ticket", "comment"):
            attachment_delete(actor=request.user, attachment=attachment)


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ["ticket", "kind", "field", "old_value", "new_value", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["ticket__number"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketCounter)
class TicketCounterAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ["day", "last"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GuestLink)
class GuestLinkAdmin(ReadOnlyRecords, admin.ModelAdmin):
    """Which guest links exist and whether they work; the secret itself is never shown."""

    list_display = ["ticket", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_select_related = ["ticket", "user"]
    search_fields = ["ticket__number", "user__email"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
