"""Merges that must be refused, each changing nothing."""

import pytest

from helpdesk.errors import InvalidTransition, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from tickets import services
from tickets.tests.merging import MERGE_AT, at, fresh, new_ticket, snapshot


@pytest.mark.django_db
class TestRefusals:
    def test_a_ticket_cannot_be_merged_into_itself(self, pair, manager):
        source, _ = pair
        before = snapshot(source)
        with pytest.raises(ValidationFailed) as refused:
            services.ticket_merge(actor=manager, source=source, target=fresh(source), now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source) == before

    def test_a_closed_source_is_refused(self, pair, manager):
        source, target = pair
        services.ticket_close(actor=manager, ticket=source, now=at(15))
        before = snapshot(source, target)
        with pytest.raises(InvalidTransition, match="is closed") as refused:
            services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert "source" in refused.value.errors
        assert snapshot(source, target) == before

    def test_a_closed_target_is_refused(self, pair, manager):
        source, target = pair
        services.ticket_close(actor=manager, ticket=target, now=at(15))
        before = snapshot(source, target)
        with pytest.raises(InvalidTransition, match="closed ticket") as refused:
            services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source, target) == before

    def test_a_source_already_merged_is_refused(self, pair, customer, team, manager):
        source, target = pair
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        elsewhere = new_ticket(customer, team=team, minutes=20)
        before = snapshot(source, target, elsewhere)
        with pytest.raises(InvalidTransition, match="already been merged"):
            services.ticket_merge(actor=manager, source=source, target=elsewhere, now=MERGE_AT)
        assert snapshot(source, target, elsewhere) == before

    def test_merging_into_a_merged_ticket_is_refused(self, pair, customer, team, manager):
        source, target = pair
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        another = new_ticket(customer, team=team, minutes=20)
        before = snapshot(source, target, another)
        with pytest.raises(InvalidTransition, match="merge into that ticket instead") as refused:
            services.ticket_merge(actor=manager, source=another, target=source, now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source, target, another) == before

    def test_agent_outside_the_team_may_see_but_not_merge(self, pair, other_agent):
        source, target = pair
        before = snapshot(source, target)
        with pytest.raises(PermissionDenied, match=source.number):
            services.ticket_merge(actor=other_agent, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before

    def test_agent_must_be_able_to_edit_the_target_too(self, customer, team, other_team, agent, manager):
        source = new_ticket(customer, team=team)
        target = new_ticket(customer, team=team, minutes=5)
        services.ticket_assign(actor=manager, ticket=target, assignee=None, team=other_team, now=at(6))
        before = snapshot(source, target)
        with pytest.raises(PermissionDenied, match=target.number):
            services.ticket_merge(actor=agent, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before
        # The same agent may merge two tickets of their own team.
        third = new_ticket(customer, team=team, minutes=7)
        services.ticket_merge(actor=agent, source=third, target=source, now=MERGE_AT)
        assert fresh(third).merged_into_id == source.pk

    def test_customer_may_not_merge_even_their_own_tickets(self, pair, customer):
        source, target = pair
        before = snapshot(source, target)
        with pytest.raises(PermissionDenied):
            services.ticket_merge(actor=customer, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before

    def test_tickets_the_actor_cannot_see_are_not_found(self, pair, other_customer):
        source, target = pair
        before = snapshot(source, target)
        with pytest.raises(NotFound):
            services.ticket_merge(actor=other_customer, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before

    def test_agent_who_cannot_see_the_target_gets_not_found(self, pair, agent, settings):
        source, target = pair
        services.ticket_assign(actor=agent, ticket=source, assignee=agent, now=at(15))
        settings.AGENT_TICKET_VISIBILITY = "assigned"
        before = snapshot(source, target)
        with pytest.raises(NotFound) as refused:
            services.ticket_merge(actor=agent, source=source, target=target, now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source, target) == before

    def test_stale_source_version_is_refused_and_changes_nothing(self, pair, manager):
        source, target = pair
        source = fresh(source)
        before = snapshot(source, target)
        with pytest.raises(PreconditionFailed):
            services.ticket_merge(
                actor=manager, source=source, target=target, expected_version=source.version + 1, now=MERGE_AT
            )
        assert snapshot(source, target) == before

    def test_expected_version_is_the_source_version(self, pair, agent, manager):
        source, target = pair
        services.comment_add(actor=agent, ticket=target, body="Bumps the target.", now=at(20))
        source, target = fresh(source), fresh(target)
        assert source.version != target.version
        services.ticket_merge(
            actor=manager, source=source, target=target, expected_version=source.version, now=MERGE_AT
        )
        assert fresh(source).merged_into_id == target.pk
