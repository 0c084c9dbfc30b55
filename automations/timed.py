"""Time-based automations: run by beat over the tickets their conditions select, in bounded batches.

Each run takes every active automation in order and the tickets matching its conditions now
(``minutes_since_*`` conditions make them time-based: "pending for more than 7 days"), acting on
at most ``BATCH`` per automation per run, oldest first; the tickets it acted on are left out of
the next run, which so goes on where this one stopped. An
automation fires once per ticket and episode: the episode is the instant its first duration
condition counts from (the status change of "pending for 7 days", the creation of "unassigned
for 30 minutes"), or the ticket itself when it has none. A ticket that leaves and comes back to
pending is a new episode; the same pending stretch never fires twice (``Firing``'s key is unique
per rule and ticket), whichever worker or retry runs it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from automations.conditions import compile_conditions, duration_anchor
from automations.engine import fire, matching
from automations.models import Firing, Rule, RuleKind
from helpdesk.errors import HelpdeskError
from tickets.models import Ticket
from tickets.services.common import lock_ticket

logger = logging.getLogger(__name__)

BATCH = 200
# Pages of candidates one automation looks at per run, at most.
SCAN = 5


def _anchor(rule: Rule) -> str | None:
    return duration_anchor(rule.conditions) or duration_anchor(rule.any_conditions)


def episode_key(rule: Rule, ticket: Ticket) -> tuple[str, datetime | None]:
    """The firing key and instant of the ticket's current episode for ``rule``."""
    anchor = _anchor(rule)
    if anchor is None:
        return "once", None
    instant = getattr(ticket, anchor)
    return f"{anchor}:{instant.isoformat()}", instant


def due_tickets(rule: Rule, now: datetime, *, limit: int = BATCH, after: int = 0) -> list[Ticket]:
    """The tickets matching ``rule``'s conditions on tickets now that it has not fired on in their current
    episode, by id from ``after``: at most ``limit``, in one query (episodes already fired on are left
    out by the database; conditions about the moment are checked by the caller)."""
    compiled, any_where = compile_conditions(rule.conditions, rule.any_conditions, now)
    where = compiled.where & (any_where if compiled.any_given and not compiled.any_checks else Q())
    anchor = _anchor(rule)
    fired = Firing.objects.filter(rule=rule, ticket=OuterRef("pk"))
    fired = fired.filter(key="once") if anchor is None else fired.filter(episode=OuterRef(anchor))
    return list(Ticket.objects.filter(where, pk__gt=after).exclude(Exists(fired)).order_by("pk")[:limit])


def run_automation(rule: Rule, *, now: datetime | None = None, limit: int = BATCH) -> int:
    """One automation over its due tickets, each in a transaction of its own: how many it acted on.

    It acts on at most ``limit`` tickets and looks at no more than ``SCAN`` pages of them: tickets a
    condition about the moment turns away (not within business hours now) are passed over by id, so
    they never hide the matching ones behind them.
    """
    now = now or timezone.now()
    acted, after = 0, 0
    for _page in range(SCAN):
        candidates = due_tickets(rule, now, limit=limit, after=after)
        for candidate in candidates:
            if acted >= limit:
                return acted
            acted += _act(rule, candidate, now)
        if len(candidates) < limit or acted >= limit:
            break
        after = candidates[-1].pk
    return acted


def _act(rule: Rule, candidate: Ticket, now: datetime) -> int:
    key, episode = episode_key(rule, candidate)
    with transaction.atomic():
        try:
            ticket = lock_ticket(candidate.pk)
        except HelpdeskError:
            return 0
        # Checked again under the lock (a person may have moved it since), Python conditions included.
        if (key, episode) != episode_key(rule, ticket) or not matching([rule], ticket.pk, now, {}):
            return 0
        if Firing.objects.filter(rule=rule, ticket=ticket, key=key).exists():
            return 0
        fire(rule, ticket, key=key, episode=episode, depth=0, fired=(), now=now)
        return 1


def run_automations(*, now: datetime | None = None) -> dict[str, int]:
    """Every active automation once, in order: {rule name: tickets acted on}."""
    now = now or timezone.now()
    acted = {}
    for rule in Rule.objects.filter(kind=RuleKind.AUTOMATION, is_active=True).order_by("position", "pk"):
        try:
            acted[rule.name] = run_automation(rule, now=now)
        except Exception:  # one broken rule must not stop the others
            logger.exception("automations: automation %s could not run", rule.pk)
            acted[rule.name] = 0
    return acted
