"""The services write a milestone where each reported moment happens, with the ticket as it was then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets.choices import Status
from tickets.models import Milestone, MilestoneKind
from tickets.services.comments import comment_add
from tickets.services.merge import ticket_merge
from tickets.services.sla import _minutes
from tickets.services.status import ticket_close, ticket_reopen, ticket_resolve, ticket_transition
from tickets.services.tickets import ticket_assign, ticket_create, ticket_update
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def kinds(ticket) -> list[tuple]:
    return list(Milestone.objects.filter(ticket=ticket).values_list("kind", "at", "assignee_id"))


@pytest.fixture
def ticket(customer):
    return ticket_create(actor=customer, subject="Mail is down", category=category(), now=at(2))


def test_stored_minutes_are_rounded_to_the_nearest():
    assert [_minutes(timedelta(seconds=s)) for s in (29, 30, 89, 90, 3599)] == [0, 1, 1, 2, 60]


def test_the_life_of_a_ticket_in_milestones(ticket, customer, agent, other_agent, manager):
    ticket_assign(actor=manager, ticket=ticket, assignee=agent, now=at(2, 10))
    comment_add(actor=agent, ticket=ticket, body="Looking.", is_internal=True, now=at(2, 10, 30))  # a note: no reply
    comment_add(actor=agent, ticket=ticket, body="Restarted the server.", now=at(2, 11))
    ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING, now=at(2, 12))
    ticket_transition(actor=agent, ticket=ticket, to_status=Status.IN_PROGRESS, now=at(2, 15))
    ticket_resolve(actor=agent, ticket=ticket, now=at(2, 16))
    ticket_reopen(actor=customer, ticket=ticket, reason="Down again", now=at(3))
    ticket_assign(actor=manager, ticket=ticket, assignee=other_agent, now=at(3, 10))
    ticket.refresh_from_db()
    if ticket.status != Status.OPEN:
        ticket_transition(actor=manager, ticket=ticket, to_status=Status.OPEN, now=at(3, 10, 30))
    ticket_close(actor=manager, ticket=ticket, now=at(3, 11))

    assert kinds(ticket) == [
        (MilestoneKind.ASSIGNED, at(2, 10), agent.pk),
        (MilestoneKind.FIRST_RESPONSE, at(2, 11), agent.pk),
        (MilestoneKind.RESOLVED, at(2, 16), agent.pk),
        (MilestoneKind.REOPENED, at(3), agent.pk),  # still the agent's when the customer came back
        (MilestoneKind.ASSIGNED, at(3, 10), other_agent.pk),
        (MilestoneKind.CLOSED, at(3, 11), other_agent.pk),  # closed without being resolved again
    ]
    resolved = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.RESOLVED)
    # 7 hours in all: 3 of them pending (waiting on the customer), 4 waiting on the desk; one public reply.
    assert (resolved.wait_seconds, resolved.paused_seconds, resolved.replies) == (4 * 3600, 3 * 3600, 1)
    first = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.FIRST_RESPONSE)
    assert first.seconds == 2 * 3600


def test_a_milestone_keeps_the_priority_and_team_of_its_moment(ticket, agent, manager, team):
    ticket_assign(actor=manager, ticket=ticket, assignee=agent, team=team, now=at(2, 10))
    ticket_resolve(actor=agent, ticket=ticket, now=at(2, 11))
    ticket_reopen(actor=manager, ticket=ticket, now=at(3))
    ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"}, now=at(3, 1))

    resolved = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.RESOLVED)
    assert (resolved.priority, resolved.team_id) == ("medium", team.pk)
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"


def test_solving_without_a_reply_stops_the_first_response_clock(ticket, agent, manager):
    ticket_assign(actor=manager, ticket=ticket, assignee=agent, now=at(2, 10))
    ticket_resolve(actor=agent, ticket=ticket, now=at(2, 11))

    first = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.FIRST_RESPONSE)
    # Solving fulfils the first-response target (as Zendesk): no reply time, held by the agent.
    assert (first.at, first.seconds, first.assignee_id) == (at(2, 11), None, agent.pk)
    resolved = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.RESOLVED)
    assert resolved.replies == 0


def test_a_ticket_merged_away_leaves_the_open_work(ticket, customer, manager):
    target = ticket_create(actor=customer, subject="Mail still down", category=category(), now=at(2, 10))
    ticket_merge(actor=manager, source=ticket, target=target, now=at(2, 11))

    # Closing stops both clocks: the first response unanswered, the resolution unmeasured.
    assert [kind for kind, _at, _who in kinds(ticket)] == [MilestoneKind.FIRST_RESPONSE, MilestoneKind.CLOSED]
    closed = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.CLOSED)
    assert (closed.seconds, closed.met) == (None, None)  # merged: not measured, only counted out
