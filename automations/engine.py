"""Triggers: each ticket change is seen by the active triggers once, right after it commits.

How a change reaches them: ``tickets.services.common.events_recorded`` fires for every event a
writer records, inside its transaction. The first event of a ticket in a transaction writes a
``PendingChange`` row there (later ones add to it), so a change that rolls back leaves nothing
and one that commits cannot be lost; once the transaction commits, the rows are run in the same
thread (``run_change``), before the request that made the change answers. A process that dies in
between leaves its rows to the relay (``relay_pending``, every minute, for rows a minute old).

Running a change: the row is marked done in the transaction that carries out the rules, so a
change is run once whoever runs it. The triggers listening to one of its kinds are checked in
order, each against the ticket as the previous ones left it; each that matches acts through the
services as the automation actor, all of its actions or none, and leaves a ``Firing`` (unique per
rule and change) and a "Rule applied" entry in the ticket's history.

Loops cannot happen: a rule's own changes are changes too (a rule can answer another's), but
they carry the chain they come from: every rule that fired in it is left out of it, and a chain
stops at ``MAX_DEPTH`` changes. So each rule fires at most once per change a person (or the
system) made, whatever the rules say. An import of a desk's history runs none.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from accounts.models import User
from automations.actions import carry_out, rule_event
from automations.conditions import compile_conditions
from automations.models import Firing, PendingChange, Rule, RuleKind
from helpdesk.cache import forget, remembered
from helpdesk.commit_hooks import pending_hook
from helpdesk.errors import HelpdeskError
from tickets.models import CHANGE_OF_KIND, EventKind, Ticket, TicketEvent
from tickets.services.common import events_recorded, lock_ticket
from tickets.services.notifications import notifications_muted_for

logger = logging.getLogger(__name__)

MAX_DEPTH = 3
RELAY_AFTER = timedelta(minutes=1)
RELAY_BATCH = 200
KEEP_DONE = timedelta(days=7)
PRUNE_BATCH = 5000
ACTIVE_KEY = "automations:triggers-active:v1"
ACTIVE_CACHE_SECONDS = 10

# Each ticket change an event makes, as the trigger events name them.
KIND_FOR_EVENT: dict[str, str] = dict(CHANGE_OF_KIND)

# While a rule acts: (the depth its changes have, the rules already fired in the chain).
_chain: ContextVar[tuple[int, tuple[int, ...]]] = ContextVar("automations_chain", default=(0, ()))


# --- Is anyone listening? -----------------------------------------------------------------------


def listened_changes() -> frozenset[str]:
    """The kinds of change active triggers run on: cached, so a write no trigger listens to pays one cache
    read per event (and a query when the cache is away or broken, never a failed write)."""

    def read() -> list[str]:
        kinds = Rule.objects.filter(kind=RuleKind.TRIGGER, is_active=True).values_list("events", flat=True)
        return sorted({kind for events in kinds for kind in events or []})

    return frozenset(remembered(ACTIVE_KEY, read, ACTIVE_CACHE_SECONDS))


def _rules_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        forget(ACTIVE_KEY)
        transaction.on_commit(lambda: forget(ACTIVE_KEY), robust=True)


# --- Capturing a change, in its transaction -----------------------------------------------------


@dataclass(eq=False)
class _Batch:
    """The changes one transaction wrote, by ticket; run once it commits."""

    rows: dict[int, PendingChange] = field(default_factory=dict)
    ran: bool = False
    __name__ = "run_triggers"

    def __call__(self) -> None:
        self.ran = True
        for row in self.rows.values():
            try:
                run_change(row.pk)
            except Exception:  # the change is committed; the relay runs the rules again later
                logger.exception("automations: change %s of ticket %s left to the relay", row.pk, row.ticket_id)


def _events_recorded(sender: Any, events: list[TicketEvent], **kwargs: Any) -> None:
    wanted = [(event, KIND_FOR_EVENT[event.kind]) for event in events if event.kind in KIND_FOR_EVENT]
    if not wanted or notifications_muted_for() == "everyone":
        return
    listened = listened_changes()
    wanted = [(event, kind) for event, kind in wanted if kind in listened]
    if not wanted:
        return
    depth, fired = _chain.get()
    batch = pending_hook(_Batch)
    hooked = batch is not None
    batch = batch or _Batch()
    for event, kind in wanted:
        row = batch.rows.get(event.ticket_id)
        if row is not None and _add(row, kind, event, depth=depth, fired=fired):
            continue
        batch.rows[event.ticket_id] = PendingChange.objects.create(
            ticket_id=event.ticket_id,
            kinds=[kind],
            event_ids=[event.pk],
            depth=depth,
            fired=list(fired),
            created_at=timezone.now(),
        )
    if not hooked:
        transaction.on_commit(batch, robust=True)


def _add(row: PendingChange, kind: str, event: TicketEvent, *, depth: int, fired: tuple[int, ...]) -> bool:
    """Add an event to this transaction's row of its ticket; False if that row is gone (its savepoint rolled back).

    Read again first: a savepoint rolled back since (a refused rule) restored the row, not this object.
    The chain is the union of both: every rule that fired on the way to either change.
    """
    changes = PendingChange.objects.filter(pk=row.pk, done_at__isnull=True)
    current = changes.values_list("kinds", "event_ids", "depth", "fired").first()
    if current is None:
        return False
    kinds, event_ids, row_depth, row_fired = current
    update = {
        "kinds": kinds if kind in kinds else [*kinds, kind],
        "event_ids": [*event_ids, event.pk],
        "depth": max(row_depth, depth),
        "fired": sorted({*row_fired, *fired}),
    }
    changes.update(**update)
    for name, value in update.items():
        setattr(row, name, value)
    return True


# --- Running a change ---------------------------------------------------------------------------


def _facts(row: PendingChange) -> dict[str, Any]:
    """What the conditions about the change itself read: whether it added a public reply or a note."""
    comments = TicketEvent.objects.filter(pk__in=row.event_ids, kind=EventKind.COMMENT_ADDED)
    visibility = {internal for (internal,) in comments.values_list("is_internal")}
    return {"comment": "public" if False in visibility else "internal" if visibility else None}


def matching(rules: list[Rule], ticket_id: int, now: datetime, facts: dict[str, Any]) -> list[Rule]:
    """The rules whose conditions the ticket meets now: one query for all of them."""
    compiled, columns = {}, {}
    for rule in list(rules):
        try:
            rule_compiled, any_where = compile_conditions(rule.conditions, rule.any_conditions, now)
        except Exception:  # a condition that cannot be checked now (see conditions.py) matches nothing
            logger.exception("automations: the conditions of rule %s cannot be checked; it matches nothing", rule.pk)
            rules = [other for other in rules if other.pk != rule.pk]
            continue
        compiled[rule.pk] = rule_compiled
        columns[f"r{rule.pk}"] = ExpressionWrapper(rule_compiled.where, output_field=BooleanField())
        columns[f"a{rule.pk}"] = ExpressionWrapper(any_where, output_field=BooleanField())
    if not rules:
        return []
    row = Ticket.objects.filter(pk=ticket_id).values(**columns).first()
    if row is None:
        return []
    return [
        rule
        for rule in rules
        if row[f"r{rule.pk}"] and compiled[rule.pk].passes_checks(now, facts, bool(row[f"a{rule.pk}"]))
    ]


def fire(
    rule: Rule,
    ticket: Ticket,
    *,
    key: str,
    depth: int,
    fired: tuple[int, ...],
    now: datetime,
    episode: datetime | None = None,
) -> Ticket:
    """Carry out ``rule`` on the locked ``ticket`` for the change or episode ``key``; record it either way.

    All of the rule's actions or none (a savepoint): a refused one leaves the ticket as it was and
    the firing says why. The rule's own changes carry the chain (``depth``, ``fired``) on.
    """
    actor = User.objects.automation()
    token = _chain.set((depth + 1, (*fired, rule.pk)))
    try:
        with transaction.atomic():
            event = rule_event(ticket, rule_name=rule.name, actions=rule.actions, actor=actor, now=now)
            event.metadata = {**event.metadata, "rule_id": rule.pk}
            ticket, done = carry_out(lock_ticket(ticket.pk), rule.actions, actor=actor, now=now, event=event)
            event.metadata = {**event.metadata, "rule_id": rule.pk, "done": done}
            event.save(update_fields=["metadata"])
            Firing.objects.create(rule=rule, ticket=ticket, key=key, episode=episode, at=now, depth=depth, done=done)
    except Exception as exc:
        if isinstance(exc, HelpdeskError | ValidationError):
            message = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])) or str(exc)
            logger.info("automations: rule %s refused on ticket %s: %s", rule.pk, ticket.pk, message)
        else:  # a bug, or something the rule names that broke: recorded, and the other rules go on
            message = f"The rule failed ({type(exc).__name__}); the log has the details."
            logger.exception("automations: rule %s failed on ticket %s", rule.pk, ticket.pk)
        Firing.objects.create(
            rule=rule, ticket=ticket, key=key, episode=episode, at=now, depth=depth, error=message[:2000]
        )
        ticket = lock_ticket(ticket.pk)
    finally:
        _chain.reset(token)
    return ticket


def run_change(change_id: int, *, now: datetime | None = None) -> int:
    """Run the triggers on one captured change, once: the number of rules that fired."""
    now = now or timezone.now()
    fired_here = 0
    with transaction.atomic():
        row = PendingChange.objects.select_for_update(skip_locked=True).filter(pk=change_id, done_at=None).first()
        if row is None:
            return 0
        row.done_at = now
        row.save(update_fields=["done_at"])
        if row.depth >= MAX_DEPTH:
            logger.warning(
                "automations: change %s of ticket %s is %s rules deep; stopped", row.pk, row.ticket_id, row.depth
            )
            return 0
        try:
            ticket = lock_ticket(row.ticket_id)
        except HelpdeskError:  # deleted since
            return 0
        rules = [
            rule
            for rule in Rule.objects.filter(kind=RuleKind.TRIGGER, is_active=True)
            if rule.pk not in row.fired and set(rule.events) & set(row.kinds)
        ]
        facts = _facts(row)
        chain = tuple(row.fired)
        key = f"change:{row.pk}"
        # A change run again (the relay after a crash mid-way) keeps what already fired for it.
        already = set(Firing.objects.filter(ticket_id=ticket.pk, key=key).values_list("rule_id", flat=True))
        for candidate in matching([rule for rule in rules if rule.pk not in already], ticket.pk, now, facts):
            # Checked again as the rules before it left the ticket.
            if not matching([candidate], ticket.pk, now, facts):
                continue
            ticket = fire(candidate, ticket, key=key, depth=row.depth, fired=chain, now=now)
            chain = (*chain, candidate.pk)
            fired_here += 1
        _chain_carried(ticket.pk, chain)
    return fired_here


def _chain_carried(ticket_id: int, chain: tuple[int, ...]) -> None:
    """The changes this run's rules made to the ticket carry every rule that fired here, not only the rules
    before them: a rule that fired later on the same change must not answer an earlier one's."""
    batch = pending_hook(_Batch)
    if batch is None or not chain:
        return
    for row in batch.rows.values():
        if row.ticket_id == ticket_id and not set(chain) <= set(row.fired):
            row.fired = sorted({*row.fired, *chain})
            PendingChange.objects.filter(pk=row.pk, done_at__isnull=True).update(fired=row.fired)


def relay_pending(*, now: datetime | None = None) -> int:
    """Run the changes nobody ran (their process died after the commit): a minute old, a bounded batch."""
    now = now or timezone.now()
    ids = list(
        PendingChange.objects.filter(done_at__isnull=True, created_at__lt=now - RELAY_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:RELAY_BATCH]
    )
    for change_id in ids:
        try:
            run_change(change_id)
        except Exception:  # one change that cannot run must not hold up the ones after it
            logger.exception("automations: the relay could not run change %s", change_id)
    # Done changes are kept a while for looking into, then pruned, a bounded batch a run.
    old = PendingChange.objects.filter(done_at__lt=now - KEEP_DONE).order_by("pk").values_list("pk", flat=True)
    PendingChange.objects.filter(pk__in=list(old[:PRUNE_BATCH])).delete()
    return len(ids)


def connect() -> None:
    events_recorded.connect(_events_recorded, sender=TicketEvent, dispatch_uid="automations.capture")
    post_save.connect(_rules_changed, sender=Rule, dispatch_uid="automations.rule.saved")
    post_delete.connect(_rules_changed, sender=Rule, dispatch_uid="automations.rule.deleted")
