"""macro_apply and macro_apply_many: every action through its service, all or nothing, once per read version."""

import pytest
import time_machine

from helpdesk.errors import NotFound, PermissionDenied, PreconditionFailed
from tickets import services
from tickets.choices import Priority, Status
from tickets.models import Comment, EventKind, Ticket, TicketEvent
from tickets.tests.factories import MacroFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops", category=category(), team=team, tags=["vpn", "new"]
    )


@pytest.fixture
def triage():
    return MacroFactory(
        name="Need a screenshot",
        assign_to_me=True,
        priority=Priority.HIGH,
        add_tags="Waiting on customer",
        remove_tags="new",
        reply="Hello {requester_name}, a screenshot of {ticket_number} ({ticket_subject}) please. {agent_name}",
        status=Status.PENDING,
    )


def snapshot(ticket: Ticket) -> tuple:
    ticket = Ticket.objects.get(pk=ticket.pk)
    tags = sorted(ticket.tags.values_list("name", flat=True))
    return ticket.version, ticket.status, ticket.priority, ticket.assignee_id, ticket.team_id, tags


class TestApply:
    def test_every_action_applies_through_its_service_and_the_history_names_the_macro(
        self, agent, customer, ticket, triage
    ):
        with time_machine.travel("2026-03-02 10:00Z", tick=False):
            done = services.macro_apply(actor=agent, macro=triage, ticket=ticket)
        assert (done.status, done.priority, done.assignee, done.first_responded_at) == (
            Status.PENDING,
            Priority.HIGH,
            agent,
            done.updated_at,
        )
        assert sorted(done.tags.values_list("name", flat=True)) == ["vpn", "waiting-on-customer"]
        reply = Comment.objects.get(ticket=ticket)
        assert reply.body == (
            f"Hello {customer.get_full_name()}, a screenshot of {ticket.number} (VPN drops) please. "
            f"{agent.get_full_name()}"
        )
        assert (reply.author, reply.is_internal) == (agent, False)
        events = list(TicketEvent.objects.filter(ticket=ticket, created_at=done.updated_at).order_by("id"))
        assert [(e.kind, e.field) for e in events] == [
            (EventKind.MACRO_APPLIED, "macro"),
            (EventKind.ASSIGNED, "assignee"),
            (EventKind.STATUS_CHANGED, "status"),  # assigning a new ticket opens it
            (EventKind.PRIORITY_CHANGED, "priority"),
            (EventKind.UPDATED, "tags"),
            (EventKind.COMMENT_ADDED, ""),
            (EventKind.STATUS_CHANGED, "status"),
        ]
        head = events[0]
        assert (head.new_value, head.actor, head.is_internal, head.metadata) == (
            "Need a screenshot",
            agent,
            True,
            {"macro_id": triage.pk},
        )

    def test_an_internal_note_and_a_move_through_open_to_resolved(self, agent, ticket):
        macro = MacroFactory(name="Fixed", reply="Fixed by {agent_name}.", reply_is_internal=True, status="resolved")
        done = services.macro_apply(actor=agent, macro=macro, ticket=ticket)
        assert done.status == Status.RESOLVED
        assert Comment.objects.get(ticket=ticket).is_internal
        assert done.first_responded_at is None  # a note is no response

    def test_a_team_lead_hands_the_ticket_to_a_member_of_the_team(self, team_lead, agent, ticket, team):
        macro = MacroFactory(name="To Alex", assignee=agent, team=team)
        assert services.macro_apply(actor=team_lead, macro=macro, ticket=ticket).assignee == agent

    def test_a_macro_that_changes_nothing_still_moves_the_version_once(self, agent, ticket):
        macro = MacroFactory(name="Tag vpn", add_tags="vpn")
        before = snapshot(ticket)
        done = services.macro_apply(actor=agent, macro=macro, ticket=ticket)
        assert done.version == before[0] + 1 and snapshot(ticket)[1:] == before[1:]
        assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.MACRO_APPLIED).count() == 1


