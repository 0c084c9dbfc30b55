"""Scheduled reports: a staff member's subscription to the dashboard figures by email, and its outbox.

A subscription says how often (daily, or weekly on a weekday), at which hour of the server's
``TIME_ZONE``, and with which of the reports' filters (team, category, priority). Beat records
one ``ReportDelivery`` per subscription and period (a unique constraint: two workers racing
record one), and the delivery is sent from there as notifications are
(``tickets.services.outbox``): claimed, sent, marked, at most once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import EmailOutbox


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReportSubscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions")
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    # Monday is 0 (Python's weekday()); only weekly subscriptions use it.
    weekday = models.PositiveSmallIntegerField(_("weekday"), default=0)
    # The local hour (TIME_ZONE) from which the period's email is sent.
    hour = models.PositiveSmallIntegerField(_("hour"), default=7)
    # The reports' filters, as the API takes them: {"team": [ids], "category": [slugs], "priority": [values]}.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(frequency__in=Frequency.values), name="report_sub_frequency"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="report_sub_weekday"),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="report_sub_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.frequency} report for {self.user_id}"


class ReportDelivery(EmailOutbox):
    """One period's email of a subscription: the scheduled reports' outbox row."""

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="deliveries")
    # "daily:2026-03-01" or "weekly:2026-02-23": the frequency and the first day the figures cover.
    period_key = models.CharField(max_length=24)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "report deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email_status", "created_at"], name="report_delivery_outbox_idx")]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_key"], name="report_delivery_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period_key} of subscription {self.subscription_id}"
