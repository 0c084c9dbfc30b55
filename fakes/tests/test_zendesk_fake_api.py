"""The Zendesk fake's REST behaviour over raw HTTP: envelopes, errors, paging limits, rate limits, faults."""

from __future__ import annotations

import http.client
import socket
import time
from urllib.parse import urlencode

import pytest

from fakes.tests.test_zendesk_fake import API_TOKEN, EMAIL, call
from fakes.zendesk import FakeZendesk

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}


@pytest.fixture
def fake():
    with FakeZendesk(subdomain="acme") as server:
        server.add_api_token(EMAIL, API_TOKEN)
        yield server
    assert server.server_errors == []


def test_create_answers_201_with_location_ticket_and_audit(fake):
    body = {
        "ticket": {
            "subject": "VPN down",
            "comment": {"body": "Since this morning.\n\nEveryone.", "public": True},
            "priority": "high",
            "requester": {"name": "Dana", "email": "dana@example.com"},
            "external_id": "ext-1",
            "custom_fields": [{"id": 360001, "value": "eu"}],
        }
    }

    answer = call(fake, "POST", "/api/v2/tickets.json", body)

    assert answer.status == 201
    ticket = answer.body["ticket"]
    assert answer.headers["Location"] == ticket["url"] == f"{fake.base_url}/api/v2/tickets/1.json"
    assert (ticket["status"], ticket["priority"], ticket["external_id"]) == ("new", "high", "ext-1")
    assert ticket["via"]["channel"] == "api" and ticket["custom_fields"] == [{"id": 360001, "value": "eu"}]
    audit = answer.body["audit"]
    assert audit["ticket_id"] == 1 and audit["events"][0]["type"] == "Comment"
    assert audit["events"][0]["html_body"] == (
        '<div class="zd-comment" dir="auto"><p dir="auto">Since this morning.</p><p dir="auto">Everyone.</p></div>'
    )
    assert {e["field_name"]: e["value"] for e in audit["events"][1:]}["priority"] == "high"
    assert answer.headers["X-Rate-Limit"] == "700" and int(answer.headers["X-Rate-Limit-Remaining"]) == 699


def test_create_without_subject_or_comment_is_422_record_invalid(fake):
    answer = call(fake, "POST", "/api/v2/tickets.json", {"ticket": {"priority": "low"}})

    assert answer.status == 422
    assert answer.body == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {
            "base": [
                {"description": "Subject: cannot be blank", "error": "BlankValue", "field_key": "subject"},
                {"description": "Description: cannot be blank", "error": "BlankValue", "field_key": "description"},
            ]
        },
    }
    assert fake.tickets == {} and len(fake.users) == 2  # the admin and the API token's user
    missing_root = call(fake, "POST", "/api/v2/tickets.json", {"subject": "no root"})
    assert (missing_root.status, missing_root.body["error"]) == (400, "ParameterMissing")


def test_invalid_status_and_priority_are_422_with_details(fake):
    ticket = fake.create_ticket("Valid", "Body")

    answer = call(fake, "PUT", f"/api/v2/tickets/{ticket['id']}.json", {"ticket": {"status": "done", "priority": "p1"}})

    assert answer.status == 422 and answer.body["error"] == "RecordInvalid"
    assert answer.body["details"].keys() == {"status", "priority"}
    assert answer.body["details"]["status"][0]["error"] == "InvalidValue"
    assert fake.tickets[ticket["id"]]["status"] == "new"


def test_updating_a_closed_ticket_is_422_with_details_status(fake):
    ticket = fake.create_ticket("Old issue", "Body")
    fake.set_status(ticket["id"], "closed")

    answer = call(fake, "PUT", f"/api/v2/tickets/{ticket['id']}.json", {"ticket": {"comment": {"body": "Reopen?"}}})

    assert answer.status == 422
    assert answer.body == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"status": [{"description": "Status: closed prevents ticket update", "error": "InvalidValue"}]},
    }
    assert [c["body"] for c in fake.comments[ticket["id"]]] == ["Body"]
    assert fake.tickets[ticket["id"]]["assignee_id"] == fake.admin_id  # closing assigned the agent


