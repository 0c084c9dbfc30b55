"""On PostgreSQL the volume report counts each bucket as an instant range cut in Python: the same counts
as truncating every ticket's instant to its local bucket, in the time zones where that is hardest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from reports.metrics.volume import _counts_per_period, _counts_truncated
from reports.params import ReportParams
from reports.tests.helpers import make
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the per-bucket ranges are PostgreSQL's path"),
]

# Midnight in a DST gap (Havana in March, Santiago in September), a fall back to the day before
# (Santiago in April), a half-hour change (Lord Howe), Europe's changes at 02:00 and 03:00.
ZONES = {
    "America/Havana": [datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 11, 1, 5, tzinfo=UTC)],
    "America/Santiago": [datetime(2026, 9, 6, 4, tzinfo=UTC), datetime(2026, 4, 5, 3, tzinfo=UTC)],
    "Australia/Lord_Howe": [datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)],
    "Europe/Paris": [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
}


@pytest.mark.parametrize("zone", list(ZONES))
def test_bucket_ranges_count_what_truncating_counts(zone, settings):
    settings.TIME_ZONE = zone
    priorities = ["low", "medium", "high", "urgent"]
    for change in ZONES[zone]:
        # Every 20 minutes from 3 hours before the change to 3 hours after it, the instant itself included.
        for step in range(-9, 10):
            created = change + step * timedelta(minutes=20)
            make(created, priority=priorities[step % 4], resolved_at=created + timedelta(hours=5))
    with timezone.override(zone):
        for bucket in ("day", "week", "month"):
            for split in (None, "priority"):
                for start, end in [
                    (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
                    # Cut inside buckets on both sides: only their part in the range counts.
                    (min(ZONES[zone]) - timedelta(minutes=50), max(ZONES[zone]) + timedelta(minutes=70)),
                ]:
                    params = ReportParams(start=start, end=end, options={"bucket": bucket, "split": split})
                    for field in ("created_at", "resolved_at"):
                        args = (Ticket.objects.all(), field, params, bucket, split)
                        truncated = _counts_truncated(*args)
                        assert _counts_per_period(*args) == truncated, (bucket, split, start, field)
                        assert sum(truncated.values()) > 0
