"""Plain admin registrations; the agent console builds on these."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from helpdesk.errors import ValidationFailed
from tickets.models import (
    Attachment,
    BusinessCalendar,
    Category,
    Comment,
    Holiday,
    SLAPolicy,
    SLATarget,
    Tag,
    Ticket,
    TicketCounter,
    TicketEvent,
    WorkingHours,
)
from tickets.services.calendars import calendar_import_ics


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active", "category", "organization", "team", "at_risk_percent"]
    list_select_related = ["category", "organization", "team"]
    list_editable = ["position", "is_active"]
    inlines = [SLATargetInline]


class CommentInline(admin.StackedInline):
    model = Comment
    extra = 0
    raw_id_fields = ["author"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["filename", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields
    can_delete = False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "kind", "field", "old_value", "new_value", "actor", "is_internal"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "status", "priority", "requester", "assignee", "team", "updated_at"]
    list_filter = ["status", "priority", "category", "team", "channel"]
    list_select_related = ["requester", "assignee", "team", "category"]
    search_fields = ["number", "subject", "requester__email"]
    raw_id_fields = ["requester", "assignee"]
    autocomplete_fields = ["tags", "organization", "team"]
    readonly_fields = ["number", "version", "created_at", "updated_at", "status_changed_at"]
    inlines = [CommentInline, AttachmentInline, TicketEventInline]
    show_full_result_count = False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "author", "is_internal", "created_at"]
    list_select_related = ["ticket", "author"]
    raw_id_fields = ["ticket", "author"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "ticket", "content_type", "size", "uploaded_by", "created_at"]
    list_select_related = ["ticket", "uploaded_by"]
    raw_id_fields = ["ticket", "comment", "uploaded_by"]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "field", "old_value", "new_value", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    raw_id_fields = ["ticket", "actor"]


@admin.register(TicketCounter)
class TicketCounterAdmin(admin.ModelAdmin):
    list_display = ["day", "last"]
    readonly_fields = ["day", "last"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SLATarget)
class SLATargetAdmin(admin.ModelAdmin):
    list_display = ["policy", "priority", "first_response_minutes", "resolution_minutes"]
    list_select_related = ["policy"]
    list_filter = ["policy", "priority"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class BusinessCalendarForm(forms.ModelForm):
    holidays_file = forms.FileField(
        label=_("Import holidays"), required=False, help_text=_("An iCalendar (.ics) file; every event day is added.")
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "time_zone"]
    search_fields = ["name"]
    inlines = [WorkingHoursInline, HolidayInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if upload := form.cleaned_data.get("holidays_file"):
            try:
                added = calendar_import_ics(calendar=form.instance, data=upload.read())
            except ValidationFailed as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("%(count)d holidays imported.") % {"count": added}, messages.SUCCESS)


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["calendar", "weekday", "starts_at", "ends_at"]
    list_select_related = ["calendar"]
    list_filter = ["calendar"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "calendar"]
    list_select_related = ["calendar"]
    list_filter = ["calendar"]
    date_hierarchy = "date"
