"""Counting the emails an SMTP sink received against the ones the database says are due."""

from __future__ import annotations

import time
from collections import Counter

from faults import procs
from faults.services import SmtpSink

# An email arriving later than this after the fault ended counts as late (the "~2 minutes").
LATE_AFTER = 120.0


def wait_for_mail(smtp: SmtpSink, expected: set[str], seconds: float) -> None:
    """Wait until every expected Message-ID arrived (at most ``seconds``), then a moment for duplicates."""
    procs.wait_until(lambda: expected <= {mid for mid, _ in smtp.snapshot()}, seconds, every=0.5)
    time.sleep(2)


def count_mail(smtp: SmtpSink, expected: set[str], since: float) -> dict[str, int]:
    """delivered (once or more), lost (never), duplicated (extra copies), late (first copy > LATE_AFTER after since)."""
    first: dict[str, float] = {}
    copies: Counter[str] = Counter()
    for message_id, arrived in smtp.snapshot():
        if message_id in expected:
            copies[message_id] += 1
            first.setdefault(message_id, arrived)
    return {
        "delivered": len(first),
        "lost": len(expected - set(first)),
        "duplicated": sum(count - 1 for count in copies.values()),
        "late": sum(1 for arrived in first.values() if arrived - since > LATE_AFTER),
    }
