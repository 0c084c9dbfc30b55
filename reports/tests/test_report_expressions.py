"""The reports' shared SQL expressions give the figures Python's exact arithmetic gives, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import DateTimeField, Value

from reports.metrics.expressions import WholeMinutes
from reports.tests.helpers import make

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)  # a microsecond before Europe's DST change
MICRO = timedelta(microseconds=1)
YEAR = timedelta(days=365)


def _minutes_in_sql(pairs: list[tuple[datetime, datetime]]) -> list[int]:
    ticket = make(START)
    annotations = {
        f"m{index}": WholeMinutes(
            Value(later, output_field=DateTimeField()), Value(earlier, output_field=DateTimeField())
        )
        for index, (later, earlier) in enumerate(pairs)
    }
    row = type(ticket).objects.filter(pk=ticket.pk).annotate(**annotations).values(*annotations).get()
    return [row[f"m{index}"] for index in range(len(pairs))]


def test_whole_minutes_are_exact_at_every_minute_boundary_up_to_centuries():
    # Whole multiples of a minute, and a microsecond either side of them, from nothing to 200 years
    # (PostgreSQL computes them in double precision: the boundaries are where rounding could show).
    lengths = [timedelta(0), timedelta(seconds=59), timedelta(minutes=1), timedelta(minutes=119, seconds=59)]
    for whole in (timedelta(minutes=1), timedelta(hours=5), timedelta(days=3), 30 * YEAR, 200 * YEAR):
        lengths += [whole - MICRO, whole, whole + MICRO]
    lengths += [timedelta(days=12345, microseconds=987_654), 75 * YEAR + timedelta(seconds=59, microseconds=999_999)]
    pairs = [(START + length, START) for length in lengths]

    expected = [length // timedelta(minutes=1) for length in lengths]
    assert _minutes_in_sql(pairs) == expected
    assert expected[3:9] == [119, 0, 1, 1, 299, 300]  # the boundaries are really crossed
