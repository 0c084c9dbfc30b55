"""Seed 000's endpoints, /api/v1/integrations/zoho/requests, against the fake Zoho Desk."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from fakes.zoho import FakeZoho
from integrations.models import Connection, RemoteLink, SyncLogEntry
from tickets.models import Category, Ticket

CLIENT_ID, CLIENT_SECRET = "1000.HELPDESK", "zoho-client-secret-0123456789"
URL = "/api/v1/integrations/zoho/requests"
BODY = {
    "subject": "Printer not working",
    "description": "The main office printer shows a paper jam error.",
    "requesteremail": "employee@company.com",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # Zoho's mint record lives there
    yield
    cache.clear()


@pytest.fixture
def fake():
    with FakeZoho() as server:
        server.add_client(CLIENT_ID, CLIENT_SECRET)
        yield server


@pytest.fixture
def connection(fake):
    return Connection.objects.create(
        name="Acme Zoho",
        provider="zoho",
        base_url_override=fake.base_url,
        org_id=fake.org_id,
        department_id=fake.department_id,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=fake.add_refresh_token(CLIENT_ID),
    )


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def secrets_of(connection: Connection) -> list[str]:
    connection.refresh_from_db()
    return [s for s in (str(connection.access_token), str(connection.refresh_token), CLIENT_SECRET) if s]


def test_create_opens_the_local_ticket_and_the_zoho_ticket_and_answers_seed_000s_body(fake, connection, agent):
    response = api(agent).post(URL, BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    link = RemoteLink.objects.get(connection=connection)
    assert body == {"message": "Ticket created successfully", "zohoticketid": link.remote_id, "number": ticket.number}
    assert ticket.channel == "zoho" and ticket.subject == BODY["subject"]
    assert ticket.requester.email == "employee@company.com" and ticket.requester.role == "customer"
    assert link.ticket == ticket and link.connection == connection and link.push_state == "synced"
    remote = fake.get_ticket(link.remote_id)
    assert remote["subject"] == BODY["subject"] and remote["description"] == BODY["description"]
    assert remote["email"] == "employee@company.com"
    assert SyncLogEntry.objects.get(connection=connection, action="push_ticket").outcome == "ok"
    for secret in secrets_of(connection):
        assert secret not in response.content.decode()


def test_invalid_input_answers_400_per_field_and_creates_nothing(fake, connection, agent):
    response = api(agent).post(URL, {"subject": "", "requesteremail": "not-an-email"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["code"] == "VALIDATION_ERROR"
    assert set(body["errors"]) == {"subject", "requesteremail"}
    assert not Ticket.objects.exists() and not RemoteLink.objects.exists()
    assert fake.counters["ticket_create"] == 0


def test_no_connection_is_a_validation_error_before_anything_is_created(agent):
    response = api(agent).post(URL, BODY, format="json")
    assert response.status_code == 400
    message = "There is no active Zoho Desk connection; an admin must add one."
    assert response.json()["errors"] == {"connection": [message]}
    assert not Ticket.objects.exists()


def test_several_connections_need_the_connection_parameter(fake, connection, agent):
    other = Connection.objects.create(
        name="Other Zoho",
        provider="zoho",
        base_url_override=fake.base_url,
        org_id=fake.org_id,
        department_id=fake.department_id,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    assert api(agent).post(URL, BODY, format="json").json()["errors"]["connection"][0].startswith("There are several")
    response = api(agent).post(f"{URL}?connection={connection.pk}", BODY, format="json")
    assert response.status_code == 201
    assert RemoteLink.objects.get(connection=connection).remote_id == response.json()["zohoticketid"]
    assert not RemoteLink.objects.filter(connection=other).exclude(remote_id="").exists()
    assert fake.counters["ticket_create"] == 1


def test_zoho_refusing_the_credentials_keeps_the_local_ticket_and_says_so(fake, connection, agent):
    fake.revoke_refresh_token(str(connection.refresh_token))

    response = api(agent).post(URL, BODY, format="json")

    assert response.status_code == 409
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["code"] == "CONFLICT"
    assert body["message"].startswith(f"Ticket {ticket.number} was opened here but not in Zoho Desk:")
    assert "reconnect" in body["message"].lower()
    assert RemoteLink.objects.get(connection=connection).push_state == "failed"


def test_get_answers_the_simplified_ticket_with_technician_and_comments(fake, connection, agent):
    created = api(agent).post(URL, BODY, format="json").json()
    remote_id = created["zohoticketid"]
    fake.update_ticket(remote_id, assigneeId=fake.agent_id)
    fake.add_comment(remote_id, "Paper removed, please retry.", is_public=True)

    response = api(agent).get(f"{URL}/{remote_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == remote_id and body["subject"] == BODY["subject"]
    assert body["status"] == "Open" and body["statusType"] == "Open"
    assert body["technician"] == "Ada Agent"
    assert body["number"] == created["number"]
    assert [(c["content"], c["commenter"], c["isPublic"]) for c in body["comments"]] == [
        ("Paper removed, please retry.", "Ada Agent", True)
    ]
    assert body["comments"][0]["commentedTime"]
    for secret in secrets_of(connection):
        assert secret not in response.content.decode()


def test_get_an_unassigned_ticket_without_comments(fake, connection, agent):
    remote = fake.create_ticket("Mouse broken", contact_email="cee@example.com")
    body = api(agent).get(f"{URL}/{remote['id']}/").json()
    assert body["technician"] is None and body["comments"] == [] and body["number"] is None


def test_get_an_unknown_ticket_is_404(fake, connection, agent):
    response = api(agent).get(f"{URL}/99999999")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_zoho_rate_limit_answers_429_with_retry_after(fake, connection, agent):
    remote = fake.create_ticket("Mouse broken")
    fake.fail_next(429, retry_after=120, path_contains="/tickets/")

    response = api(agent).get(f"{URL}/{remote['id']}")

    assert response.status_code == 429
    assert response.json()["code"] == "THROTTLED"
    assert response["Retry-After"] == "120"


@pytest.mark.parametrize("method", ["get", "post"])
def test_customers_get_403_and_anonymous_401(fake, connection, customer, method):
    url = URL if method == "post" else f"{URL}/1"
    assert getattr(api(customer), method)(url, BODY, format="json").status_code == 403
    response = getattr(api(), method)(url, BODY, format="json")
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"
    assert not Ticket.objects.exists()


def test_get_checks_the_linked_ticket_with_the_ticket_access_rules(fake, connection, agent, manager, settings):
    settings.AGENT_TICKET_VISIBILITY = "assigned"
    created = api(manager).post(URL, BODY, format="json").json()
    unlinked = fake.create_ticket("Mouse broken", contact_email="cee@example.com")
    reads_before = len(fake.requests)

    for remote_id in (created["zohoticketid"], unlinked["id"]):
        refused = api(agent).get(f"{URL}/{remote_id}")
        assert refused.status_code == 404 and refused.json()["code"] == "NOT_FOUND"
    assert len(fake.requests) == reads_before  # refused before asking Zoho

    Ticket.objects.filter(number=created["number"]).update(assignee=agent)
    assert api(agent).get(f"{URL}/{created['zohoticketid']}").json()["number"] == created["number"]
    assert api(manager).get(f"{URL}/{unlinked['id']}").status_code == 200
    settings.AGENT_TICKET_VISIBILITY = "all"
    assert api(agent).get(f"{URL}/{unlinked['id']}").status_code == 200


def test_without_a_general_category_the_first_active_one_is_used(fake, connection, agent):
    Category.objects.filter(slug="general").delete()
    response = api(agent).post(URL, BODY, format="json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().category == Category.objects.filter(is_active=True).order_by("position", "name")[0]


def test_no_active_category_is_a_conflict_and_creates_nothing(fake, connection, agent):
    Category.objects.update(is_active=False)
    response = api(agent).post(URL, BODY, format="json")
    assert response.status_code == 409 and response.json()["code"] == "CONFLICT"
    assert "category" in response.json()["message"]
    assert not Ticket.objects.exists() and not RemoteLink.objects.exists()


def test_customers_open_requests_for_themselves_only(fake, connection, customer):
    refused = api(customer).post(URL, BODY, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    assert not Ticket.objects.exists()

    mine = api(customer).post(URL, {**BODY, "requesteremail": customer.email.upper()}, format="json")
    assert mine.status_code == 201, mine.content
    ticket = Ticket.objects.get()
    assert ticket.requester == customer and ticket.channel == "zoho"
    assert RemoteLink.objects.get(ticket=ticket).remote_id == mine.json()["zohoticketid"]


def test_a_retry_with_the_same_idempotency_key_opens_one_ticket(fake, connection, agent):
    headers = {"Idempotency-Key": "retry-7f3c"}
    first = api(agent).post(URL, BODY, format="json", headers=headers)
    again = api(agent).post(URL, BODY, format="json", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1 and RemoteLink.objects.count() == 1
    assert len([r for r in fake.requests if r.method == "POST" and r.path.endswith("/tickets")]) == 1

    reused = api(agent).post(URL, {**BODY, "subject": "Another"}, format="json", headers=headers)
    assert reused.status_code == 409 and reused.json()["code"] == "CONFLICT"
    other = api(agent).post(URL, BODY, format="json", headers={"Idempotency-Key": "retry-8a1d"})
    assert other.status_code == 201 and Ticket.objects.count() == 2


def test_a_retry_with_the_key_finishes_a_request_whose_push_failed_on_the_same_ticket(fake, connection, agent):
    headers = {"Idempotency-Key": "retry-after-reconnect"}
    fake.revoke_refresh_token(str(connection.refresh_token))
    failed = api(agent).post(URL, BODY, format="json", headers=headers)
    assert failed.status_code == 409 and Ticket.objects.count() == 1

    connection.refresh_token = fake.add_refresh_token(CLIENT_ID)  # an admin reconnects
    connection.save()
    finished = api(agent).post(URL, BODY, format="json", headers=headers)
    again = api(agent).post(URL, BODY, format="json", headers=headers)

    ticket = Ticket.objects.get()
    assert finished.status_code == again.status_code == 201
    assert finished.json()["number"] == ticket.number and again.json() == finished.json()
    assert again["Idempotent-Replayed"] == "true"
    assert RemoteLink.objects.get(ticket=ticket).remote_id == finished.json()["zohoticketid"]
    assert fake.counters["ticket_create"] == 1
