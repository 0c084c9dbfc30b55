"""The Zendesk fake driven by zenpy, a real public client: if zenpy can create, show, update, list,
search and page through it, the fake is faithful enough to build our client against."""

from __future__ import annotations

import base64
import http.client
import json
import time
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Organization, Ticket, TicketAudit, User
from zenpy.lib.exception import RecordNotFoundException

from fakes.zendesk import FakeZendesk

EMAIL, API_TOKEN = "agent@acme.example.com", "api-token-1"


class Answer(NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: Any


def basic(email: str = EMAIL, token: str = API_TOKEN) -> str:
    return "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()


def call(
    fake: FakeZendesk,
    method: str,
    path: str,
    body: Any = None,
    *,
    auth: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5,
) -> Answer:
    """One raw request to the fake (basic auth as EMAIL unless `auth` says otherwise)."""
    sent = {"Authorization": auth or basic(), **(headers or {})}
    if auth == "":
        del sent["Authorization"]
    data = body
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    parsed = json.loads(raw) if raw and "json" in (response.getheader("Content-Type") or "") else raw
    return Answer(response.status, response.headers, parsed)


@pytest.fixture
def fake():
    with FakeZendesk(subdomain="acme") as server:
        server.add_api_token(EMAIL, API_TOKEN)
        yield server
    assert server.server_errors == []


@pytest.fixture
def zenpy_env(fake, monkeypatch):
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", f"127.0.0.1:{fake.port}")
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")


@pytest.fixture
def zenpy(zenpy_env):
    return Zenpy(subdomain="acme", email=EMAIL, token=API_TOKEN, disable_cache=True)


def paths(fake: FakeZendesk, method: str = "GET") -> list[str]:
    return [r.path for r in fake.requests if r.method == method]


def params(path: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


def test_zenpy_creates_a_ticket_and_gets_ticket_and_audit(fake, zenpy):
    audit = zenpy.tickets.create(
        Ticket(
            subject="Printer on fire",
            comment=Comment(body="Smoke everywhere.", public=True),
            priority="urgent",
            type="incident",
            tags=["Hardware", "fire"],
            requester=User(name="Bob Requester", email="Bob@Example.com"),
        )
    )

    assert isinstance(audit, TicketAudit)
    ticket = audit.ticket
    assert (ticket.id, ticket.status, ticket.priority, ticket.type) == (1, "new", "urgent", "incident")
    assert ticket.subject == ticket.raw_subject == "Printer on fire"
    assert ticket.description == "Smoke everywhere."
    assert ticket.tags == ["hardware", "fire"]
    bob = next(u for u in fake.users.values() if u["email"] == "bob@example.com")
    assert (ticket.requester_id, ticket.submitter_id, bob["role"]) == (bob["id"], bob["id"], "end-user")
    assert ticket.created_at == ticket.updated_at and ticket.created_at.endswith("Z")
    assert [e["type"] for e in audit.audit.events][:2] == ["Comment", "Create"]
    [comment] = fake.comments[1]
    assert (comment["author_id"], comment["public"], comment["body"]) == (bob["id"], True, "Smoke everywhere.")
    assert fake.counters["ticket_create"] == 1


def test_zenpy_shows_a_ticket_and_updates_it_with_a_private_comment(fake, zenpy):
    created = fake.create_ticket("Login fails", "I cannot log in.", requester_email="ann@example.com")

    ticket = zenpy.tickets(id=created["id"])
    assert (ticket.subject, ticket.status, ticket.requester.email) == ("Login fails", "new", "ann@example.com")
    ticket.status = "pending"
    ticket.comment = Comment(body="Which browser do you use?", public=False)
    audit = zenpy.tickets.update(ticket)

    assert isinstance(audit, TicketAudit)
    assert audit.ticket.status == "pending"
    assert audit.ticket.updated_at > created["updated_at"]
    sent = json.loads(fake.requests[-1].body)
    assert sent["ticket"]["comment"] == {"body": "Which browser do you use?", "public": False}
    comments = list(zenpy.tickets.comments(ticket=created["id"]))
    assert [(c.body, c.public, c.type) for c in comments] == [
        ("I cannot log in.", True, "Comment"),
        ("Which browser do you use?", False, "Comment"),
    ]
    assert comments[1].author_id == next(u["id"] for u in fake.users.values() if u["email"] == EMAIL)
    assert (
        comments[1].html_body == '<div class="zd-comment" dir="auto"><p dir="auto">Which browser do you use?</p></div>'
    )


def test_zenpy_lists_250_tickets_over_three_cursor_pages(fake, zenpy):
    for n in range(250):
        fake.create_ticket(f"Ticket {n}", "Body")

    tickets = list(zenpy.tickets())

    assert [t.id for t in tickets] == list(range(1, 251))
    listed = [p for p in paths(fake) if p.startswith("/api/v2/tickets")]
    assert len(listed) == 3
    assert params(listed[0]) == {"page[size]": "100"}
    assert all(params(p).keys() == {"page[size]", "page[after]"} for p in listed[1:])


def test_zenpy_reads_130_comments_with_cursor_paging(fake, zenpy):
    ticket = fake.create_ticket("Chatty", "First")
    for n in range(130):
        fake.add_comment(ticket["id"], f"Reply {n}", public=n % 2 == 0)

    comments = list(zenpy.tickets.comments(ticket=ticket["id"]))

    assert [c.body for c in comments] == ["First"] + [f"Reply {n}" for n in range(130)]
    assert [c.public for c in comments[1:4]] == [True, False, True]
    listed = [p for p in paths(fake) if "/comments" in p]
    assert len(listed) == 2
    assert params(listed[0])["page[size]"] == "100" and "page[after]" in params(listed[1])


def test_zenpy_search_pages_by_next_page(fake, zenpy):
    for n in range(150):
        fake.create_ticket(f"Printer {n}" if n < 120 else f"Scanner {n}", "Out of toner", status="open")
    fake.create_ticket("Printer solved", "Done", status="solved")

    results = list(zenpy.search("printer", type="ticket", status="open"))

    assert len(results) == 120
    assert {type(r) for r in results} == {Ticket}
    assert all(r.subject.startswith("Printer") and r.status == "open" for r in results)
    searched = [p for p in paths(fake) if p.startswith("/api/v2/search")]
    assert len(searched) == 2 and params(searched[1])["page"] == "2"
    assert zenpy.search.count("printer", type="ticket") == 121


def test_zenpy_search_stops_at_the_1000_result_limit(fake, zenpy):
    for n in range(1050):
        fake.create_ticket(f"Bulk {n}", "Body", status="open")

    results = list(zenpy.search(type="ticket", status="open"))

    assert len(results) == 1000
    searched = [p for p in paths(fake) if p.startswith("/api/v2/search")]
    assert len(searched) == 11 and params(searched[-1])["page"] == "11"
    assert fake.counters["search"] == 10  # page 11 was refused with 422


def test_zenpy_search_export_pages_by_cursor(fake, zenpy):
    for n in range(130):
        fake.create_ticket(f"Export {n}", "Body", status="pending")

    results = list(zenpy.search_export(type="ticket", status="pending"))

    assert [r.id for r in results] == list(range(1, 131))
    exported = [p for p in paths(fake) if p.startswith("/api/v2/search/export")]
    assert len(exported) == 2
    assert params(exported[0]) == {"filter[type]": "ticket", "page[size]": "100", "query": "type:ticket status:pending"}
    assert params(exported[1])["page[after]"]


def test_zenpy_reads_the_incremental_export_to_the_end_and_resumes_from_its_cursor(fake, zenpy):
    start = int(time.time()) - 3600
    for n in range(25):
        fake.create_ticket(f"Old {n}", "Body", created_at=start + n)

    export = zenpy.tickets.incremental(start_time=start, per_page=10)
    tickets = list(export)

    assert [t.id for t in tickets] == list(range(1, 26))
    exported = [p for p in paths(fake) if "/incremental/" in p]
    assert params(exported[0]) == {"start_time": str(start), "per_page": "10"}
    assert len(exported) == 3 and all(params(p).keys() == {"cursor", "per_page"} for p in exported[1:])
    assert export.end_of_stream is True

    fake.add_comment(7, "An agent replied in Zendesk")
    changed = list(zenpy.tickets.incremental(cursor=export.after_cursor))
    assert [t.id for t in changed] == [7]
    assert changed[0].updated_at > tickets[6].updated_at


def test_zenpy_manages_users_and_organizations(fake, zenpy):
    org = zenpy.organizations.create(Organization(name="Globex", external_id="org-1"))
    user = zenpy.users.create(User(name="Carla", email="carla@globex.test", organization_id=org.id))

    assert zenpy.organizations(id=org.id).name == "Globex"
    shown = zenpy.users(id=user.id)
    assert (shown.email, shown.role, shown.organization_id) == ("carla@globex.test", "end-user", org.id)
    assert [u.id for u in zenpy.users.search("carla")] == [user.id]
    assert user.id in [u.id for u in zenpy.users()]
    assert zenpy.users.me().email == EMAIL
    assert [o.name for o in zenpy.search(type="organization", external_id="org-1")] == ["Globex"]


def test_zenpy_unknown_ticket_raises_record_not_found(zenpy):
    with pytest.raises(RecordNotFoundException) as raised:
        zenpy.tickets(id=999)

    assert json.loads(str(raised.value)) == {"error": "RecordNotFound", "description": "Not found"}


def test_zenpy_with_an_oauth_token_waits_out_retry_after_on_429(fake, zenpy_env):
    fake.add_oauth_client("helpdesk", "client-secret", "http://127.0.0.1/callback")
    tokens = fake.issue_tokens("helpdesk", scope="read write")
    client = Zenpy(subdomain="acme", oauth_token=tokens["access_token"], disable_cache=True)
    ticket = fake.create_ticket("Rate limited", "Body")
    fake.fail_next(429, retry_after=1, path_contains="/tickets/")

    began = time.monotonic()
    shown = client.tickets(id=ticket["id"])

    assert shown.subject == "Rate limited"
    assert time.monotonic() - began >= 1
    assert paths(fake) == [f"/api/v2/tickets/{ticket['id']}.json"] * 2
    assert fake.requests[0].headers["Authorization"] == f"Bearer {tokens['access_token']}"
    assert fake.counters["injected_failure"] == 1
