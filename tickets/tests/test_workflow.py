"""The workflow table, walked pair by pair through the real ``ticket_transition`` service."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from helpdesk.errors import InvalidTransition, PermissionDenied
from tickets import services, workflow
from tickets.choices import Status
from tickets.models import EventKind, Ticket
from tickets.tests.factories import TicketFactory

# PRODUCT.md's table, written out again here on purpose: a change to workflow.py must fail this test.
EXPECTED = {
    "new": {"open", "in_progress", "closed"},
    "open": {"in_progress", "pending", "on_hold", "escalated", "resolved", "closed"},
    "in_progress": {"open", "pending", "on_hold", "escalated", "resolved"},
    "pending": {"open", "in_progress", "closed"},
    "on_hold": {"open", "in_progress"},
    "escalated": {"in_progress", "resolved", "closed"},
    "resolved": {"closed", "reopened"},
    "closed": {"reopened"},
    "reopened": {"open", "in_progress", "resolved"},
}
PAIRS = [(source, target) for source in Status.values for target in Status.values]


def ticket_in(status: str, **fields) -> Ticket:
    stamp = {Status.RESOLVED: "resolved_at", Status.CLOSED: "closed_at"}.get(status)
    if stamp:
        fields.setdefault(stamp, timezone.now())
    return TicketFactory(status=status, **fields)


def test_table_is_exactly_the_product_table():
    assert {s.value: {t.value for t in targets} for s, targets in workflow.TRANSITIONS.items()} == EXPECTED


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_pair_is_allowed_or_refused_as_the_table_says(admin_user, source, target):
    ticket = ticket_in(source)
    if target in EXPECTED[source]:
        moved = services.ticket_transition(actor=admin_user, ticket=ticket, to_status=target)
        assert moved.status == target
        assert moved.version == ticket.version + 1
        event = moved.events.get()
        assert (event.field, event.old_value, event.new_value) == ("status", source, target)
        assert event.actor == admin_user
    else:
        with pytest.raises(InvalidTransition) as refused:
            services.ticket_transition(actor=admin_user, ticket=ticket, to_status=target)
        assert refused.value.extra["allowed"] == sorted(EXPECTED[source], key=Status.values.index)
        ticket.refresh_from_db()
        assert ticket.status == source
        assert not ticket.events.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("resolved", EventKind.RESOLVED),
        ("closed", EventKind.CLOSED),
        ("escalated", EventKind.ESCALATED),
        ("pending", EventKind.STATUS_CHANGED),
    ],
)
def test_each_move_writes_its_named_event(admin_user, target, kind):
    ticket = ticket_in(Status.OPEN)
    services.ticket_transition(actor=admin_user, ticket=ticket, to_status=target)
    assert list(ticket.events.values_list("kind", flat=True)) == [kind]


@pytest.mark.django_db
def test_status_input_accepts_case_and_seed_aliases(admin_user):
    ticket = ticket_in(Status.IN_PROGRESS)
    moved = services.ticket_transition(actor=admin_user, ticket=ticket, to_status="WAITING")
    assert moved.status == Status.PENDING


@pytest.mark.django_db
def test_resolve_stamps_time_and_keeps_notes_and_reopen_clears_them(admin_user):
    ticket = ticket_in(Status.IN_PROGRESS)
    resolved = services.ticket_resolve(actor=admin_user, ticket=ticket, resolution_notes="Restarted the pool.")
    assert resolved.resolved_at is not None
    assert resolved.resolution_notes == "Restarted the pool."
    reopened = services.ticket_reopen(actor=admin_user, ticket=resolved, reason="It is back.")
    assert reopened.status == Status.REOPENED
    assert reopened.resolved_at is None
    assert reopened.events.last().metadata == {"note": "It is back."}


@pytest.mark.django_db
class TestReopenWindow:
    def test_closed_ticket_reopens_within_the_window(self, admin_user):
        ticket = ticket_in(Status.OPEN)
        with time_machine.travel("2026-03-01 10:00 +00:00", tick=False):
            services.ticket_close(actor=admin_user, ticket=ticket)
        with time_machine.travel("2026-03-08 09:59 +00:00", tick=False):
            reopened = services.ticket_reopen(actor=admin_user, ticket=ticket)
        assert reopened.status == Status.REOPENED

    def test_closed_ticket_cannot_reopen_after_the_window(self, admin_user):
        ticket = ticket_in(Status.OPEN)
        with time_machine.travel("2026-03-01 10:00 +00:00", tick=False):
            services.ticket_close(actor=admin_user, ticket=ticket)
        with time_machine.travel("2026-03-08 10:01 +00:00", tick=False), pytest.raises(InvalidTransition) as refused:
            services.ticket_reopen(actor=admin_user, ticket=ticket)
        assert "within 7 days" in refused.value.message
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED

    def test_window_length_comes_from_settings(self, admin_user, settings):
        settings.REOPEN_WINDOW_DAYS = 1
        ticket = ticket_in(Status.CLOSED, closed_at=timezone.now() - timedelta(days=2))
        with pytest.raises(InvalidTransition):
            services.ticket_reopen(actor=admin_user, ticket=ticket)


@pytest.mark.django_db
class TestAutomaticMoves:
    def test_assigning_a_new_ticket_opens_it(self, manager, agent):
        ticket = ticket_in(Status.NEW)
        assigned = services.ticket_assign(actor=manager, ticket=ticket, assignee=agent)
        assert (assigned.status, assigned.assignee) == (Status.OPEN, agent)
        kinds = list(assigned.events.values_list("kind", "new_value"))
        assert kinds == [(EventKind.ASSIGNED, agent.email), (EventKind.STATUS_CHANGED, "open")]

    def test_assigning_a_ticket_in_progress_leaves_its_status(self, manager, agent):
        ticket = ticket_in(Status.IN_PROGRESS)
        assert services.ticket_assign(actor=manager, ticket=ticket, assignee=agent).status == Status.IN_PROGRESS

    def test_requester_reply_on_pending_ticket_reopens_it(self, customer):
        ticket = ticket_in(Status.PENDING, requester=customer)
        services.comment_add(actor=customer, ticket=ticket, body="Here is the log you asked for.")
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN

    @pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
    def test_requester_reply_on_resolved_or_recently_closed_ticket_reopens_it(self, customer, status):
        ticket = ticket_in(status, requester=customer)
        comment = services.comment_add(actor=customer, ticket=ticket, body="It broke again this morning.")
        ticket.refresh_from_db()
        assert (comment.ticket_id, ticket.status) == (ticket.pk, Status.REOPENED)
        assert (ticket.resolved_at, ticket.closed_at) == (None, None)
        assert ticket.events.filter(kind=EventKind.REOPENED).count() == 1

    def test_requester_reply_after_the_reopen_window_opens_a_linked_follow_up(self, customer, settings):
        settings.REOPEN_WINDOW_DAYS = 7
        closed = ticket_in(Status.CLOSED, requester=customer)
        Ticket.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=8))
        closed.refresh_from_db()

        comment = services.comment_add(actor=customer, ticket=closed, body="The same printer jams again.")

        follow_up = comment.ticket
        assert follow_up.pk != closed.pk
        assert (follow_up.follow_up_of_id, follow_up.requester, follow_up.status) == (closed.pk, customer, Status.NEW)
        assert (follow_up.subject, follow_up.category_id) == (closed.subject, closed.category_id)
        assert closed.number in follow_up.description
        assert list(follow_up.comments.values_list("body", flat=True)) == ["The same printer jams again."]
        closed.refresh_from_db()
        assert closed.status == Status.CLOSED
        assert not closed.comments.exists()
        event = closed.events.get(kind=EventKind.FOLLOWED_UP)
        assert (event.new_value, event.metadata["follow_up_id"]) == (follow_up.number, follow_up.pk)

    def test_staff_reply_on_resolved_ticket_keeps_it_resolved(self, customer, agent):
        ticket = ticket_in(Status.RESOLVED, requester=customer)
        services.comment_add(actor=agent, ticket=ticket, body="Glad it works.")
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED

    def test_requester_reply_on_a_merged_ticket_moves_nothing(self, customer, agent):
        target = ticket_in(Status.OPEN, requester=customer)
        merged = ticket_in(Status.CLOSED, requester=customer)
        Ticket.objects.filter(pk=merged.pk).update(merged_into=target, closed_at=timezone.now() - timedelta(days=30))
        merged.refresh_from_db()
        services.comment_add(actor=customer, ticket=merged, body="Sorry, one more detail.")
        merged.refresh_from_db()
        assert (merged.status, merged.follow_ups.count()) == (Status.CLOSED, 0)

    def test_staff_reply_on_pending_ticket_keeps_it_pending(self, customer, agent):
        ticket = ticket_in(Status.PENDING, requester=customer)
        services.comment_add(actor=agent, ticket=ticket, body="Still waiting for the log.")
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING


@pytest.mark.django_db
class TestWhoMayMove:
    def test_customer_may_reopen_own_resolved_ticket(self, customer):
        ticket = ticket_in(Status.RESOLVED, requester=customer)
        assert services.ticket_reopen(actor=customer, ticket=ticket).status == Status.REOPENED

    def test_customer_may_not_close_or_escalate(self, customer):
        ticket = ticket_in(Status.OPEN, requester=customer)
        for target in ("closed", "escalated", "in_progress"):
            with pytest.raises(PermissionDenied):
                services.ticket_transition(actor=customer, ticket=ticket, to_status=target)
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
