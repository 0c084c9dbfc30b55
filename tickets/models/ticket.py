"""The ticket, and the per-day counter its number comes from."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.choices import PRIORITY_RANK, Channel, Environment, ImpactLevel, Priority, Status
from tickets.models.clocks import Fields, first_response_clock_of, resolution_clock_of, sla_state_of
from tickets.models.conditions import (
    BREACHED,
    FIRST_RESPONSE_UNMET,
    RESOLUTION_UNMET,
    earlier_due,
)
from tickets.sla import Clock, SlaState
from tickets.workflow import ACTIVE_STATUSES

# What every report index carries after its instant: scope, filters and report groups.
_REPORT_KEYS = ["priority", "team", "category", "assignee", "sla_policy"]
_ACTIVE = models.Q(status__in=sorted(ACTIVE_STATUSES))
# What a violation's lateness and order are computed from (reports/metrics/sla_violations.py),
# besides the policy that _REPORT_KEYS holds.
_VIOLATION_COLUMNS = [
    "id",
    "sla_breached",
    "sla_breaches_at",
    "sla_first_response_minutes",
    "first_response_due_at",
    "first_response_breached",
    "first_response_stopped_at",
    "sla_resolution_minutes",
    "resolution_due_at",
    "resolution_breached",
    "stopped_at",
]


def _in(field: str, values: list[str], *, blank: bool = False) -> models.Q:
    condition = models.Q(**{f"{field}__in": values})
    return condition | models.Q(**{field: ""}) if blank else condition


class Ticket(models.Model):
    """A request, its workflow state and its SLA clocks.

    SLA figures for reports are plain columns, so SQL can aggregate them over any
    number of tickets (business time cannot be computed in SQL):

    - ``first_response_minutes`` and ``resolution_minutes``: the measured durations.
    - First response met: ``first_response_stopped_at <= first_response_due_at``
      and no breach recorded. The first-response clock never pauses and its due
      time counts from creation, so the comparison is exact; a late stop records
      its breach at once (``sla_clock_stopped``), so it needs no sweep.
    - Resolution met: ``resolution_met``. The due time stays meaningful after a
      pause (the instant the counted time reached the target, which never moves
      once passed; kept once the clock stops), but a ticket closed while pending
      or on hold has no due time at all (a paused clock has none), and a breach once recorded
      stays recorded even if a later priority change moves the due time.
      ``resolution_met`` is decided when the clock stops, by the same rule as
      ``sla_state``: not met if a breach is recorded, which
      ``sla_status_changed`` does at once when a clock stops or pauses past its
      due time, so it does not depend on the sweep having run. NULL: no target,
      or the clock has not stopped (still active, or reopened).
    """

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    # Kept by the database from ``priority``: 1 = urgent ... 4 = low, so ordering is by rank.
    priority_rank = models.GeneratedField(
        expression=models.Case(
            *(models.When(priority=p.value, then=models.Value(rank)) for p, rank in PRIORITY_RANK.items()),
            default=models.Value(9),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # No index of their own for the five foreign keys below: each leads a composite index of Meta's
    # (category, status), (requester, created), (organization, created), (team, status),
    # (assignee, status), which serves the same lookups; every ticket write kept five more up (issue 17).
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="tickets_requested",
        db_index=False,
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets_assigned",
        db_index=False,
    )
    tags = models.ManyToManyField("tickets.Tag", verbose_name=_("tags"), blank=True, related_name="tickets")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.API)

    # DevOps fields (seed 004), optional.
    environment = models.CharField(_("environment"), max_length=12, choices=Environment.choices, blank=True)
    affected_service = models.CharField(_("affected service"), max_length=200, blank=True)
    impact_level = models.CharField(_("impact level"), max_length=10, choices=ImpactLevel.choices, blank=True)
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    # Set when this ticket was merged into another: its conversation lives there now.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_tickets",
    )
    # Set on the ticket a requester's reply opened because this one was closed past the reopen window.
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="follow_ups",
    )

    # SLA: due times live on the ticket so queues and sweeps can use an index.
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy", verbose_name=_("SLA policy"), on_delete=models.SET_NULL, null=True, blank=True
    )
    # The targets applied (minutes of the policy's time), kept so at-risk needs no policy lookup.
    sla_first_response_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    sla_resolution_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    # When the first-response clock stopped: the first public staff reply, or the ticket first
    # resolved or closed before any (as Zendesk, solving fulfils the first-reply target); kept
    # when the ticket is reopened. ``first_responded_at`` stays the reply itself.
    first_response_stopped_at = models.DateTimeField(
        _("first response clock stopped"), null=True, blank=True, editable=False
    )
    first_response_breached = models.BooleanField(_("first response breached"), default=False)
    resolution_breached = models.BooleanField(_("resolution breached"), default=False)
    # When each clock reaches the policy's at-risk share, and whether that was recorded (once).
    first_response_at_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_at_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_at_risk = models.BooleanField(_("first response at risk"), default=False)
    resolution_at_risk = models.BooleanField(_("resolution at risk"), default=False)
    # What the clocks measured, in whole minutes of the policy's time (working time on a calendar,
    # wall time on 24x7 or without a policy), stored at write time so reports can aggregate in SQL.
    # Creation to the first public staff reply; set with ``first_responded_at``.
    first_response_minutes = models.PositiveIntegerField(
        _("first response time (minutes)"), null=True, blank=True, editable=False
    )
    # The resolution clock's counted time (pauses excluded) when it stopped: set on resolving, or on
    # closing a ticket that was not resolved; NULL while active, once reopened, and once merged away.
    resolution_minutes = models.PositiveIntegerField(
        _("resolution time (minutes)"), null=True, blank=True, editable=False
    )
    # Whether the resolution target was met when the clock stopped; NULL without a target.
    resolution_met = models.BooleanField(_("resolution target met"), null=True, blank=True, editable=False)

    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the resolution clock stopped: resolved, or closed without a resolution. Kept by the
    # database so reports find the clocks that stopped in a range with an index-only scan.
    stopped_at = models.GeneratedField(
        expression=Coalesce("resolved_at", "closed_at"),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # The queue's order, kept by the database so "most urgent first" is an index scan:
    # active tickets first, then by the earliest due time still ahead of them.
    queue_group = models.GeneratedField(
        expression=models.Case(models.When(_ACTIVE, then=models.Value(0)), default=models.Value(1)),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # The SLA state "breached" at any instant ``now`` is ``sla_breached or sla_breaches_at < now``
    # (tickets.selectors.sla_breached_condition): both kept by the database, so counting the
    # breached tickets reads one index.
    sla_breached = models.GeneratedField(
        expression=models.Case(models.When(BREACHED, then=models.Value(True)), default=models.Value(False)),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    sla_breaches_at = models.GeneratedField(
        expression=earlier_due(FIRST_RESPONSE_UNMET, RESOLUTION_UNMET),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    # The same instant as ``sla_breaches_at`` (the next due time of a clock still running),
    # kept as its own column because the queue's index orders by it.
    queue_due = models.GeneratedField(
        expression=earlier_due(FIRST_RESPONSE_UNMET, RESOLUTION_UNMET),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    # Optimistic locking: every write bumps it; a write naming an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "priority_rank"], name="ticket_status_rank_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["team", "status"], name="ticket_team_status_idx"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_created_idx"),
            models.Index(fields=["organization", "-created_at"], name="ticket_org_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(fields=["-updated_at"], name="ticket_updated_idx"),
            models.Index(fields=["resolution_due_at"], name="ticket_res_due_idx"),
            models.Index(fields=["first_response_at_risk_at"], name="ticket_fr_risk_idx"),
            models.Index(fields=["resolution_at_risk_at"], name="ticket_res_risk_idx"),
            models.Index(fields=["category", "status"], name="ticket_category_status_idx"),
            models.Index(
                fields=["queue_group", "queue_due", "priority_rank", "-updated_at", "-id"], name="ticket_queue_idx"
            ),
            # Reports: one index per instant a report counts from, holding what reports group and
            # filter on (the scope's assignee and team, the filters' category and priority), so a
            # range is counted by an index-only scan, never by reading the wide ticket rows.
            # The first-response one also serves the SLA sweep.
            models.Index(fields=["created_at", *_REPORT_KEYS, "status"], name="ticket_report_created_idx"),
            models.Index(fields=["resolved_at", *_REPORT_KEYS], name="ticket_report_resolved_idx"),
            models.Index(
                fields=["first_responded_at", *_REPORT_KEYS, "first_response_minutes"], name="ticket_report_fr_idx"
            ),
            models.Index(
                fields=["first_response_due_at", *_REPORT_KEYS, "first_response_stopped_at", "first_response_breached"],
                name="ticket_fr_due_idx",
            ),
            # With resolved_at, so the tickets resolved in a range are counted in the same scan
            # (resolved in the range = stopped in it with a resolved_at).
            models.Index(
                fields=["stopped_at", *_REPORT_KEYS, "resolution_minutes", "resolution_met"],
                include=["resolved_at"],
                name="ticket_report_stop_idx",
            ),
            # Active tickets: what the reports count of the work open now (aging, unassigned, overdue).
            models.Index(
                fields=["created_at", *_REPORT_KEYS, "sla_breached", "sla_breaches_at"],
                condition=_ACTIVE,
                name="ticket_report_active_idx",
            ),
            # The SLA sweep's work (tickets/services/sweep.py): running clocks not yet recorded, by the instant
            # they breach or come at risk. Few rows (a recorded clock leaves them), where the plain due-time
            # indexes hold every ticket ever made: claiming the next thousand breaches walked a million rows.
            models.Index(
                fields=["first_response_due_at"],
                condition=FIRST_RESPONSE_UNMET & models.Q(first_response_breached=False),
                name="ticket_fr_unrecorded_idx",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=RESOLUTION_UNMET & models.Q(resolution_breached=False),
                name="ticket_res_unrecorded_idx",
            ),
            models.Index(
                fields=["first_response_at_risk_at"],
                condition=FIRST_RESPONSE_UNMET & models.Q(first_response_at_risk=False, first_response_breached=False),
                name="ticket_fr_risk_unrecorded_idx",
            ),
            models.Index(
                fields=["resolution_at_risk_at"],
                condition=RESOLUTION_UNMET & models.Q(resolution_at_risk=False, resolution_breached=False),
                name="ticket_res_risk_unrecorded_idx",
            ),
            # Per agent, the clocks that stopped, each agent's in time order: the agents report
            # reads one agent's range at a time for its medians (reports/metrics/durations.py).
            models.Index(
                fields=["assignee", "first_responded_at"],
                include=["first_response_minutes", *_REPORT_KEYS[:3]],
                condition=models.Q(assignee__isnull=False, first_responded_at__isnull=False),
                name="ticket_agent_fr_idx",
            ),
            models.Index(
                fields=["assignee", "stopped_at"],
                include=["resolution_minutes", "resolution_met", "resolved_at", *_REPORT_KEYS[:3]],
                condition=models.Q(assignee__isnull=False, stopped_at__isnull=False),
                name="ticket_agent_stop_idx",
            ),
            # Tickets that are or may become breached (sla_breached_condition, whatever now), by
            # creation, with what the violations report computes lateness from: its totals and
            # its most late rows are read from this index alone, never from the wide rows.
            models.Index(
                fields=["created_at"],
                include=[*_VIOLATION_COLUMNS, *_REPORT_KEYS],
                condition=models.Q(sla_breached=True) | models.Q(sla_breaches_at__isnull=False),
                name="ticket_report_violations_idx",
            ),
            # Active tickets whose resolution breach was recorded: few, judged by their due time.
            # Active tickets whose resolution is overdue, or may become so: a recorded breach, or a clock
            # not stopped (reports/metrics/sla.py judges those past due, recorded by the sweep or not).
            models.Index(
                fields=["resolution_due_at", *_REPORT_KEYS],
                include=["resolution_breached"],
                condition=_ACTIVE & (models.Q(resolution_breached=True) | RESOLUTION_UNMET),
                name="ticket_report_res_overdue_idx",
            ),
            # Unanswered first responses, by due time: the overdue ones are judged (not met) by the reports.
            models.Index(
                fields=["first_response_due_at", *_REPORT_KEYS],
                condition=FIRST_RESPONSE_UNMET,
                name="ticket_report_fr_overdue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=_in("status", Status.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=_in("priority", Priority.values), name="ticket_priority_valid"),
            models.CheckConstraint(condition=_in("channel", Channel.values), name="ticket_channel_valid"),
            models.CheckConstraint(
                condition=_in("environment", Environment.values, blank=True), name="ticket_environment_valid"
            ),
            models.CheckConstraint(
                condition=_in("impact_level", ImpactLevel.values, blank=True), name="ticket_impact_level_valid"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="ticket_version_positive"),
            models.CheckConstraint(
                condition=~models.Q(status=Status.RESOLVED) | models.Q(resolved_at__isnull=False),
                name="ticket_resolved_has_resolved_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.CLOSED) | models.Q(closed_at__isnull=False),
                name="ticket_closed_has_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def first_response_clock(self) -> Clock | None:
        """The first-response clock as ``tickets.sla`` judges it; None without one (or with SLA_ENABLED off)."""
        return first_response_clock_of(Fields(self))

    def resolution_clock(self) -> Clock | None:
        """The resolution clock as ``tickets.sla`` judges it; it stops on resolving or on closing."""
        return resolution_clock_of(Fields(self))

    def sla_state(self, now: datetime) -> SlaState:
        """The SLA word for queues and the API: ok, at_risk, breached, paused or met."""
        return sla_state_of(Fields(self), now)


class TicketCounter(models.Model):
    """The last number handed out for one day; incremented atomically by an upsert."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"
