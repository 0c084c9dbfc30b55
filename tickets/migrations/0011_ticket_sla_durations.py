"""The measured SLA durations on the ticket, filled for existing tickets from their history.

The fill does what ``tickets/services/sla.py`` does at write time (``sla_first_responded``,
``sla_status_changed`` when the clock stops), from the stored fields and the status events,
in batches. It uses the pure arithmetic of ``tickets/sla.py``, which touches no model.
"""

from collections import defaultdict
from datetime import timedelta

from django.db import migrations, models

from tickets import sla

# Frozen copies of tickets/workflow.py's sets, as this migration knows them.
RUNNING = {"new", "open", "in_progress", "escalated", "reopened"}
STOPPED = {"resolved", "closed"}
BATCH = 1000
FIELDS = ["first_response_minutes", "resolution_minutes", "resolution_met"]


def _calendars(apps, db):
    """policy id -> its pure calendar (None: 24x7), for every policy, active or not."""
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    policies = (
        SLAPolicy.objects.using(db).select_related("calendar").prefetch_related("calendar__hours", "calendar__holidays")
    )
    calendars = {}
    for policy in policies:
        calendar = policy.calendar
        if calendar is None:
            calendars[policy.pk] = None
            continue
        weekly = defaultdict(list)
        for hours in calendar.hours.all():
            weekly[hours.weekday].append((hours.starts_at, hours.ends_at))
        calendars[policy.pk] = sla.Calendar(
            time_zone=calendar.time_zone,
            weekly={day: tuple(sorted(pairs)) for day, pairs in weekly.items()},
            holidays=frozenset(holiday.date for holiday in calendar.holidays.all()),
        )
    return calendars


def _minutes(duration):
    return duration // timedelta(minutes=1)


def _fill_batch(apps, db, batch, calendars):
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    stopped = [ticket.pk for ticket in batch if ticket.status in STOPPED and ticket.merged_into_id is None]
    changes = defaultdict(list)
    events = (
        TicketEvent.objects.using(db)
        .filter(ticket_id__in=stopped, field="status")
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "created_at", "new_value")
    )
    for ticket_id, at, status in events:
        changes[ticket_id].append((at, status))
    for ticket in batch:
        calendar = calendars.get(ticket.sla_policy_id)
        if ticket.first_responded_at is not None:
            elapsed = sla.working_time_between(ticket.created_at, ticket.first_responded_at, calendar)
            ticket.first_response_minutes = _minutes(elapsed)
        # A ticket merged into another is not measured: its status events moved to the target.
        if ticket.status in STOPPED and ticket.merged_into_id is None:
            # As status_timeline(): created as new, then each status event; the ticket's own
            # status governs from the last change on. A row with no status event at all (not
            # possible through the services) is taken as running from creation to the stop.
            history = [(ticket.created_at, "new"), *changes[ticket.pk]]
            if len(history) > 1:
                history[-1] = (history[-1][0], ticket.status)
            timeline = [(at, status in RUNNING) for at, status in history]
            # Resolved, or closed without being resolved: the clock stopped then.
            stopped_at = ticket.resolved_at or ticket.closed_at or history[-1][0]
            ticket.resolution_minutes = _minutes(sla.running_time(timeline, stopped_at, calendar))
            if ticket.sla_policy_id is not None and ticket.sla_resolution_minutes is not None:
                due = ticket.resolution_due_at
                # sla_status_changed records a breach when a running clock stops past its due time.
                late = due is not None and stopped_at > due
                ticket.resolution_met = not (ticket.resolution_breached or late)
    Ticket = apps.get_model("tickets", "Ticket")
    Ticket.objects.using(db).bulk_update(batch, FIELDS, batch_size=500)


def fill_sla_durations(apps, schema_editor):
    """Measure every answered or stopped ticket, a batch at a time."""
    db = schema_editor.connection.alias
    Ticket = apps.get_model("tickets", "Ticket")
    calendars = _calendars(apps, db)
    tickets = (
        Ticket.objects.using(db)
        .filter(models.Q(first_responded_at__isnull=False) | models.Q(status__in=sorted(STOPPED)))
        .only(
            "id",
            "status",
            "created_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "sla_policy",
            "sla_resolution_minutes",
            "resolution_due_at",
            "resolution_breached",
            "merged_into",
        )
        .order_by("pk")
    )
    batch = []
    for ticket in tickets.iterator(chunk_size=BATCH):
        batch.append(ticket)
        if len(batch) == BATCH:
            _fill_batch(apps, db, batch, calendars)
            batch = []
    if batch:
        _fill_batch(apps, db, batch, calendars)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_guest_links_and_ratings"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="first_response_minutes",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="first response time (minutes)"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="resolution_met",
            field=models.BooleanField(blank=True, editable=False, null=True, verbose_name="resolution target met"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="resolution_minutes",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="resolution time (minutes)"
            ),
        ),
        migrations.RunPython(fill_sla_durations, migrations.RunPython.noop, elidable=True),
    ]