def test_safe_update_with_a_stale_stamp_is_409(fake):
    ticket = fake.create_ticket("Race", "Body")
    fake.add_comment(ticket["id"], "An agent got there first")

    answer = call(
        fake,
        "PUT",
        f"/api/v2/tickets/{ticket['id']}.json",
        {"ticket": {"status": "solved", "safe_update": True, "updated_stamp": ticket["updated_at"]}},
    )

    assert (answer.status, answer.body["error"]) == (409, "UpdateConflict")
    assert fake.tickets[ticket["id"]]["status"] == "new"


def test_offset_paging_envelope_and_400_past_10000_records(fake):
    for n in range(5):
        fake.create_ticket(f"T{n}", "Body")

    page = call(fake, "GET", "/api/v2/tickets.json?per_page=2&page=2")
    too_deep = call(fake, "GET", "/api/v2/tickets.json?page=101&per_page=100")

    assert [t["id"] for t in page.body["tickets"]] == [3, 4]
    assert page.body["count"] == 5
    assert page.body["next_page"] == f"{fake.base_url}/api/v2/tickets.json?page=3&per_page=2"
    assert page.body["previous_page"] == f"{fake.base_url}/api/v2/tickets.json?page=1&per_page=2"
    assert too_deep.status == 400
    assert too_deep.body["errors"][0]["code"] == "InvalidPaginationDepth"
    assert call(fake, "GET", "/api/v2/tickets.json?page=100&per_page=100").body["tickets"] == []


def test_cursor_paging_follows_links_that_use_the_clients_host(fake):
    for n in range(5):
        fake.create_ticket(f"T{n}", "Body")

    first = call(fake, "GET", "/api/v2/tickets.json?page[size]=2&sort=-id")
    after = first.body["links"]["next"]
    second = call(fake, "GET", after.removeprefix(fake.base_url))
    back = call(fake, "GET", second.body["links"]["prev"].removeprefix(fake.base_url))
    too_big = call(fake, "GET", "/api/v2/tickets.json?page[size]=101")
    bad_sort = call(fake, "GET", "/api/v2/tickets.json?page[size]=2&sort=created_at")

    assert [t["id"] for t in first.body["tickets"]] == [5, 4]
    assert first.body["meta"]["has_more"] is True and after.startswith(f"http://127.0.0.1:{fake.port}/")
    assert [t["id"] for t in second.body["tickets"]] == [3, 2]
    assert [t["id"] for t in back.body["tickets"]] == [5, 4]
    assert (too_big.status, too_big.body) == (
        400,
        {"error": "InvalidPaginationParameter", "description": "page[size] is limited to 100"},
    )
    assert bad_sort.status == 400 and bad_sort.body["error"] == "InvalidPaginationParameter"


def test_cursor_paging_can_answer_has_more_on_a_full_last_page(fake):
    fake.cursor_has_more_on_full_page = True
    for n in range(4):
        fake.create_ticket(f"T{n}", "Body")

    first = call(fake, "GET", "/api/v2/tickets.json?page[size]=2")
    full = call(fake, "GET", first.body["links"]["next"].removeprefix(fake.base_url))
    empty = call(fake, "GET", full.body["links"]["next"].removeprefix(fake.base_url))

    assert [t["id"] for t in full.body["tickets"]] == [3, 4] and full.body["meta"]["has_more"] is True
    assert empty.body == {
        "tickets": [],
        "meta": {"has_more": False, "after_cursor": None, "before_cursor": None},
        "links": {"prev": None, "next": None},
    }


