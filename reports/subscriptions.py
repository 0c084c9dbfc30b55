"""Scheduled reports: managing one's subscriptions, recording each period's email, and sending it.

Beat runs ``scheduled_reports_run`` every few minutes. For every active subscription of an
active staff member whose latest period (``reports/schedule.py``) is due and began after the
subscription was made, it inserts that period's ``ReportDelivery``; the unique constraint on
(subscription, period) makes a second run, or a second worker racing this one, insert
nothing. Waiting deliveries are then handed to Celery; each is sent by
``tickets.services.outbox`` (claimed, sent, marked: at most once), as notifications are,
``NOTIFICATIONS_ENABLED=false`` included. The email carries the dashboard report's figures for
the period over the subscriber's own report scope (``reports/scope.py``) and the same figures
as the CSV the API gives, computed when it is sent: nothing big is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.roles import STAFF_ROLES
from helpdesk.queue import publish
from reports.models import ReportDelivery, ReportSubscription
from reports.params import local_iso, parse_params
from reports.registry import REPORTS, csv_filename, csv_rows, run_report
from reports.schedule import Period, latest_period
from reports.scope import scope_for
from tickets.api.export import csv_lines
from tickets.models import EmailStatus
from tickets.services.outbox import hold_pending, outbox_reclaim, outbox_send, site_domain

# How many subscriptions one person may keep.
MAX_PER_USER = 20
DELIVER_TASK = "reports.tasks.deliver_report_email"


def subscription_save(*, subscription: ReportSubscription, changes: dict[str, Any]) -> ReportSubscription:
    """Create (unsaved ``subscription``) or change a subscription; ``changes`` are checked fields."""
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.save()
    return subscription


def subscription_delete(*, subscription: ReportSubscription) -> None:
    """Delete a subscription and its delivery history (an email on its way is not sent)."""
    subscription.delete()


def period_of(subscription: ReportSubscription, now: datetime) -> Period:
    return latest_period(
        frequency=subscription.frequency, weekday=subscription.weekday, hour=subscription.hour, now=now
    )


def scheduled_reports_record(*, now: datetime | None = None) -> int:
    """Insert the due period's delivery of every subscription that has none yet; return how many were due.

    Safe to run twice at once: ``bulk_create(ignore_conflicts=True)`` against the unique
    (subscription, period_key) lets exactly one insert through.
    """
    now = now or timezone.now()
    subscriptions = ReportSubscription.objects.filter(
        active=True, user__is_active=True, user__role__in=sorted(STAFF_ROLES)
    ).select_related("user")
    rows = []
    for subscription in subscriptions:
        period = period_of(subscription, now)
        # The first email is the first period due after subscribing, not one from before.
        if period.due < subscription.created_at:
            continue
        rows.append(
            ReportDelivery(
                subscription=subscription,
                period_key=period.key,
                period_start=period.start,
                period_end=period.end,
                created_at=now,
                email_status=EmailStatus.PENDING if subscription.user.email else EmailStatus.SKIPPED,
            )
        )
    ReportDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def scheduled_reports_run(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Beat's task: record what is due, free dead claims, and hand waiting emails to Celery; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        scheduled_reports_record(now=now)
    deliveries = ReportDelivery.objects.all()
    if not settings.NOTIFICATIONS_ENABLED:
        hold_pending(deliveries)
        return 0
    outbox_reclaim(deliveries, now=now)
    waiting = deliveries.filter(email_status=EmailStatus.PENDING).order_by("created_at", "id")
    return _enqueue(waiting.values_list("pk", flat=True)[:batch_size])


def _enqueue(ids: Iterable[int]) -> int:
    sent = 0
    for pk in ids:
        if not publish(DELIVER_TASK, pk, what=f"scheduled report {pk}", then="the next run will send it"):
            return sent
        sent += 1
    return sent


def report_delivery_send(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Send one period's report email unless another run holds it; True when this run sent it."""
    outbox = ReportDelivery.objects.select_related("subscription__user")
    return outbox_send(outbox=outbox, pk=delivery_id, build=build_report_email, now=now)


def report_figures(subscription: ReportSubscription, start: datetime, end: datetime) -> tuple[dict, str, str]:
    """The dashboard report of ``[start, end)`` over the subscriber's scope: (answer, CSV text, CSV file name)."""
    report = REPORTS["dashboard"]
    query = {**subscription.filters, "from": local_iso(start), "to": local_iso(end)}
    params = parse_params(report.params, query)
    scope = scope_for(subscription.user)  # NoReportScope if they may no longer see reports: the send fails
    answer = run_report(report, params, scope)
    text = "".join(csv_lines(report.columns(params), csv_rows(report, params, scope)))
    return answer, text, csv_filename(report, params)


def build_report_email(delivery: ReportDelivery) -> EmailMultiAlternatives:
    """The period's email: the figures in the text and HTML bodies, and as a CSV attachment."""
    subscription, user = delivery.subscription, delivery.subscription.user
    answer, text, filename = report_figures(subscription, delivery.period_start, delivery.period_end)
    first_day = timezone.localtime(delivery.period_start).date()
    last_day = timezone.localtime(delivery.period_end - timedelta(microseconds=1)).date()
    query = {"from": first_day.isoformat(), "to": last_day.isoformat(), **subscription.filters}
    context = {
        "user": user,
        "subscription": subscription,
        "first_day": first_day,
        "last_day": last_day,
        "figures": answer,
        "rows": answer["results"],
        "time_zone": settings.TIME_ZONE,
        "reports_url": f"{settings.SITE_URL}/admin/reports/?{urlencode(query, doseq=True)}",
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string("emails/scheduled_report-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("emails/scheduled_report-body.txt", context), to=[user.email]
    )
    message.attach_alternative(render_to_string("emails/scheduled_report-body.html", context), "text/html")
    message.attach(filename, text, "text/csv")
    message.extra_headers["Message-ID"] = f"<report-{delivery.pk}@{site_domain()}>"
    return message


def subscriptions_of(user: User):
    """A user's own subscriptions (nobody sees another's)."""
    return ReportSubscription.objects.filter(user=user)
