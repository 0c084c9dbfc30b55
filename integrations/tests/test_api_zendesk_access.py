"""Who may use seed 001's Zendesk endpoints: a remote ticket is checked as its local twin,
the desk's people and figures are for managers and admins."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from integrations.models import RemoteLink
from integrations.tests import zendesk_api_support as support
from integrations.tests.zendesk_api_support import (
    BASE,
    api,
)
from tickets.services import ticket_create
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db
fake, connection = support.fake, support.connection


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tickets"),
        ("post", "/tickets"),
        ("get", "/tickets/1"),
        ("put", "/tickets/1"),
        ("post", "/tickets/1/comments"),
        ("get", "/users"),
        ("post", "/users"),
        ("get", "/users/1"),
        ("get", "/organizations"),
        ("get", "/organizations/1"),
        ("get", "/search/tickets"),
        ("get", "/analytics/tickets"),
        ("get", "/health"),
    ],
)
def test_customers_get_403_and_anonymous_401(fake, connection, customer, method, path):
    assert getattr(api(customer), method)(f"{BASE}{path}", {}, format="json").status_code == 403
    assert getattr(api(), method)(f"{BASE}{path}", {}, format="json").status_code == 401
    assert not [r for r in fake.requests if urlsplit(r.path).path.startswith("/api/v2/")]


def linked_ticket(fake, connection, actor, *, assignee=None, subject="Linked"):
    """A remote ticket linked to a local one (as a push or a pull leaves it): (remote id, local ticket)."""
    local = ticket_create(actor=actor, subject=subject, category=category(), assignee=assignee)
    remote = fake.create_ticket(subject)
    RemoteLink.objects.update_or_create(
        connection=connection, ticket=local, defaults={"remote_id": str(remote["id"]), "push_state": "synced"}
    )
    return remote["id"], local


def test_agents_restricted_to_assigned_tickets_get_404_on_remote_tickets_they_may_not_see(
    fake, connection, agent, other_agent, manager, settings
):
    settings.AGENT_TICKET_VISIBILITY = "assigned"
    theirs, _ = linked_ticket(fake, connection, manager, assignee=other_agent, subject="Theirs")
    mine, _ = linked_ticket(fake, connection, manager, assignee=agent, subject="Mine")
    unlinked = fake.create_ticket("Nobody's here")["id"]
    writes_before = len([r for r in fake.requests if r.method != "GET"])

    for remote_id in (theirs, unlinked):
        read = api(agent).get(f"{BASE}/tickets/{remote_id}")
        assert read.status_code == 404 and read.json()["code"] == "NOT_FOUND"
        assert api(agent).put(f"{BASE}/tickets/{remote_id}", {"priority": "low"}, format="json").status_code == 404
        comment = {"body": "Looking.", "public": False}
        assert api(agent).post(f"{BASE}/tickets/{remote_id}/comments", comment, format="json").status_code == 404
    assert len([r for r in fake.requests if r.method != "GET"]) == writes_before

    assert api(agent).get(f"{BASE}/tickets/{mine}").status_code == 200
    assert api(agent).put(f"{BASE}/tickets/{mine}", {"priority": "low"}, format="json").status_code == 200
    listed = api(agent).get(f"{BASE}/tickets").json()["results"]
    assert [t["subject"] for t in listed] == ["Mine"]
    found = api(agent).get(f"{BASE}/search/tickets", {"query": "status:new"}).json()["results"]
    assert [t["subject"] for t in found] == ["Mine"]
    for user in (manager, other_agent):
        assert api(user).get(f"{BASE}/tickets/{theirs}").status_code == 200


def test_team_visibility_lets_agents_see_their_teams_linked_tickets_only(
    fake, connection, agent, manager, team, settings
):
    settings.AGENT_TICKET_VISIBILITY = "team"
    ours, local = linked_ticket(fake, connection, manager, subject="Team's")
    local.team = team
    local.save(update_fields=["team"])
    other, _ = linked_ticket(fake, connection, manager, subject="Elsewhere")
    assert api(agent).get(f"{BASE}/tickets/{ours}").status_code == 200
    assert api(agent).get(f"{BASE}/tickets/{other}").status_code == 404


def test_remote_tickets_not_linked_here_are_for_staff_who_see_every_ticket(
    fake, connection, agent, team_lead, manager, admin_user, settings
):
    unlinked = fake.create_ticket("Only on the desk")["id"]
    settings.AGENT_TICKET_VISIBILITY = "all"
    assert api(agent).get(f"{BASE}/tickets/{unlinked}").status_code == 200
    settings.AGENT_TICKET_VISIBILITY = "assigned"
    assert api(agent).get(f"{BASE}/tickets/{unlinked}").status_code == 404
    for user in (team_lead, manager, admin_user):
        assert api(user).get(f"{BASE}/tickets/{unlinked}").status_code == 200
        assert api(user).put(f"{BASE}/tickets/{unlinked}", {"priority": "high"}, format="json").status_code == 200


def test_updating_a_linked_ticket_the_agent_may_see_but_not_edit_is_403(fake, connection, agent, other_agent, manager):
    theirs, _ = linked_ticket(fake, connection, manager, assignee=other_agent)
    assert api(agent).get(f"{BASE}/tickets/{theirs}").status_code == 200
    writes_before = len([r for r in fake.requests if r.method == "PUT"])
    refused = api(agent).put(f"{BASE}/tickets/{theirs}", {"priority": "low"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    assert len([r for r in fake.requests if r.method == "PUT"]) == writes_before
    comment = {"body": "Seen it.", "public": False}
    assert api(agent).post(f"{BASE}/tickets/{theirs}/comments", comment, format="json").status_code == 201
    assert api(manager).put(f"{BASE}/tickets/{theirs}", {"priority": "low"}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/users"),
        ("post", "/users"),
        ("get", "/users/1"),
        ("get", "/organizations"),
        ("get", "/organizations/1"),
        ("get", "/analytics/tickets"),
    ],
)
def test_the_desks_people_and_figures_are_for_managers_and_admins(
    fake, connection, agent, team_lead, manager, admin_user, method, path
):
    user = fake.create_user("Ada", "ada@acme.test", role="agent")
    org = fake.create_organization("Acme Corp")
    path = path.replace("/users/1", f"/users/{user['id']}").replace("/organizations/1", f"/organizations/{org['id']}")
    body = {"name": "Bea", "email": "bea@example.com"}
    for refused in (agent, team_lead):
        answer = getattr(api(refused), method)(f"{BASE}{path}", body, format="json")
        assert answer.status_code == 403 and answer.json()["code"] == "FORBIDDEN"
    for allowed, email in ((manager, "bea@example.com"), (admin_user, "cee@example.com")):
        answer = getattr(api(allowed), method)(f"{BASE}{path}", {**body, "email": email}, format="json")
        assert answer.status_code in (200, 201), answer.content
