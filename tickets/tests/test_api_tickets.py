"""The ticket endpoints: the seeds' own calls, filters, ordering, paging, ETags and errors."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tickets import services
from tickets.choices import Status
from tickets.models import EventKind, Ticket
from tickets.tests.factories import TicketFactory, category


def make(actor, subject="Printer jam", **kwargs):
    kwargs.setdefault("category", category(kwargs.pop("slug", "general")))
    return services.ticket_create(actor=actor, subject=subject, **kwargs)


@pytest.mark.django_db
class TestSeedExamples:
    def test_seed_002_register_login_create(self, api):
        client = api()
        registered = client.post(
            "/api/v1/auth/register",
            {"email": "user@example.com", "username": "user", "password": "SecurePass123!"},
            format="json",
        )
        assert registered.status_code == 201
        assert registered.json()["user"]["role"] == "customer"
        login = client.post(
            "/api/v1/auth/login", {"email": "user@example.com", "password": "SecurePass123!"}, format="json"
        )
        assert login.status_code == 200
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
        created = client.post(
            "/api/v1/tickets",
            {
                "subject": "Cannot login to account",
                "description": "I am unable to login since yesterday. Tried password reset.",
                "priority": "high",
                "category": "technical",
                "customer_email": "customer@example.com",
            },
            format="json",
        )
        assert created.status_code == 201
        body = created.json()
        assert body["number"].startswith("TICK-")
        assert (body["status"], body["priority"], body["category"]) == ("new", "high", "technical")
        assert body["requester"]["email"] == "user@example.com"  # a customer cannot file for someone else
        assert body["sla_policy"] == "Standard"
        assert created["Location"].endswith(f"/api/v1/tickets/{body['id']}")

    def test_seed_004_create_comment_assign_resolve(self, api, agent, team_lead, team):
        client = api(agent)
        created = client.post(
            "/api/v1/tickets",
            {
                "title": "Production database is down",
                "description": "The production PostgreSQL database is not responding.",
                "category": "INCIDENT",
                "priority": "P1",
                "environment": "PRODUCTION",
                "affected_service": "PostgreSQL Database",
                "impact_level": "CRITICAL",
                "tags": ["database", "production", "outage"],
            },
            format="json",
        )
        assert created.status_code == 201, created.json()
        ticket = created.json()
        assert (ticket["subject"], ticket["title"]) == ("Production database is down",) * 2
        assert (ticket["category"], ticket["priority"], ticket["environment"], ticket["impact_level"]) == (
            "incident",
            "urgent",
            "production",
            "critical",
        )
        assert sorted(ticket["tags"]) == ["database", "outage", "production"]
        assert ticket["sla_policy"] == "Incident"
        url = f"/api/v1/tickets/{ticket['id']}"

        comment = client.post(
            f"{url}/comments",
            {"content": "Investigating the issue.", "comment_type": "COMMENT", "is_internal": False},
            format="json",
        )
        assert comment.status_code == 201
        assert comment.json()["body"] == comment.json()["content"] == "Investigating the issue."

        assigned = api(team_lead).put(
            f"{url}/assign", {"assignee_id": agent.pk, "notes": "John has expertise in database issues"}, format="json"
        )
        assert assigned.status_code == 200, assigned.json()
        assert (assigned.json()["assignee"]["id"], assigned.json()["status"]) == (agent.pk, "open")

        resolved = client.post(f"{url}/resolve", {"resolution_notes": "Restarted the database service."}, format="json")
        assert resolved.status_code == 200
        assert (resolved.json()["status"], resolved.json()["resolution_notes"]) == (
            "resolved",
            "Restarted the database service.",
        )

    def test_seed_004_list_with_repeated_filters_and_priority_order(self, api, agent, customer):
        wanted = [
            make(customer, "a", priority="P2"),
            make(customer, "b", priority="P1"),
            make(customer, "c", priority="P1"),
        ]
        for ticket in wanted:
            services.ticket_transition(actor=agent, ticket=ticket, to_status="in_progress")
        services.ticket_transition(actor=agent, ticket=wanted[0], to_status="open")
        make(customer, "new one", priority="P1")  # status new: filtered out
        other = make(customer, "low one", priority="P4")
        services.ticket_transition(actor=agent, ticket=other, to_status="open")

        response = api(agent).get(
            "/api/v1/tickets?status=OPEN&status=IN_PROGRESS&priority=P1&priority=P2&sort_by=priority&order=asc"
        )
        assert response.status_code == 200
        rows = [(t["subject"], t["priority"]) for t in response.json()["results"]]
        assert rows[:2] in ([("c", "urgent"), ("b", "urgent")], [("b", "urgent"), ("c", "urgent")])
        assert rows[2] == ("a", "high")
        assert len(rows) == 3


@pytest.mark.django_db
class TestFilters:
    def test_comma_separated_values_and_unknown_value(self, api, agent, customer):
        make(customer, "x", priority="low")
        make(customer, "y", priority="urgent")
        make(customer, "z", priority="medium")
        response = api(agent).get("/api/v1/tickets?priority=low,URGENT")
        assert sorted(t["subject"] for t in response.json()["results"]) == ["x", "y"]
        bad = api(agent).get("/api/v1/tickets?priority=whenever")
        assert bad.status_code == 400
        assert bad.json()["code"] == "VALIDATION_ERROR"
        assert "priority" in bad.json()["errors"]

    def test_category_team_assignee_requester_tag(self, api, agent, customer, other_customer, team):
        a = make(customer, "a", slug="billing", tags=["vpn", "urgent-fix"])
        b = make(other_customer, "b", slug="technical", tags=["vpn"])
        services.ticket_assign(actor=agent, ticket=b, assignee=agent)
        Ticket.objects.filter(pk=a.pk).update(team=team)
        client = api(agent)

        def subjects(query):
            return sorted(t["subject"] for t in client.get(f"/api/v1/tickets?{query}").json()["results"])

        assert subjects("category=BILLING") == ["a"]
        assert subjects(f"team={team.pk}") == ["a"]
        assert subjects("assignee=me") == ["b"]
        assert subjects("assignee=none") == ["a"]
        assert subjects(f"requester={other_customer.pk}") == ["b"]
        assert subjects("tag=vpn") == ["a", "b"]  # once each, though a has two tags
        assert subjects("tag=vpn,urgent-fix") == ["a", "b"]

    def test_created_range_and_overdue(self, api, agent, customer):
        now = timezone.now()
        old = make(customer, "old", priority="urgent", now=now - timedelta(days=3))
        make(customer, "fresh", priority="low", now=now)
        client = api(agent)
        after = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        assert [t["subject"] for t in client.get(f"/api/v1/tickets?created_after={after}").json()["results"]] == [
            "fresh"
        ]
        assert [t["subject"] for t in client.get(f"/api/v1/tickets?created_before={after}").json()["results"]] == [
            "old"
        ]
        assert [t["subject"] for t in client.get("/api/v1/tickets?overdue=true").json()["results"]] == ["old"]
        assert [t["subject"] for t in client.get("/api/v1/tickets?overdue=false").json()["results"]] == ["fresh"]
        assert client.get(f"/api/v1/tickets/{old.pk}").json()["sla_state"] == "breached"

    def test_search_finds_words_and_numbers(self, api, agent, customer):
        vpn = make(customer, "VPN disconnects every hour", description="Happens on the office network")
        make(customer, "Invoice charged twice", description="Card statement attached")
        client = api(agent)
        assert [t["id"] for t in client.get("/api/v1/tickets?search=disconnects").json()["results"]] == [vpn.pk]
        assert [t["id"] for t in client.get("/api/v1/tickets?search=office network").json()["results"]] == [vpn.pk]
        assert [t["id"] for t in client.get(f"/api/v1/tickets?search={vpn.number}").json()["results"]] == [vpn.pk]
        assert client.get("/api/v1/tickets?search=kangaroo").json()["results"] == []

    def test_customer_lists_only_own_tickets(self, api, customer, other_customer):
        mine = make(customer, "mine")
        make(other_customer, "theirs")
        assert [t["id"] for t in api(customer).get("/api/v1/tickets").json()["results"]] == [mine.pk]

    @pytest.mark.parametrize("query", ["team=%25s%25d", "team=99999999999999999999999", "role=%25(x)s"])
    def test_odd_filter_values_are_handled_without_errors(self, api, agent, query):
        response = api(agent).get(f"/api/v1/tickets?{query}")
        assert response.status_code in (200, 400)
        assert response.json()["status" if response.status_code == 400 else "results"] is not None
        users = api(agent).get(f"/api/v1/users?{query.replace('team', 'organization')}")
        assert users.status_code in (200, 400), users.content

    def test_unknown_ordering_is_refused(self, api, agent):
        response = api(agent).get("/api/v1/tickets?ordering=password")
        assert response.status_code == 400
        assert "ordering" in response.json()["errors"]


@pytest.mark.django_db
class TestPaging:
    def test_cursor_pages_cover_everything_once_in_order(self, api, agent, customer):
        for index in range(23):
            TicketFactory(
                requester=customer,
                priority=["low", "urgent", "high"][index % 3],
                number=f"TICK-20260101-{index + 1:04d}",
            )
        client = api(agent)
        url = "/api/v1/tickets?ordering=priority,-number&page_size=5"
        seen, pages = [], 0
        while url:
            body = client.get(url).json()
            seen += [(t["priority"], t["number"]) for t in body["results"]]
            url, pages = body["next"], pages + 1
        assert pages == 5
        assert len(seen) == len(set(seen)) == 23
        rank = {"urgent": 1, "high": 2, "low": 4}
        assert seen == sorted(seen, key=lambda row: (rank[row[0]], [-ord(c) for c in row[1]]))

    def test_previous_link_goes_back(self, api, agent, customer):
        for index in range(7):
            TicketFactory(requester=customer, number=f"TICK-20260101-{index + 1:04d}")
        client = api(agent)
        first = client.get("/api/v1/tickets?ordering=number&page_size=3").json()
        assert first["previous"] is None
        second = client.get(first["next"]).json()
        back = client.get(second["previous"]).json()
        assert [t["number"] for t in back["results"]] == [t["number"] for t in first["results"]]

    def test_null_due_times_sort_last_and_page_cleanly(self, api, agent, customer):
        for index in range(6):
            TicketFactory(
                requester=customer,
                number=f"TICK-20260101-{index + 1:04d}",
                resolution_due_at=timezone.now() + timedelta(hours=index) if index % 2 else None,
            )
        client = api(agent)
        url, seen = "/api/v1/tickets?ordering=due&page_size=2", []
        while url:
            body = client.get(url).json()
            seen += [t["resolution_due_at"] for t in body["results"]]
            url = body["next"]
        assert len(seen) == 6
        assert seen[3:] == [None, None, None]
        assert seen[:3] == sorted(seen[:3])

    @pytest.mark.parametrize("query", ["page_size=0", "page_size=101", "page_size=x", "cursor=garbage"])
    def test_bad_paging_parameters(self, api, agent, query):
        response = api(agent).get(f"/api/v1/tickets?{query}")
        assert response.status_code == 400
        assert response.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db
class TestWrites:
    def test_etag_and_if_match(self, api, manager, customer):
        ticket = make(customer)
        client = api(manager)
        read = client.get(f"/api/v1/tickets/{ticket.pk}")
        assert read["ETag"] == '"1"'
        assert client.get(f"/api/v1/tickets/{ticket.pk}", HTTP_IF_NONE_MATCH='"1"').status_code == 304
        changed = client.patch(f"/api/v1/tickets/{ticket.pk}", {"subject": "First"}, format="json", HTTP_IF_MATCH='"1"')
        assert changed.status_code == 200
        assert changed["ETag"] == '"2"'
        stale = client.patch(f"/api/v1/tickets/{ticket.pk}", {"subject": "Second"}, format="json", HTTP_IF_MATCH='"1"')
        assert stale.status_code == 412
        assert stale.json()["code"] == "PRECONDITION_FAILED"
        ticket.refresh_from_db()
        assert (ticket.subject, ticket.version) == ("First", 2)
        for path, body in [
            ("status", {"status": "open"}),
            ("assign", {"assignee_id": manager.pk}),
            ("comments", {"body": "hi"}),
        ]:
            method = client.patch if path == "status" else client.post
            assert (
                method(f"/api/v1/tickets/{ticket.pk}/{path}", body, format="json", HTTP_IF_MATCH='"1"').status_code
                == 412
            )
        assert ticket.events.count() == 2

    def test_patch_routes_status_and_assignee_through_the_workflow(self, api, manager, agent, customer):
        ticket = make(customer)
        response = api(manager).patch(
            f"/api/v1/tickets/{ticket.pk}",
            {"priority": "urgent", "assignee_id": agent.pk, "status": "in_progress"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["priority"], body["assignee"]["id"], body["status"]) == ("urgent", agent.pk, "in_progress")
        kinds = list(Ticket.objects.get(pk=ticket.pk).events.values_list("kind", flat=True))
        assert kinds == [
            EventKind.CREATED,
            EventKind.PRIORITY_CHANGED,
            EventKind.ASSIGNED,
            EventKind.STATUS_CHANGED,
            EventKind.STATUS_CHANGED,
        ]

    def test_invalid_transition_lists_allowed_targets_and_changes_nothing(self, api, manager, customer):
        ticket = make(customer)
        response = api(manager).patch(f"/api/v1/tickets/{ticket.pk}/status", {"status": "resolved"}, format="json")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "INVALID_TRANSITION"
        assert body["allowed"] == ["open", "in_progress", "closed"]
        assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW

    def test_failed_patch_rolls_back_earlier_changes(self, api, manager, customer):
        ticket = make(customer)
        response = api(manager).patch(
            f"/api/v1/tickets/{ticket.pk}", {"subject": "Changed", "status": "resolved"}, format="json"
        )
        assert response.status_code == 409
        assert Ticket.objects.get(pk=ticket.pk).subject == "Printer jam"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"category": "general"}, "subject"),
            ({"subject": "x", "category": "gardening"}, "category"),
            ({"subject": "x", "priority": "P9"}, "priority"),
            ({"subject": "x", "environment": "moon"}, "environment"),
            ({"subject": "x" * 300}, "subject"),
            ({"subject": "x", "tags": "a" * 60}, "tags"),
        ],
    )
    def test_bad_create_input_is_refused_with_field_errors(self, api, customer, body, field):
        response = api(customer).post("/api/v1/tickets", body, format="json")
        assert response.status_code == 400
        payload = response.json()
        assert (payload["status"], payload["code"]) == ("error", "VALIDATION_ERROR")
        assert any(key.startswith(field) for key in payload["errors"]), payload
        assert not Ticket.objects.exists()

    def test_staff_files_for_a_customer_by_email(self, api, agent, customer):
        response = api(agent).post(
            "/api/v1/tickets", {"subject": "Phone call", "customer_email": customer.email}, format="json"
        )
        assert response.json()["requester"]["id"] == customer.pk
        guest = api(agent).post(
            "/api/v1/tickets", {"subject": "Walk-in", "customer_email": "walkin@example.com"}, format="json"
        )
        assert guest.json()["requester"]["email"] == "walkin@example.com"
        assert guest.json()["requester"]["role"] == "customer"

    def test_reopen_after_window_is_refused(self, api, admin_user, customer):
        ticket = make(customer)
        with time_machine.travel(timezone.now() - timedelta(days=10)):
            services.ticket_close(actor=admin_user, ticket=ticket)
        response = api(customer).post(f"/api/v1/tickets/{ticket.pk}/reopen", {"reason": "Again"}, format="json")
        assert response.status_code == 409
        assert "7 days" in response.json()["message"]