def test_search_filters_and_its_limits(fake):
    bob = fake.create_user("Bob", "bob@example.com")
    fake.create_ticket("Printer jam", "Paper stuck", requester_id=bob["id"], priority="high", tags=["hardware"])
    fake.create_ticket("Printer ink", "Empty", status="solved", priority="low")
    fake.create_ticket("Email down", "No mail", status="pending", priority="urgent")

    def ids(query: str) -> list[int]:
        answer = call(fake, "GET", "/api/v2/search.json?" + urlencode({"query": query}))
        assert answer.status == 200, answer.body
        return [r["id"] for r in answer.body["results"] if r["result_type"] == "ticket"]

    assert ids("type:ticket printer") == [1, 2]
    assert ids("type:ticket status<solved") == [1, 3]
    assert ids("type:ticket priority>=high") == [1, 3]
    assert ids("type:ticket requester:bob@example.com") == [1]
    assert ids("type:ticket tags:hardware") == [1]
    assert ids("type:ticket -status:solved printer") == [1]
    assert ids('type:ticket status:open status:pending "no mail"') == [3]
    assert ids("type:ticket created>1hours") == [1, 2, 3]
    page_11 = call(fake, "GET", "/api/v2/search.json?query=type:ticket&page=11")
    assert (page_11.status, page_11.body) == (
        422,
        {
            "error": "invalid",
            "description": "Invalid search: Requested response size was greater than Search Response Limits",
        },
    )
    assert call(fake, "GET", "/api/v2/search/count.json?query=type:ticket%20printer").body == {"count": 2}
    assert call(fake, "GET", "/api/v2/search.json?query=type:ticket&page[size]=2").status == 400


def test_rate_limit_answers_429_with_retry_after_and_counts_down_remaining(fake):
    now = [1_800_000_000.0]
    fake.clock = lambda: now[0]
    fake.rate_limit_per_minute = 2

    first = call(fake, "GET", "/api/v2/tickets.json")
    second = call(fake, "GET", "/api/v2/tickets.json")
    third = call(fake, "GET", "/api/v2/tickets.json")

    assert [first.headers["X-Rate-Limit-Remaining"], second.headers["X-Rate-Limit-Remaining"]] == ["1", "0"]
    assert third.status == 429 and third.headers["Retry-After"] == "60"
    assert third.body == {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed API requests per minute exceeded",
    }
    now[0] += 59
    assert call(fake, "GET", "/api/v2/tickets.json").headers["Retry-After"] == "1"
    now[0] += 1
    assert call(fake, "GET", "/api/v2/tickets.json").status == 200
    assert fake.counters["rate_limited"] == 2


def test_incremental_export_limit_is_a_switch(fake):
    fake.incremental_limit_per_minute = 1
    start = int(time.time()) - 120

    first = call(fake, "GET", f"/api/v2/incremental/tickets/cursor.json?start_time={start}")
    second = call(fake, "GET", f"/api/v2/incremental/tickets/cursor.json?start_time={start}")
    too_recent = call(fake, "GET", f"/api/v2/incremental/tickets/cursor.json?start_time={int(time.time())}")

    assert first.status == 200 and first.body["end_of_stream"] is True and first.body["after_cursor"]
    assert first.headers["Zendesk-RateLimit-incremental-exports"].startswith("total=1; remaining=0;")
    assert second.status == 429 and int(second.headers["Retry-After"]) >= 1
    assert second.body["error"] == "APIRateLimitExceeded"
    assert too_recent.status == 429  # the limit comes before the check of start_time
    fake.incremental_limit_per_minute = None
    too_recent = call(fake, "GET", f"/api/v2/incremental/tickets/cursor.json?start_time={int(time.time())}")
    assert (too_recent.status, too_recent.body["error"]) == (400, "InvalidValue")


