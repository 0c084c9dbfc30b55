"""The access module against PRODUCT.md's permission table, role by role."""

import pytest

from accounts.tests.factories import UserFactory
from tickets import access
from tickets.selectors import tickets_visible_to
from tickets.tests.factories import CommentFactory, TicketFactory

ROLES = ["customer", "other_customer", "agent", "other_agent", "team_lead", "manager", "admin_user"]


@pytest.fixture
def people(customer, other_customer, agent, other_agent, team_lead, manager, admin_user, team, other_team):
    return {name: value for name, value in locals().items() if name in ROLES}


@pytest.fixture
def ticket(customer, team):
    """The customer's ticket, in the Support team (agent and team_lead), unassigned."""
    return TicketFactory(requester=customer, organization=customer.organization, team=team)


def who(people, predicate):
    return {name for name, user in people.items() if predicate(user)}


@pytest.mark.django_db
class TestTicketRights:
    def test_view(self, people, ticket):
        expected = {"customer", "agent", "other_agent", "team_lead", "manager", "admin_user"}
        assert who(people, lambda u: access.can_view_ticket(u, ticket)) == expected
        assert who(people, lambda u: tickets_visible_to(u).filter(pk=ticket.pk).exists()) == expected

    def test_edit_unassigned_team_ticket(self, people, ticket):
        assert who(people, lambda u: access.can_edit_ticket(u, ticket)) == {
            "agent",
            "team_lead",
            "manager",
            "admin_user",
        }

    def test_edit_ticket_assigned_to_someone_else(self, people, ticket, other_agent):
        ticket.assignee = other_agent
        assert who(people, lambda u: access.can_edit_ticket(u, ticket)) == {
            "other_agent",
            "team_lead",
            "manager",
            "admin_user",
        }

    def test_assign_to_self(self, people, ticket):
        assert who(people, lambda u: access.can_assign(u, ticket, u)) == {
            "agent",
            "other_agent",
            "team_lead",
            "manager",
            "admin_user",
        }

    def test_assign_to_a_support_agent(self, people, ticket, agent):
        assert who(people, lambda u: access.can_assign(u, ticket, agent)) == {
            "agent",
            "team_lead",
            "manager",
            "admin_user",
        }

    def test_assign_to_an_agent_of_another_team(self, people, ticket, other_agent):
        assert who(people, lambda u: access.can_assign(u, ticket, other_agent)) == {
            "other_agent",
            "manager",
            "admin_user",
        }

    def test_status_changes(self, people, ticket):
        staff = {"agent", "other_agent", "team_lead", "manager", "admin_user"}
        assert who(people, lambda u: access.can_change_status(u, ticket, "closed")) == staff
        assert who(people, lambda u: access.can_change_status(u, ticket, "reopened")) == staff | {"customer"}

    def test_delete_and_internal_notes(self, people, ticket):
        assert who(people, lambda u: access.can_delete_ticket(u, ticket)) == {"admin_user"}
        assert who(people, access.can_see_internal) == {"agent", "other_agent", "team_lead", "manager", "admin_user"}


@pytest.mark.django_db
class TestCustomerScope:
    def test_organization_sharing_opens_colleagues_tickets(self, customer, org):
        colleague = UserFactory(organization=org)
        theirs = TicketFactory(requester=colleague, organization=org)
        assert not access.can_view_ticket(customer, theirs)
        org.shares_tickets = True
        org.save()
        customer.refresh_from_db()
        assert access.can_view_ticket(customer, theirs)
        assert list(tickets_visible_to(customer)) == [theirs]

    def test_inactive_and_anonymous_users_see_nothing(self, customer, ticket):
        from django.contrib.auth.models import AnonymousUser

        customer.is_active = False
        assert not access.can_view_ticket(customer, ticket)
        assert not tickets_visible_to(customer).exists()
        assert not tickets_visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("visibility", "expected"),
    [("all", {"team", "assigned", "elsewhere"}), ("team", {"team", "assigned"}), ("assigned", {"assigned"})],
)
def test_agent_visibility_setting(settings, agent, team, other_team, visibility, expected):
    settings.AGENT_TICKET_VISIBILITY = visibility
    tickets = {
        "team": TicketFactory(team=team),
        "assigned": TicketFactory(team=other_team, assignee=agent),
        "elsewhere": TicketFactory(team=other_team),
    }
    assert {name for name, t in tickets.items() if access.can_view_ticket(agent, t)} == expected
    visible = set(tickets_visible_to(agent).values_list("pk", flat=True))
    assert {name for name, t in tickets.items() if t.pk in visible} == expected


@pytest.mark.django_db
def test_comment_rights(customer, agent, admin_user, ticket):
    note = CommentFactory(ticket=ticket, author=agent, is_internal=True)
    reply = CommentFactory(ticket=ticket, author=customer)
    assert not access.can_view_comment(customer, note)
    assert access.can_view_comment(customer, reply)
    assert access.can_edit_comment(customer, reply) and not access.can_edit_comment(admin_user, reply)
    assert access.can_delete_comment(admin_user, reply) and not access.can_delete_comment(agent, reply)
