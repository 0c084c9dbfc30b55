"""The macros API: GET /macros/ (what the caller may apply) and POST /tickets/{id}/apply-macro/."""

import pytest

from tickets import services
from tickets.choices import Priority, Status
from tickets.models import Comment, EventKind, Ticket, TicketEvent
from tickets.tests.factories import MacroFactory, category

pytestmark = pytest.mark.django_db

MACROS = "/api/v1/macros/"
# The JWT's user, the caller's teams (member of, lead of), the count and the page of macros, then
# their teams (prefetched; assignee and team are joined in): whatever the number of macros.
LIST_QUERIES = 6


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops", category=category(), team=team
    )


def apply_url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/apply-macro/"


def state(ticket):
    ticket = Ticket.objects.get(pk=ticket.pk)
    return ticket.version, ticket.status, ticket.priority, ticket.assignee_id, Comment.objects.count()


class TestList:
    def test_an_agent_lists_the_active_macros_shared_with_them_with_their_actions(
        self, api, agent, manager, team, other_team
    ):
        MacroFactory(
            name="Need a screenshot",
            position=2,
            description="When the report is vague.",
            reply="Hello {requester_name}",
            status=Status.PENDING,
            priority=Priority.HIGH,
            add_tags="Waiting, vpn",
            remove_tags="new",
            assign_to_me=True,
            team=team,
            teams=[team],
        )
        MacroFactory(name="Close", position=1, status=Status.CLOSED)
        MacroFactory(name="Infra only", status=Status.OPEN, teams=[other_team])
        MacroFactory(name="Retired", status=Status.OPEN, is_active=False)
        body = api(agent).get(MACROS).json()
        assert [m["name"] for m in body["results"]] == ["Close", "Need a screenshot"]
        screenshot = body["results"][1]
        assert screenshot["description"] == "When the report is vague."
        assert screenshot["shared_with"] == [{"id": team.pk, "name": "Support"}]
        assert screenshot["actions"] == {
            "assign_to_me": True,
            "assignee": None,
            "team": {"id": team.pk, "name": "Support"},
            "priority": "high",
            "add_tags": ["waiting", "vpn"],
            "remove_tags": ["new"],
            "reply": {"body": "Hello {requester_name}", "internal": False},
            "status": "pending",
        }
        assert body["results"][0]["actions"]["reply"] is None and body["results"][0]["shared_with"] == []
        everything = [m["name"] for m in api(manager).get(MACROS).json()["results"]]
        assert everything == ["Infra only", "Close", "Need a screenshot"]  # by position, then name

    @pytest.mark.parametrize("count", [2, 20])
    def test_the_query_count_does_not_grow_with_the_macros(
        self, api, agent, manager, team, other_team, count, django_assert_max_num_queries
    ):
        for n in range(count):
            MacroFactory(name=f"M{n}", assignee=agent, team=team, teams=[team, other_team], status="open")
        with django_assert_max_num_queries(LIST_QUERIES):
            response = api(agent).get(MACROS)
        assert len(response.json()["results"]) == count
        assert response.json()["results"][0]["actions"]["assignee"]["email"] == "agent@example.com"

    def test_one_macro_and_a_hidden_one_answers_404(self, api, agent, other_team):
        shown = MacroFactory(name="Shown", status="open")
        hidden = MacroFactory(name="Hidden", status="open", teams=[other_team])
        assert api(agent).get(f"{MACROS}{shown.pk}/").json()["name"] == "Shown"
        response = api(agent).get(f"{MACROS}{hidden.pk}/")
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"

    def test_customers_and_strangers_get_none(self, api, customer):
        MacroFactory(name="Shown", status="open")
        response = api(customer).get(MACROS)
        assert response.status_code == 403
        assert response.json() == {
            "status": "error",
            "code": "FORBIDDEN",
            "message": "Only staff can do this.",
            "errors": {},
        }
        assert api().get(MACROS).status_code == 401

    def test_nobody_writes_them_through_the_api(self, api, admin_user):
        macro = MacroFactory(name="Shown", status="open")
        assert api(admin_user).post(MACROS, {"name": "New", "status": "open"}).status_code == 405
        assert api(admin_user).delete(f"{MACROS}{macro.pk}/").status_code == 405


