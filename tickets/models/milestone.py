"""Milestones: what the reports count, written once when it happens and never changed afterwards.

A ticket's row says what it is *now*: a reopened ticket has no resolution, a reassigned one
another agent. Counted from those columns, last month's figures would change whenever an old
ticket moves. A milestone is a fact about a moment instead: "ticket 42 was resolved on
3 March by Sam, in the Platform team, after 95 minutes, with one reply". The services write
one in the same transaction as the change (``tickets/services/milestones.py``); the reports
count them by their instant, so a past range's figures stay as they were.

Kinds, and who ``assignee`` is:

- ``first_response``: the first public staff reply; ``assignee`` is the agent who replied.
  ``seconds`` is the time it took in the policy's time (working hours on a calendar).
- ``resolved``: the ticket was resolved; ``closed``: closed without having been resolved (a
  resolved ticket that is then closed has no second milestone). Both stop the resolution
  clock: ``seconds`` is the time it counted (pauses excluded, in the policy's time), ``met``
  whether its target was met (``null`` without one), ``replies`` the public staff replies
  before, ``wait_seconds`` the wall time the requester waited on the desk (statuses where the
  SLA runs) and ``paused_seconds`` the wall time spent waiting on the requester or others
  (pending, on hold). ``assignee`` is the ticket's assignee at that moment.
- ``reopened``: a resolved or closed ticket was reopened; ``assignee`` holds it at that moment.
- ``assigned``: the ticket was given to ``assignee`` (not written on unassigning).

Every milestone also keeps the ticket's priority, team, category and SLA policy of that
moment, under the ticket's own column names, so a report's scope and filters (``team_id``,
``assignee_id``...) apply to milestones as they do to tickets, and a report counts the work
where it was done.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.choices import Priority

# What the report indexes carry after the instant: scope, filters and the groups reports count by.
_KEYS = ["priority", "team", "category", "assignee", "sla_policy"]


class MilestoneKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed unresolved")
    REOPENED = "reopened", _("Reopened")
    ASSIGNED = "assigned", _("Assigned")


# The kinds that stop the resolution clock.
STOPS = (MilestoneKind.RESOLVED, MilestoneKind.CLOSED)


class Milestone(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    at = models.DateTimeField(_("time"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.ForeignKey("tickets.Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    met = models.BooleanField(_("target met"), null=True, blank=True)
    replies = models.PositiveIntegerField(_("public replies"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("requester wait (seconds)"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused (seconds)"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # Every report reads one kind over a range of instants: an index-only scan.
            models.Index(
                fields=["kind", "at", *_KEYS],
                include=["seconds", "met", "replies", "wait_seconds", "paused_seconds"],
                name="milestone_report_idx",
            ),
            # The agents report walks the agents down this index and reads each one's range.
            models.Index(
                fields=["assignee", "kind", "at"],
                include=["seconds", "met", "replies", *_KEYS[:3]],
                condition=models.Q(assignee__isnull=False),
                name="milestone_agent_idx",
            ),
            models.Index(fields=["ticket", "at"], name="milestone_ticket_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=MilestoneKind.values), name="milestone_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"
