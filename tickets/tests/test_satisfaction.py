"""Satisfaction ratings: customers rate finished tickets, once per ticket, for reports."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from helpdesk.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tickets import services
from tickets.models import EventKind, SatisfactionRating, Ticket
from tickets.tests.factories import category


@pytest.fixture
def ticket(customer, agent):
    ticket = services.ticket_create(actor=customer, subject="VPN drops", category=category())
    return services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)


@pytest.fixture
def resolved(ticket, agent):
    return services.ticket_resolve(actor=agent, ticket=ticket, resolution_notes="New profile pushed.")


def version(ticket: Ticket) -> int:
    return Ticket.objects.values_list("version", flat=True).get(pk=ticket.pk)


def rated_events(ticket: Ticket):
    return list(ticket.events.filter(kind=EventKind.RATED).order_by("id"))


@pytest.mark.django_db
class TestWhoAndWhen:
    def test_the_requester_rates_a_resolved_ticket(self, resolved, customer):
        before = version(resolved)
        rating = services.ticket_rate(actor=customer, ticket=resolved, score=4, comment="  Quick fix, thanks.  ")
        rating.refresh_from_db()
        assert (rating.ticket_id, rating.score, rating.comment, rating.rated_by) == (
            resolved.pk,
            4,
            "Quick fix, thanks.",
            customer,
        )
        assert version(resolved) == before + 1
        (event,) = rated_events(resolved)
        assert (event.field, event.old_value, event.new_value, event.actor, event.is_internal) == (
            "score",
            "",
            "4",
            customer,
            False,
        )
        assert event.metadata == {"comment_length": len("Quick fix, thanks.")}  # the text stays on the rating

    def test_a_closed_ticket_can_be_rated_too(self, resolved, customer, agent):
        closed = services.ticket_close(actor=agent, ticket=resolved)
        assert services.ticket_rate(actor=customer, ticket=closed, score="5").score == 5

    @pytest.mark.parametrize("action", ["new", "open"])
    def test_an_unfinished_ticket_cannot_be_rated(self, customer, agent, action):
        ticket = services.ticket_create(actor=customer, subject="Printer", category=category())
        if action == "open":
            ticket = services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        before = version(ticket)
        with pytest.raises(InvalidTransition, match="once it is resolved or closed"):
            services.ticket_rate(actor=customer, ticket=ticket, score=5)
        assert not SatisfactionRating.objects.exists()
        assert (version(ticket), rated_events(ticket)) == (before, [])

    def test_staff_never_rate(self, resolved, agent, manager):
        for staff in (agent, manager):
            with pytest.raises(PermissionDenied):
                services.ticket_rate(actor=staff, ticket=resolved, score=5)
        assert not SatisfactionRating.objects.exists()

    def test_another_customer_gets_not_found(self, resolved, other_customer):
        before = version(resolved)
        with pytest.raises(NotFound):
            services.ticket_rate(actor=other_customer, ticket=resolved, score=1)
        assert not SatisfactionRating.objects.exists()
        assert version(resolved) == before

    def test_a_colleague_in_a_sharing_organization_may_rate(self, resolved, customer, org):
        org.shares_tickets = True
        org.save(update_fields=["shares_tickets"])
        colleague = UserFactory(email="colleague@example.com", role=Role.CUSTOMER, organization=org)
        assert services.ticket_rate(actor=colleague, ticket=resolved, score=3).rated_by == colleague

    def test_a_guest_rates_through_their_link(self, agent):
        ticket, link = services.guest_ticket_create(
            email="gina@example.org", subject="Login", description="Locked out.", category=category()
        )
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.ticket_resolve(actor=agent, ticket=ticket)
        guest = services.guest_link_resolve(link.token)
        assert services.ticket_rate(actor=guest.user, ticket=guest.ticket, score=5).rated_by == ticket.requester

    def test_a_merged_ticket_cannot_be_rated(self, customer, manager, resolved):
        target = services.ticket_create(actor=customer, subject="VPN again", category=category())
        services.ticket_merge(actor=manager, source=resolved, target=target)
        with pytest.raises(InvalidTransition, match="merged"):
            services.ticket_rate(actor=customer, ticket=resolved, score=4)


@pytest.mark.django_db
class TestValues:
    @pytest.mark.parametrize("score", [0, 6, -1, "abc", "4.5", True, None])
    def test_scores_outside_one_to_five_are_refused_and_nothing_changes(self, resolved, customer, score):
        services.ticket_rate(actor=customer, ticket=resolved, score=3, comment="ok")
        before = version(resolved)
        with pytest.raises(ValidationFailed) as refused:
            services.ticket_rate(actor=customer, ticket=resolved, score=score, comment="changed")
        assert list(refused.value.errors) == ["score"]
        rating = SatisfactionRating.objects.get()
        assert (rating.score, rating.comment) == (3, "ok")
        assert version(resolved) == before and len(rated_events(resolved)) == 1

    def test_a_comment_longer_than_2000_characters_is_refused(self, resolved, customer):
        with pytest.raises(ValidationFailed) as refused:
            services.ticket_rate(actor=customer, ticket=resolved, score=2, comment="x" * 2001)
        assert list(refused.value.errors) == ["comment"]
        assert services.ticket_rate(actor=customer, ticket=resolved, score=2, comment="x" * 2000).comment == "x" * 2000

    def test_the_database_refuses_a_score_outside_one_to_five(self, resolved):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            SatisfactionRating.objects.create(ticket=resolved, score=6)


@pytest.mark.django_db
class TestRatingAgain:
    def test_a_second_rating_replaces_the_first(self, resolved, customer):
        start = timezone.now()
        services.ticket_rate(actor=customer, ticket=resolved, score=4, comment="Good", now=start)
        later = start + timedelta(days=1)
        services.ticket_rate(actor=customer, ticket=resolved, score=2, comment="It broke again", now=later)
        rating = SatisfactionRating.objects.get()
        assert (rating.score, rating.comment, rating.created_at, rating.updated_at) == (
            2,
            "It broke again",
            start,
            later,
        )
        assert [(e.old_value, e.new_value) for e in rated_events(resolved)] == [("", "4"), ("4", "2")]

    def test_the_same_answer_again_changes_nothing(self, resolved, customer):
        services.ticket_rate(actor=customer, ticket=resolved, score=5, comment="Great")
        before = version(resolved)
        services.ticket_rate(actor=customer, ticket=resolved, score=5, comment=" Great ")
        assert version(resolved) == before and len(rated_events(resolved)) == 1