class TestApply:
    def test_applies_every_action_and_answers_the_ticket_with_its_etag(self, api, agent, customer, ticket):
        macro = MacroFactory(
            name="Take it", assign_to_me=True, reply="On it, {requester_name}. {agent_name}", status="in_progress"
        )
        response = api(agent).post(
            apply_url(ticket), {"macro": macro.pk}, format="json", HTTP_IF_MATCH=f'"{ticket.version}"'
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["assignee"]["email"]) == ("in_progress", "agent@example.com")
        assert response["ETag"] == f'"{body["version"]}"' and body["version"] > ticket.version
        assert Comment.objects.get(ticket=ticket).body == f"On it, {customer.get_full_name()}. {agent.get_full_name()}"
        history = api(agent).get(f"/api/v1/tickets/{ticket.pk}/history/").json()["results"]
        applied = [e for e in history if e["kind"] == EventKind.MACRO_APPLIED]
        assert len(applied) == 1 and applied[0]["new_value"] == "Take it"
        # The macro's name is the desk's own: the requester's history does not show it.
        mine = api(customer).get(f"/api/v1/tickets/{ticket.pk}/history/").json()["results"]
        assert EventKind.MACRO_APPLIED not in {e["kind"] for e in mine}

    def test_a_repeated_request_with_the_same_if_match_applies_nothing_twice(self, api, agent, ticket):
        macro = MacroFactory(name="Note", reply="Seen.", reply_is_internal=True)
        headers = {"HTTP_IF_MATCH": f'"{ticket.version}"'}
        assert api(agent).post(apply_url(ticket), {"macro": macro.pk}, format="json", **headers).status_code == 200
        before = state(ticket)
        again = api(agent).post(apply_url(ticket), {"macro": macro.pk}, format="json", **headers)
        assert again.status_code == 412 and again.json()["code"] == "PRECONDITION_FAILED"
        assert state(ticket) == before and Comment.objects.count() == 1

    def test_a_refused_action_changes_nothing_and_says_why_in_the_error_shape(self, api, agent, other_agent, ticket):
        macro = MacroFactory(name="To Sam", reply="Sam takes it.", priority="urgent", assignee=other_agent)
        before = state(ticket)
        response = api(agent).post(apply_url(ticket), {"macro": macro.pk}, format="json")
        assert response.status_code == 403
        assert response.json() == {
            "status": "error",
            "code": "FORBIDDEN",
            "message": "Macro 'To Sam' was not applied, nothing changed: "
            "You may not assign this ticket to that person.",
            "errors": {},
        }
        assert state(ticket) == before
        assert not TicketEvent.objects.filter(kind=EventKind.MACRO_APPLIED).exists()

    @pytest.mark.parametrize("payload", [{}, {"macro": "x"}, {"macro": 0}])
    def test_bad_input_is_a_validation_error(self, api, agent, ticket, payload):
        before = state(ticket)
        response = api(agent).post(apply_url(ticket), payload, format="json")
        assert response.status_code == 400 and response.json()["code"] == "VALIDATION_ERROR"
        assert "macro" in response.json()["errors"] and state(ticket) == before

    def test_an_unknown_or_unshared_macro_is_not_found(self, api, agent, ticket, other_team):
        hidden = MacroFactory(name="Infra only", status="open", teams=[other_team])
        before = state(ticket)
        for pk in (hidden.pk, hidden.pk + 100):
            response = api(agent).post(apply_url(ticket), {"macro": pk}, format="json")
            assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
        assert state(ticket) == before

    def test_customers_cannot_apply_and_outsiders_do_not_see_the_ticket(self, api, customer, other_customer, ticket):
        macro = MacroFactory(name="Close", status="closed")
        before = state(ticket)
        response = api(customer).post(apply_url(ticket), {"macro": macro.pk}, format="json")
        assert response.status_code == 403 and response.json()["message"] == "Only staff can apply macros."
        response = api(other_customer).post(apply_url(ticket), {"macro": macro.pk}, format="json")
        assert response.status_code == 404
        assert state(ticket) == before


def test_both_endpoints_are_in_the_openapi_schema(api, agent):
    schema = api(agent).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    apply = schema["paths"]["/api/v1/tickets/{id}/apply-macro"]["post"]
    assert apply["summary"] == "Apply a macro: all of its actions, or none"
    assert {"200", "403", "404", "412"} <= set(apply["responses"])
    assert {"/api/v1/macros", "/api/v1/macros/{id}"} <= set(schema["paths"])
    assert "actions" in schema["components"]["schemas"]["Macro"]["properties"]
