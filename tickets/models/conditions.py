"""The SLA rule in SQL: conditions on a ticket's columns, for generated columns, indexes and queries.

The same rule as ``Clock`` and ``sla_state()`` in tickets/sla.py say it in Python
(reports/tests/test_sla_conditions.py holds them together): the ticket's generated columns, the sweep,
the queue and the reports all build on these conditions.
"""

from __future__ import annotations

from django.db import models

# A clock exists only with a policy and a positive target (and, for first response, a due time).
HAS_POLICY = models.Q(sla_policy__isnull=False)
FIRST_RESPONSE_CLOCK = HAS_POLICY & models.Q(
    sla_first_response_minutes__isnull=False, sla_first_response_minutes__gt=0, first_response_due_at__isnull=False
)
RESOLUTION_CLOCK = HAS_POLICY & models.Q(sla_resolution_minutes__isnull=False, sla_resolution_minutes__gt=0)
# Where each clock stopped: first response at ``first_response_stopped_at`` (the first public
# staff reply, or resolving or closing before one); resolution at ``resolved_at``, or at
# ``closed_at`` for a ticket closed without being resolved (the ``stopped_at`` column, which
# another generated column may not read).
RESOLUTION_STOPPED_LATE = models.Q(
    resolved_at__isnull=False, resolution_due_at__isnull=False, resolved_at__gt=models.F("resolution_due_at")
) | models.Q(
    resolved_at__isnull=True,
    closed_at__isnull=False,
    resolution_due_at__isnull=False,
    closed_at__gt=models.F("resolution_due_at"),
)
# Breached whatever the time: recorded, or stopped after the due time.
BREACHED = (
    FIRST_RESPONSE_CLOCK
    & (
        models.Q(first_response_breached=True)
        | models.Q(
            first_response_stopped_at__isnull=False, first_response_stopped_at__gt=models.F("first_response_due_at")
        )
    )
) | (RESOLUTION_CLOCK & (models.Q(resolution_breached=True) | RESOLUTION_STOPPED_LATE))
# Clocks not stopped and with a due time: they breach once it passes, and are at risk from
# their at-risk instant (a paused resolution clock has neither).
FIRST_RESPONSE_UNMET = FIRST_RESPONSE_CLOCK & models.Q(first_response_stopped_at__isnull=True)
RESOLUTION_UNMET = RESOLUTION_CLOCK & models.Q(
    resolution_due_at__isnull=False, resolved_at__isnull=True, closed_at__isnull=True
)


def earlier_due(first_response: models.Q, resolution: models.Q) -> models.Case:
    """The earlier of the two due times among the clocks the conditions select; NULL for neither."""
    return models.Case(
        models.When(
            first_response & resolution & models.Q(resolution_due_at__lt=models.F("first_response_due_at")),
            then=models.F("resolution_due_at"),
        ),
        models.When(first_response, then=models.F("first_response_due_at")),
        models.When(resolution, then=models.F("resolution_due_at")),
    )
