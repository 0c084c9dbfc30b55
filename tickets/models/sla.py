"""SLA policies: per-priority targets, matched to tickets by category, organization and team."""

from __future__ import annotations

from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets import sla
from tickets.choices import Priority


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a time zone (use a name like Europe/Berlin)."), params={"value": value}
        ) from None


class BusinessCalendar(models.Model):
    """Working time for SLA clocks: a time zone, weekly hours and holidays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"

    @cached_property
    def rules(self) -> sla.Calendar:
        """The pure calendar the SLA arithmetic works on (hours and holidays read once)."""
        weekly: dict[int, list[tuple]] = {}
        for hours in self.hours.all():
            weekly.setdefault(hours.weekday, []).append((hours.starts_at, hours.ends_at))
        return sla.Calendar(
            time_zone=self.time_zone,
            weekly={day: tuple(sorted(pairs)) for day, pairs in weekly.items()},
            holidays=frozenset(holiday.date for holiday in self.holidays.all()),
        )


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("opens"))
    ends_at = models.TimeField(_("closes"), help_text=_("Local time, same day; the end itself is not working time."))

    class Meta:
        ordering = ["calendar", "weekday", "starts_at"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="hours_start_before_end"
            ),
            models.CheckConstraint(condition=models.Q(weekday__gte=0, weekday__lte=6), name="hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class SLAPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Policies are tried in this order; the first whose conditions all match wins.
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, null=True, blank=True
    )
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True)
    # None: the clock runs on 24x7 wall time.
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Leave empty for 24x7."),
    )
    # What a resolution breach does, besides being recorded and told to the assignee.
    breach_notify_lead = models.BooleanField(_("on breach: notify the team lead"), default=True)
    breach_raise_priority = models.BooleanField(_("on breach: raise the priority one step"), default=False)
    breach_escalate = models.BooleanField(_("on breach: escalate the ticket"), default=False)
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk from (% of target used)"), default=80, help_text=_("A running clock is at risk from this share.")
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(at_risk_percent__gte=1, at_risk_percent__lte=100), name="sla_at_risk_percent_range"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rules(self) -> sla.Calendar | None:
        return self.calendar.rules if self.calendar_id else None


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"))

    class Meta:
        ordering = ["policy", "priority"]
        verbose_name = _("SLA target")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_one_per_priority"),
            models.CheckConstraint(condition=models.Q(priority__in=Priority.values), name="sla_target_priority_valid"),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0, resolution_minutes__gt=0),
                name="sla_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} / {self.priority}"
