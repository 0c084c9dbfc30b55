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

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
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
    # Conditions about the moment: checked at each ticket's latest change of the rule's kinds, read with
    # it in the same query (bounded).
    latest = changes.order_by("-created_at", "-pk")
    annotated = found.annotate(
        _at=Subquery(latest.values("created_at")[:1]),
        _kind=Subquery(latest.values("kind")[:1]),
        _internal=Subquery(latest.values("is_internal")[:1]),
        _any=ExpressionWrapper(any_where, output_field=BooleanField()),
    )
    kept = []
    for ticket in annotated[: LIMIT * 10]:
        comment = ("internal" if ticket._internal else "public") if ticket._kind == EventKind.COMMENT_ADDED else None
        if compiled.passes_checks(ticket._at, {"comment": comment}, bool(ticket._any)):
            kept.append(ticket)
    return DryRun(count=len(kept), tickets=kept[:LIMIT], since=since)
