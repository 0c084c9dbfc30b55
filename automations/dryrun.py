"""A rule's dry run: which tickets it would have acted on over the last N days, changing nothing.

A trigger: the tickets that had a change of one of its kinds in the window and meet its
conditions as they are now (a condition about the moment is checked at the ticket's latest such
change; "comment" against whether that change was a public reply or a note). An automation: the
tickets it would act on at its next run, the episodes it already acted on left out. Both are
bounded: the count is exact, the list holds the first ``LIMIT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from automations.conditions import compile_conditions
from automations.engine import KIND_FOR_EVENT
from automations.models import Rule, RuleKind
from automations.timed import due_tickets
from tickets.models import EventKind, Ticket, TicketEvent

LIMIT = 100
MAX_DAYS = 90


@dataclass(frozen=True)
class DryRun:
    count: int
    tickets: list[Ticket]
    since: datetime | None


def dry_run(rule: Rule, *, days: int = 7, now: datetime | None = None) -> DryRun:
    now = now or timezone.now()
    if rule.kind == RuleKind.AUTOMATION:
        due = due_tickets(rule, now, limit=LIMIT + 1)
        return DryRun(count=len(due), tickets=due[:LIMIT], since=None)
    since = now - timedelta(days=max(1, min(days, MAX_DAYS)))
    kinds = [kind for kind, name in KIND_FOR_EVENT.items() if name in rule.events]
    changes = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind__in=kinds, created_at__gte=since)
    compiled, any_where = compile_conditions(rule.conditions, rule.any_conditions, now)
    where = compiled.where & (any_where if compiled.any_given and not compiled.any_checks else Q())
    found = Ticket.objects.filter(Exists(changes)).filter(where).order_by("-updated_at", "-pk")
    if not (compiled.checks or compiled.any_checks):
        return DryRun(count=found.count(), tickets=list(found[:LIMIT]), since=since)
    # Conditions about the moment: checked at each ticket's latest change of the rule's kinds (bounded).
    kept = []
    for ticket in found[: LIMIT * 10]:
        last = (
            TicketEvent.objects.filter(ticket=ticket, kind__in=kinds, created_at__gte=since)
            .order_by("-created_at")
            .first()
        )
        comment = None
        if last is not None and last.kind == EventKind.COMMENT_ADDED:
            comment = "internal" if last.is_internal else "public"
        any_in_db = compiled.any_given and Ticket.objects.filter(pk=ticket.pk).filter(any_where).exists()
        if last is not None and compiled.passes_checks(last.created_at, {"comment": comment}, any_in_db):
            kept.append(ticket)
    return DryRun(count=len(kept), tickets=kept[:LIMIT], since=since)
