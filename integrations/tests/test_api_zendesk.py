"""Seed 001's Zendesk endpoints under /api/v1/integrations/zendesk/, against the fake Zendesk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection
from integrations.tests import zendesk_api_support as support
from integrations.tests.zendesk_api_support import (
    API_TOKEN,
    BASE,
    EMAIL,
    api,
    assert_no_secrets,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
fake, connection = support.fake, support.connection


def test_create_get_update_and_comment_on_a_ticket(fake, connection, agent):
    created = api(agent).post(
        f"{BASE}/tickets",
        {
            "subject": "VPN down",
            "comment": "Cannot connect since 9:00.",
            "priority": "high",
            "requester": {"name": "Cee", "email": "cee@example.com"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["subject"] == "VPN down" and ticket["priority"] == "high" and ticket["status"] == "new"
    assert set(ticket) == {
        "id",
        "subject",
        "description",
        "status",
        "priority",
        "type",
        "requester_id",
        "submitter_id",
        "assignee_id",
        "organization_id",
        "group_id",
        "tags",
        "external_id",
        "created_at",
        "updated_at",
    }
    url = f"{BASE}/tickets/{ticket['id']}"

    updated = api(agent).put(url, {"status": "open", "priority": "urgent", "tags": ["vpn"]}, format="json")
    assert updated.status_code == 200
    assert (updated.json()["status"], updated.json()["priority"], updated.json()["tags"]) == ("open", "urgent", ["vpn"])

    commented = api(agent).post(f"{url}/comments", {"body": "Looking into it.", "public": False}, format="json")
    assert commented.status_code == 201 and commented.json()["id"] == ticket["id"]

    shown = api(agent).get(url)
    assert shown.status_code == 200
    body = shown.json()
    assert body["status"] == "open" and body["description"] == "Cannot connect since 9:00."
    assert [(c["body"], c["public"]) for c in body["comments"]] == [
        ("Cannot connect since 9:00.", True),
        ("Looking into it.", False),
    ]
    assert fake.tickets[ticket["id"]]["priority"] == "urgent"
    assert not Ticket.objects.exists()  # the proxy endpoints touch Zendesk only
    assert_no_secrets(connection, created, updated, commented, shown)


def test_invalid_ticket_input_is_400_and_nothing_reaches_zendesk(fake, connection, agent):
    response = api(agent).post(f"{BASE}/tickets", {"subject": "", "priority": "P1"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and set(body["errors"]) == {"subject", "comment", "priority"}
    empty_update = api(agent).put(f"{BASE}/tickets/1", {}, format="json")
    assert empty_update.status_code == 400
    assert fake.counters["ticket_create"] == 0 and fake.counters["ticket_update"] == 0


def test_zendesk_refusing_an_update_of_a_closed_ticket_is_a_validation_error(fake, connection, agent):
    ticket = fake.create_ticket("Old", status="closed")
    response = api(agent).put(f"{BASE}/tickets/{ticket['id']}", {"subject": "New"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR" and "remote" in response.json()["errors"]


def test_unknown_ticket_is_404(fake, connection, agent):
    response = api(agent).get(f"{BASE}/tickets/424242")
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_ticket_list_pages_with_our_envelope_in_a_fixed_number_of_queries(
    fake, connection, agent, django_assert_max_num_queries
):
    for n in range(5):
        fake.create_ticket(f"Ticket {n}")
    client = api(agent)
    with django_assert_max_num_queries(2):
        first = client.get(f"{BASE}/tickets", {"page_size": 2}).json()
    assert [t["subject"] for t in first["results"]] == ["Ticket 0", "Ticket 1"]
    assert first["previous"] is None and first["next"]
    second = client.get(first["next"]).json()
    assert [t["subject"] for t in second["results"]] == ["Ticket 2", "Ticket 3"]
    assert second["previous"]
    third = client.get(second["next"]).json()
    assert [t["subject"] for t in third["results"]] == ["Ticket 4"] and third["next"] is None
    back = client.get(second["previous"]).json()
    assert [t["subject"] for t in back["results"]] == ["Ticket 0", "Ticket 1"]


def test_ticket_list_filters_go_through_search(fake, connection, agent):
    agent_user = fake.create_user("Ada", "ada@acme.test", role="agent")
    fake.create_ticket("Open high", status="open", priority="high", assignee_id=agent_user["id"])
    fake.create_ticket("Open low", status="open", priority="low")
    fake.create_ticket("Pending high", status="pending", priority="high")

    def subjects(**params):
        response = api(agent).get(f"{BASE}/tickets", params)
        assert response.status_code == 200, response.content
        return sorted(t["subject"] for t in response.json()["results"])

    assert subjects(status="open") == ["Open high", "Open low"]
    assert subjects(status="open,pending", priority="high") == ["Open high", "Pending high"]
    assert subjects(assignee=str(agent_user["id"])) == ["Open high"]
    bad = api(agent).get(f"{BASE}/tickets", {"status": "solvedish"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"status"}


def test_search_tickets(fake, connection, agent):
    fake.create_ticket("Printer on fire", "Smoke everywhere")
    fake.create_ticket("Mouse broken")
    response = api(agent).get(f"{BASE}/search/tickets", {"query": "printer"})
    assert response.status_code == 200
    assert [t["subject"] for t in response.json()["results"]] == ["Printer on fire"]
    assert api(agent).get(f"{BASE}/search/tickets").status_code == 400


def test_users_list_get_and_create(fake, connection, manager, django_assert_max_num_queries):
    fake.create_user("Ada", "ada@acme.test", role="agent")
    with django_assert_max_num_queries(2):
        listed = api(manager).get(f"{BASE}/users", {"role": "agent"})
    assert listed.status_code == 200
    assert [u["email"] for u in listed.json()["results"]] == ["ada@acme.test"]
    assert set(listed.json()["results"][0]) == {
        "id",
        "name",
        "email",
        "role",
        "organization_id",
        "active",
        "created_at",
        "updated_at",
    }

    created = api(manager).post(f"{BASE}/users", {"name": "Bea", "email": "bea@example.com"}, format="json")
    assert created.status_code == 201
    assert created.json()["role"] == "end-user" and created.json()["email"] == "bea@example.com"
    shown = api(manager).get(f"{BASE}/users/{created.json()['id']}")
    assert shown.status_code == 200 and shown.json()["name"] == "Bea"
    assert api(manager).post(f"{BASE}/users", {"name": "No mail"}, format="json").status_code == 400


def test_organizations_list_and_get(fake, connection, manager, django_assert_max_num_queries):
    org = fake.create_organization("Acme Corp", domain_names=["acme.test"])
    with django_assert_max_num_queries(2):
        listed = api(manager).get(f"{BASE}/organizations")
    assert listed.status_code == 200
    assert [o["name"] for o in listed.json()["results"]] == ["Acme Corp"]
    shown = api(manager).get(f"{BASE}/organizations/{org['id']}").json()
    assert shown["name"] == "Acme Corp" and shown["domain_names"] == ["acme.test"]


def test_analytics_counts_the_periods_tickets_by_status_and_priority(fake, connection, manager):
    now = timezone.now()
    fake.create_ticket("Old", created_at=now - timedelta(days=60))
    fake.create_ticket("A", status="open", priority="high", created_at=now - timedelta(days=2))
    fake.create_ticket("B", status="solved", priority="high", created_at=now - timedelta(days=1))
    fake.create_ticket("C", priority="low", created_at=now)

    response = api(manager).get(f"{BASE}/analytics/tickets")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"]["total"] == 3 and body["solved"] == 1
    assert body["created"]["by_status"] == {"new": 1, "open": 1, "pending": 0, "hold": 0, "solved": 1, "closed": 0}
    assert body["created"]["by_priority"] == {"low": 1, "normal": 0, "high": 2, "urgent": 0, "none": 0}
    assert body["resolution_rate"] == pytest.approx(0.3333, abs=1e-4) and body["truncated"] is False
    assert body["period_to"] == timezone.localdate().isoformat()
    bad = api(manager).get(f"{BASE}/analytics/tickets", {"from": "2026-02-01", "to": "2026-01-01"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"from"}


def test_health_times_a_call_and_shows_no_secret(fake, connection, agent):
    response = api(agent).get(f"{BASE}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy" and body["remote"]["ok"] is True
    assert body["remote"]["user_id"] == fake.admin_id and body["remote"]["elapsed_ms"] >= 0
    assert body["connection"]["id"] == connection.pk and body["connection"]["health"] == "never_synced"
    assert_no_secrets(connection, response)


def test_health_with_a_refused_api_token_is_unhealthy_without_the_token(fake, agent):
    connection = Connection.objects.create(
        name="Tokened",
        provider="zendesk",
        base_url_override=fake.base_url,
        auth_method="api_token",
        api_email=EMAIL,
        api_token=API_TOKEN,
    )
    response = api(agent).get(f"{BASE}/health")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "unhealthy" and body["remote"]["ok"] is False
    assert_no_secrets(connection, response)


def test_api_token_connections_work_too(fake, agent):
    fake.add_api_token(EMAIL, API_TOKEN)
    fake.create_ticket("Via token")
    Connection.objects.create(
        name="Tokened",
        provider="zendesk",
        base_url_override=fake.base_url,
        auth_method="api_token",
        api_email=EMAIL,
        api_token=API_TOKEN,
    )
    response = api(agent).get(f"{BASE}/tickets")
    assert [t["subject"] for t in response.json()["results"]] == ["Via token"]


def test_zendesk_failures_map_to_our_codes(fake, connection, agent):
    fake.fail_next(429, retry_after=120)
    throttled = api(agent).get(f"{BASE}/tickets")
    assert throttled.status_code == 429 and throttled["Retry-After"] == "120"
    assert throttled.json()["code"] == "THROTTLED"

    fake.fail_next(503)  # a create is not repeated after a 5xx: it may have been applied
    failed = api(agent).post(f"{BASE}/tickets", {"subject": "S", "comment": "C"}, format="json")
    assert failed.status_code == 500 and failed.json()["code"] == "INTERNAL_ERROR"
    assert "Zendesk connection 'Acme'" in failed.json()["message"]

    fake.expire_refresh_tokens()
    fake.expire_access_tokens()
    refused = api(agent).get(f"{BASE}/tickets/1")
    assert refused.status_code == 409 and refused.json()["code"] == "CONFLICT"
    assert "reconnect" in refused.json()["message"].lower()
    assert_no_secrets(connection, throttled, failed, refused)


def test_connection_must_be_a_zendesk_one(fake, connection, agent):
    zoho = Connection.objects.create(name="Z", provider="zoho", org_id="1", department_id="2", is_active=False)
    response = api(agent).get(f"{BASE}/tickets", {"connection": zoho.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {"connection": [f"There is no Zendesk connection with id {zoho.pk}."]}
    assert api(agent).get(f"{BASE}/tickets", {"connection": connection.pk}).status_code == 200