class TestAllOrNothing:
    def test_an_agent_may_not_hand_the_ticket_to_someone_else_so_nothing_changes(self, agent, other_agent, ticket):
        macro = MacroFactory(name="To Sam", reply="Sam takes it.", priority=Priority.URGENT, assignee=other_agent)
        before = snapshot(ticket)
        events = TicketEvent.objects.filter(ticket=ticket).count()
        with pytest.raises(PermissionDenied) as refused:
            services.macro_apply(actor=agent, macro=macro, ticket=ticket)
        assert refused.value.message == (
            "Macro 'To Sam' was not applied, nothing changed: You may not assign this ticket to that person."
        )
        assert snapshot(ticket) == before
        assert TicketEvent.objects.filter(ticket=ticket).count() == events and not Comment.objects.exists()

    def test_a_move_the_workflow_forbids_undoes_the_reply_and_tags_before_it(self, agent, ticket):
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.ticket_resolve(actor=agent, ticket=ticket)
        macro = MacroFactory(name="Escalate", add_tags="hot", reply="Escalating.", status="escalated")
        before = snapshot(ticket)
        with pytest.raises(Exception) as refused:
            services.macro_apply(actor=agent, macro=macro, ticket=ticket)
        assert refused.value.code == "INVALID_TRANSITION"
        assert "Macro 'Escalate' was not applied" in refused.value.message
        assert refused.value.extra["allowed"] == ["closed", "reopened"]
        assert snapshot(ticket) == before and not Comment.objects.exists()

    def test_a_stale_version_is_refused_before_anything(self, agent, ticket, triage):
        before = snapshot(ticket)
        with pytest.raises(PreconditionFailed):
            services.macro_apply(actor=agent, macro=triage, ticket=ticket, expected_version=ticket.version - 1)
        assert snapshot(ticket) == before

    def test_applied_once_per_version_read(self, agent, ticket):
        macro = MacroFactory(name="Note", reply="Seen.", reply_is_internal=True)
        version = ticket.version
        services.macro_apply(actor=agent, macro=macro, ticket=ticket, expected_version=version)
        with pytest.raises(PreconditionFailed):
            services.macro_apply(actor=agent, macro=macro, ticket=ticket, expected_version=version)
        assert Comment.objects.filter(ticket=ticket).count() == 1


class TestWhoMayApply:
    def test_customers_may_not(self, customer, ticket, triage):
        with pytest.raises(PermissionDenied, match="Only staff can apply macros."):
            services.macro_apply(actor=customer, macro=triage, ticket=ticket)

    def test_an_inactive_macro_or_one_not_shared_with_the_agent_is_not_found(
        self, agent, manager, ticket, other_team, team
    ):
        off = MacroFactory(name="Off", status="open", is_active=False)
        theirs = MacroFactory(name="Infra only", status="open", teams=[other_team])
        ours = MacroFactory(name="Support only", add_tags="support", teams=[team, other_team])
        for macro in (off, theirs):
            with pytest.raises(NotFound):
                services.macro_apply(actor=agent, macro=macro, ticket=ticket)
        assert services.macro_apply(actor=agent, macro=ours, ticket=ticket).tags.filter(name="support").exists()
        assert services.macro_apply(actor=manager, macro=theirs, ticket=ticket).status == Status.OPEN

    def test_a_ticket_the_agent_may_not_see_is_not_found(self, other_agent, ticket, triage, settings):
        settings.AGENT_TICKET_VISIBILITY = "team"
        with pytest.raises(NotFound, match="Ticket not found."):
            services.macro_apply(actor=other_agent, macro=triage, ticket=ticket)

    def test_a_macro_saved_with_an_unknown_placeholder_outside_the_console_is_refused(self, agent, ticket):
        macro = MacroFactory(name="Hi", reply="Hi")
        type(macro).objects.filter(pk=macro.pk).update(reply="Hi {customer}")
        with pytest.raises(Exception, match="Unknown placeholder customer") as refused:
            services.macro_apply(actor=agent, macro=macro, ticket=ticket)
        assert refused.value.code == "VALIDATION_ERROR" and not Comment.objects.exists()


def test_many_each_in_its_own_transaction_with_one_outcome_per_ticket(agent, customer, team, other_team):
    mine = [
        services.ticket_create(actor=team.lead, requester=customer, subject=f"T{i}", category=category(), team=team)
        for i in range(2)
    ]
    services.ticket_assign(actor=team.lead, ticket=mine[1], assignee=team.lead)
    services.ticket_resolve(actor=team.lead, ticket=mine[1])  # no way to in progress from resolved
    macro = MacroFactory(name="Take and tag", assign_to_me=True, add_tags="triaged", status="in_progress")
    outcomes = services.macro_apply_many(actor=agent, macro=macro, tickets=mine)
    assert [(o.ticket.pk, o.applied, o.code) for o in outcomes] == [
        (mine[0].pk, True, ""),
        (mine[1].pk, False, "INVALID_TRANSITION"),
    ]
    assert outcomes[1].error.startswith("Macro 'Take and tag' was not applied, nothing changed: A ticket cannot move")
    assert Ticket.objects.get(pk=mine[0].pk).assignee == agent
    assert Ticket.objects.get(pk=mine[0].pk).status == Status.IN_PROGRESS
    assert Ticket.objects.get(pk=mine[1].pk).assignee == team.lead  # the assignment before was undone
    assert not Ticket.objects.get(pk=mine[1].pk).tags.filter(name="triaged").exists()
    versions = {ticket.pk: Ticket.objects.get(pk=ticket.pk).version - 1 for ticket in mine}
    again = services.macro_apply_many(actor=agent, macro=macro, tickets=mine, versions=versions)
    assert [o.code for o in again] == ["PRECONDITION_FAILED", "PRECONDITION_FAILED"]