def test_injected_5xx_then_recovery(fake):
    fake.fail_next(503, times=2, retry_after=2, path_contains="/tickets")

    answers = [call(fake, "GET", "/api/v2/tickets.json") for _ in range(3)]

    assert [a.status for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "2"
    assert answers[0].body == {"error": "ServiceUnavailable", "description": "Service Unavailable"}
    assert answers[2].body["tickets"] == []


def test_injected_drop_and_delay_fail_the_client(fake):
    fake.fail_next(None, drop=True)
    with pytest.raises(http.client.RemoteDisconnected):
        call(fake, "GET", "/api/v2/tickets.json")

    fake.fail_next(None, delay=0.5)
    with pytest.raises(socket.timeout):
        call(fake, "GET", "/api/v2/tickets.json", timeout=0.1)

    fake.fail_next(500, body="<html>oops</html>")
    html = call(fake, "GET", "/api/v2/tickets.json")
    assert (html.status, html.body) == (500, b"<html>oops</html>")
    assert call(fake, "GET", "/api/v2/tickets.json").status == 200
    assert len(fake.requests) == 4


def test_unknown_ids_and_paths_are_404(fake):
    for path in ("/api/v2/tickets/42.json", "/api/v2/users/42.json", "/api/v2/organizations/42.json"):
        answer = call(fake, "GET", path)
        assert (answer.status, answer.body) == (404, NOT_FOUND), path
    assert call(fake, "PUT", "/api/v2/tickets/42.json", {"ticket": {"status": "open"}}).body == NOT_FOUND
    assert call(fake, "GET", "/api/v2/tickets/42/comments.json").body == NOT_FOUND
    unknown = call(fake, "GET", "/api/v2/macros.json")
    assert (unknown.status, unknown.body) == (404, {"error": "InvalidEndpoint", "description": "Not found"})


def test_agent_helpers_act_like_zendesk_and_show_in_the_incremental_export(fake):
    start = int(time.time()) - 600
    customer = fake.create_user("Erin", "erin@example.com")
    ticket = fake.create_ticket("Refund", "Please refund", requester_id=customer["id"], created_at=start)
    first = call(fake, "GET", f"/api/v2/incremental/tickets/cursor.json?start_time={start}").body
    assert [t["id"] for t in first["tickets"]] == [ticket["id"]]

    solved = fake.set_status(ticket["id"], "solved")
    fake.add_comment(ticket["id"], "Still not refunded", author_id=customer["id"])

    after = call(fake, "GET", first["after_url"].removeprefix(fake.base_url)).body
    [changed] = after["tickets"]
    assert changed["status"] == "open"  # the requester's reply reopened it
    assert ticket["updated_at"] < solved["updated_at"] < changed["updated_at"]
    comment = fake.comments[ticket["id"]][-1]
    assert (comment["author_id"], comment["public"]) == (customer["id"], True)
    fake.delete_ticket(ticket["id"])
    deleted = call(fake, "GET", after["after_url"].removeprefix(fake.base_url)).body
    assert [(t["id"], t["status"]) for t in deleted["tickets"]] == [(ticket["id"], "deleted")]
    assert call(fake, "GET", f"/api/v2/tickets/{ticket['id']}.json").body == NOT_FOUND


def test_show_many_users_and_organizations(fake):
    org = fake.create_organization("Initech")
    one, two = fake.create_ticket("One", "Body"), fake.create_ticket("Two", "Body")

    many = call(fake, "GET", f"/api/v2/tickets/show_many.json?ids={one['id']},{two['id']},99")
    duplicate = call(fake, "POST", "/api/v2/organizations.json", {"organization": {"name": "initech"}})
    user = call(fake, "POST", "/api/v2/users.json", {"user": {"name": "Gil", "email": "gil@initech.test"}})
    taken = call(fake, "POST", "/api/v2/users.json", {"user": {"name": "Gil 2", "email": "GIL@initech.test"}})

    assert [t["id"] for t in many.body["tickets"]] == [1, 2] and many.body["count"] == 2
    assert duplicate.status == 422 and duplicate.body["details"]["name"][0]["error"] == "DuplicateValue"
    assert (
        user.status == 201
        and user.body["user"]["url"] == f"{fake.base_url}/api/v2/users/{user.body['user']['id']}.json"
    )
    assert taken.status == 422 and taken.body["details"]["email"][0]["error"] == "DuplicateValue"
    orgs = call(fake, "GET", "/api/v2/organizations.json?page[size]=1").body
    assert [o["name"] for o in orgs["organizations"]] == [org["name"]] and orgs["meta"]["has_more"] is False
