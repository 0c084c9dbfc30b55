"""Configuration of the desk: categories, tags, SLA policies and business calendars (admins only)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import AdminOnly
from helpdesk.errors import ValidationFailed
from tickets.models import (
    BusinessCalendar,
    Category,
    Holiday,
    SLAPolicy,
    SLATarget,
    Tag,
    WorkingHours,
)
from tickets.services.calendars import calendar_import_ics


@admin.register(Category)
class CategoryAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(AdminOnly, admin.ModelAdmin):
    search_fields = ["name"]


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["name", "position", "is_active", "category", "organization", "team", "at_risk_percent"]
    list_select_related = ["category", "organization", "team"]
    list_editable = ["position", "is_active"]
    inlines = [SLATargetInline]


@admin.register(SLATarget)
class SLATargetAdmin(AdminOnly, admin.ModelAdmin):
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
class BusinessCalendarAdmin(AdminOnly, admin.ModelAdmin):
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
class WorkingHoursAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["calendar", "weekday", "starts_at", "ends_at"]
    list_select_related = ["calendar"]
    list_filter = ["calendar"]


@admin.register(Holiday)
class HolidayAdmin(AdminOnly, admin.ModelAdmin):
    list_display = ["date", "name", "calendar"]
    list_select_related = ["calendar"]
    list_filter = ["calendar"]
    date_hierarchy = "date"
