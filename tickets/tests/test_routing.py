"""Auto-assignment per team: off, round robin, least loaded; unavailable agents skipped; safe under load."""

import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.models import Team
from accounts.roles import Role
from accounts.tests.factories import TeamFactory, UserFactory
from tickets import services
from tickets.models import EventKind, Ticket
from tickets.tests.factories import category


def desk(rule, size=3):
    agents = [UserFactory(role=Role.AGENT, email=f"a{i}-{rule}@example.com") for i in range(size)]
    return TeamFactory(name=f"Desk {rule}", auto_assignment=rule, members=agents), agents


def open_for(team, actor, subject="Help"):
    return services.ticket_create(actor=actor, subject=subject, category=category(), team=team)


@pytest.mark.django_db
def test_off_leaves_tickets_unassigned(manager):
    team, _ = desk(Team.AutoAssignment.OFF)
    assert open_for(team, manager).assignee is None


@pytest.mark.django_db
def test_round_robin_cycles_and_skips_unavailable(manager):
    team, (a, b, c) = desk(Team.AutoAssignment.ROUND_ROBIN)
    b.is_available = False
    b.save()
    assignees = [open_for(team, manager).assignee for _ in range(4)]
    assert assignees == [a, c, a, c]
    ticket = open_for(team, manager)
    assert ticket.status == "open"
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert (event.actor, event.metadata) == (None, {"rule": "round_robin"})


@pytest.mark.django_db
def test_least_loaded_counts_running_tickets_only(manager, customer):
    team, (a, b, c) = desk(Team.AutoAssignment.LEAST_LOADED)
    for agent, count in ((a, 2), (b, 1)):
        for _ in range(count):
            services.ticket_create(actor=manager, requester=customer, subject="x", category=category(), assignee=agent)
    waiting = services.ticket_create(actor=manager, requester=customer, subject="w", category=category(), assignee=c)
    services.ticket_transition(actor=manager, ticket=waiting, to_status="pending")  # paused: not load
    assert open_for(team, manager).assignee == c
    assert open_for(team, manager).assignee == b  # b: 1, c: 1 -> lowest id among the least loaded


@pytest.mark.django_db
def test_moving_an_unassigned_ticket_to_a_team_assigns_it(manager, customer):
    team, (a, _, _) = desk(Team.AutoAssignment.ROUND_ROBIN)
    ticket = services.ticket_create(actor=customer, subject="x", category=category())
    moved = services.ticket_update(actor=manager, ticket=ticket, changes={"team": team})
    assert moved.assignee == a


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("rule", [Team.AutoAssignment.ROUND_ROBIN, Team.AutoAssignment.LEAST_LOADED])
def test_many_tickets_at_once_are_spread_evenly(rule):
    team, agents = desk(rule, size=4)
    manager = UserFactory(role=Role.MANAGER)
    barrier = threading.Barrier(20)
    errors = []

    def create(index):
        try:
            barrier.wait(timeout=30)
            open_for(team, manager, subject=f"Load {index}")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    load = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert load == {agent.pk: 5 for agent in agents}
