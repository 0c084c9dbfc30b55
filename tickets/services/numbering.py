"""Ticket numbers: ``TICK-YYYYMMDD-NNNN``, from a per-day counter row."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from tickets.models import TicketCounter


def ticket_number_next(now: datetime) -> str:
    """Hand out the next number of ``now``'s day (in the site's time zone).

    One atomic upsert: concurrent creators each get their own value, and the
    row lock is held to the end of the caller's transaction, so a rolled-back
    create leaves at most a gap, never a duplicate. More digits past 9999.
    """
    day = timezone.localdate(now)
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - the table name is ours
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (last,) = cursor.fetchone()
    return f"TICK-{day:%Y%m%d}-{last:04d}"
