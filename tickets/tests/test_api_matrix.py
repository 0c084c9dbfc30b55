"""The authorization matrix: every endpoint, called by every role, answers as PRODUCT.md says.

The world: the customer's open ticket in the Support team (agent and team lead
are members), unassigned, with one public reply and one file by the customer.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from tickets import services
from tickets.choices import Status
from tickets.tests.factories import category

ROLES = ["anonymous", "customer", "other_customer", "agent", "team_lead", "manager", "admin_user"]


@dataclass
class Case:
    method: str
    path: str
    expected: tuple[int, ...]  # one status per role, in ROLES order
    body: dict = field(default_factory=dict)
    ticket_status: str = Status.OPEN
    multipart: bool = False


def staff_only(ok: int) -> tuple[int, ...]:
    return (401, 403, 403, ok, ok, ok, ok)


def admin_only(ok: int) -> tuple[int, ...]:
    return (401, 403, 403, 403, 403, 403, ok)


def ticket_readers(ok: int) -> tuple[int, ...]:
    """Everyone who may see the ticket; the other customer must not learn it exists."""
    return (401, ok, 404, ok, ok, ok, ok)


def ticket_staff(ok: int) -> tuple[int, ...]:
    return (401, 403, 404, ok, ok, ok, ok)


CASES = {
    "list tickets": Case("get", "/api/v1/tickets", (401, 200, 200, 200, 200, 200, 200)),
    "create ticket": Case(
        "post", "/api/v1/tickets", (401, 201, 201, 201, 201, 201, 201), {"subject": "New", "category": "general"}
    ),
    "get ticket": Case("get", "/api/v1/tickets/{ticket}", ticket_readers(200)),
    "patch ticket": Case("patch", "/api/v1/tickets/{ticket}", ticket_staff(200), {"subject": "Edited"}),
    "put ticket": Case("put", "/api/v1/tickets/{ticket}", ticket_staff(200), {"subject": "Replaced"}),
    "delete ticket": Case("delete", "/api/v1/tickets/{ticket}", (401, 403, 404, 403, 403, 403, 204)),
    "assign": Case("post", "/api/v1/tickets/{ticket}/assign", ticket_staff(200), {"assignee_id": "{agent}"}),
    "assign put": Case("put", "/api/v1/tickets/{ticket}/assign", ticket_staff(200), {"assignee_id": "{agent}"}),
    "status": Case("patch", "/api/v1/tickets/{ticket}/status", ticket_staff(200), {"status": "in_progress"}),
    "status put": Case("put", "/api/v1/tickets/{ticket}/status", ticket_staff(200), {"status": "pending"}),
    "priority": Case("put", "/api/v1/tickets/{ticket}/priority", ticket_staff(200), {"priority": "high"}),
    "resolve": Case("post", "/api/v1/tickets/{ticket}/resolve", ticket_readers(200), {"resolution_notes": "Done"}),
    "close": Case("post", "/api/v1/tickets/{ticket}/close", ticket_staff(200)),
    "reopen": Case(
        "post",
        "/api/v1/tickets/{ticket}/reopen",
        ticket_readers(200),
        {"reason": "Back"},
        ticket_status=Status.RESOLVED,
    ),
    "escalate": Case("post", "/api/v1/tickets/{ticket}/escalate", ticket_staff(200)),
    "history": Case("get", "/api/v1/tickets/{ticket}/history", ticket_readers(200)),
    "list comments": Case("get", "/api/v1/tickets/{ticket}/comments", ticket_readers(200)),
    "public reply": Case("post", "/api/v1/tickets/{ticket}/comments", ticket_readers(201), {"body": "Hello"}),
    "internal note": Case(
        "post",
        "/api/v1/tickets/{ticket}/comments",
        (401, 403, 404, 201, 201, 201, 201),
        {"body": "Psst", "is_internal": True},
    ),
    "get comment": Case("get", "/api/v1/comments/{comment}", ticket_readers(200)),
    "edit comment": Case(
        "patch", "/api/v1/comments/{comment}", (401, 200, 404, 403, 403, 403, 403), {"body": "Edited"}
    ),
    "replace comment": Case(
        "put", "/api/v1/comments/{comment}", (401, 200, 404, 403, 403, 403, 403), {"body": "Edited"}
    ),
    "delete comment": Case("delete", "/api/v1/comments/{comment}", (401, 204, 404, 403, 403, 403, 204)),
    "list attachments": Case("get", "/api/v1/tickets/{ticket}/attachments", ticket_readers(200)),
    "upload": Case("post", "/api/v1/tickets/{ticket}/attachments", ticket_readers(201), multipart=True),
    "download": Case("get", "/api/v1/attachments/{attachment}", ticket_readers(200)),
    "delete attachment": Case("delete", "/api/v1/attachments/{attachment}", (401, 204, 404, 403, 403, 403, 204)),
    "me": Case("get", "/api/v1/auth/me", (401, 200, 200, 200, 200, 200, 200)),
    "list users": Case("get", "/api/v1/users", staff_only(200)),
    "get user": Case("get", "/api/v1/users/{customer}", staff_only(200)),
    "create user": Case(
        "post",
        "/api/v1/users",
        admin_only(201),
        {"email": "new@example.com", "role": "agent", "password": "a-long-enough-password"},
    ),
    "edit user": Case("patch", "/api/v1/users/{customer}", admin_only(200), {"full_name": "Renamed"}),
    "deactivate user": Case("delete", "/api/v1/users/{outsider}", admin_only(204)),
    "list agents": Case("get", "/api/v1/agents", staff_only(200)),
    "agent's tickets": Case("get", "/api/v1/agents/{agent}/tickets", staff_only(200)),
    "list teams": Case("get", "/api/v1/teams", staff_only(200)),
    "create team": Case("post", "/api/v1/teams", admin_only(201), {"name": "Billing desk"}),
    "list organizations": Case("get", "/api/v1/organizations", staff_only(200)),
    "create organization": Case("post", "/api/v1/organizations", admin_only(201), {"name": "Initech"}),
    "list SLA policies": Case("get", "/api/v1/sla/policies", staff_only(200)),
    "list calendars": Case("get", "/api/v1/sla/calendars", staff_only(200)),
    "create calendar": Case(
        "post",
        "/api/v1/sla/calendars",
        admin_only(201),
        {
            "name": "Office",
            "time_zone": "Europe/Paris",
            "hours": [{"weekday": 0, "starts_at": "09:00", "ends_at": "17:00"}],
        },
    ),
    "create SLA policy": Case(
        "post",
        "/api/v1/sla/policies",
        admin_only(201),
        {
            "name": "Gold",
            "position": 1,
            "targets": [{"priority": "urgent", "first_response_minutes": 15, "resolution_minutes": 120}],
        },
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(CASES))
def test_authorization_matrix(
    request, api, name, role, customer, other_customer, agent, team_lead, manager, admin_user, team
):
    case = CASES[name]
    ticket = services.ticket_create(actor=customer, subject="Printer jam", category=category(), team=None)
    ticket.team = team
    ticket.save(update_fields=["team"])
    services.ticket_transition(actor=admin_user, ticket=ticket, to_status=Status.OPEN)
    # Before the resolution: the requester's reply on a resolved ticket would reopen it.
    comment = services.comment_add(actor=customer, ticket=ticket, body="More details")
    if case.ticket_status == Status.RESOLVED:
        services.ticket_resolve(actor=admin_user, ticket=ticket)
    attachment = services.attachment_add(
        actor=customer, ticket=ticket, upload=SimpleUploadedFile("details.txt", b"the details\n")
    )
    outsider = UserFactory(email="someone@example.com")
    ids = {
        "ticket": ticket.pk,
        "comment": comment.pk,
        "attachment": attachment.pk,
        "agent": agent.pk,
        "customer": customer.pk,
        "outsider": outsider.pk,
    }

    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = api(user)
    path = case.path.format(**ids)
    body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in case.body.items()}
    if case.multipart:
        body = {"file": SimpleUploadedFile("log.txt", b"line\n", content_type="text/plain")}
        response = client.post(path, body, format="multipart")
    else:
        response = getattr(client, case.method)(path, body, format="json")

    expected = case.expected[ROLES.index(role)]
    assert response.status_code == expected, (name, role, getattr(response, "data", None))
    if expected >= 400:
        body = response.json()
        assert body["status"] == "error"
        assert body["code"] == {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[expected]
