"""The fake Zoho Desk answers as the real one does: auth, tickets, lists, search, comments, statuses."""

from __future__ import annotations

import re

import pytest

from fakes.tests import zoho_support as support
from fakes.tests.zoho_support import ISO, new_ticket

# The shared fixtures: a started fake with one OAuth client, a refresh token, a Desk client.
fake, refresh_token, desk = support.fake, support.refresh_token, support.desk


def test_create_answers_200_with_the_ticket(fake, desk):
    answer = desk(
        "POST",
        "/tickets",
        {
            "subject": "VPN down",
            "departmentId": fake.department_id,
            "contact": {"email": "ann@example.com", "lastName": "Ann"},
            "description": "<p>Since 9:00</p>",
            "priority": "high",
            "assigneeId": fake.agent_id,
            "cf": {"cf_site": "Lyon"},
        },
    )

    assert answer.status == 200
    ticket = answer.json
    assert re.fullmatch(r"\d+", ticket["id"]) and ticket["ticketNumber"] == "101"
    assert (ticket["status"], ticket["statusType"], ticket["priority"]) == ("Open", "Open", "High")
    assert (ticket["email"], ticket["assigneeId"]) == ("ann@example.com", fake.agent_id)
    assert ticket["cf"] == {"cf_site": "Lyon"}
    assert ISO.match(ticket["createdTime"]) and ticket["modifiedTime"] == ticket["createdTime"]
    assert ticket["closedTime"] is None and ticket["dueDate"] is None
    assert (ticket["commentCount"], ticket["threadCount"]) == ("0", "0")
    assert ticket["webUrl"].endswith(ticket["id"])
    assert answer.headers["x-rate-limit-request-weight-v3"] == "1"
    assert fake.counters["ticket_create"] == 1


def test_create_without_required_fields_is_422_invalid_data_naming_each_field(fake, desk):
    answer = desk("POST", "/tickets", {})

    assert answer.status == 422
    assert answer.json["errorCode"] == "INVALID_DATA"
    assert answer.json["message"]
    assert [(e["fieldName"], e["errorType"]) for e in answer.json["errors"]] == [
        ("/subject", "missing"),
        ("/departmentId", "missing"),
        ("/contactId", "missing"),
    ]
    assert all(e["errorMessage"] for e in answer.json["errors"])
    bad = desk("POST", "/tickets", {"subject": "x", "departmentId": "1", "contactId": "2", "status": "Nope", "x": 1})
    assert {(e["fieldName"], e["errorType"]) for e in bad.json["errors"]} == {
        ("/departmentId", "invalid"),
        ("/contactId", "invalid"),
        ("/status", "invalid"),
        ("/x", "invalid"),
    }
    assert fake.tickets == {}


def test_the_contact_is_found_by_email_or_created(fake, desk):
    first = new_ticket(desk, contact={"email": "Bob@Example.com", "firstName": "Bob", "lastName": "Stone"})
    second = new_ticket(desk, contact={"email": "bob@example.com"})
    third = new_ticket(desk, contact={"lastName": "Walk-in"})
    by_id = new_ticket(desk, contactId=first["contactId"])

    assert second["contactId"] == first["contactId"] == by_id["contactId"]
    assert third["contactId"] != first["contactId"]
    contacts = desk("GET", "/contacts").json["data"]
    assert sorted((c["lastName"], c["email"]) for c in contacts) == [("Stone", "Bob@Example.com"), ("Walk-in", None)]
    missing = desk("POST", "/tickets", {"subject": "x", "departmentId": fake.department_id, "contact": {"phone": "1"}})
    assert missing.json["errors"][0] == {
        "fieldName": "/contact/lastName",
        "errorType": "missing",
        "errorMessage": "The contact needs an email or a lastName",
    }


def test_get_with_include_patch_and_no_put(fake, desk):
    ticket = new_ticket(desk, assigneeId=fake.agent_id)
    path = f"/tickets/{ticket['id']}"

    got = desk("GET", f"{path}?include=contacts,assignee,departments").json
    patched = desk("PATCH", path, {"status": "Closed", "subject": "Printer fixed"})

    assert got["contact"]["email"] == "ann@example.com"
    assert got["assignee"]["id"] == fake.agent_id and got["department"]["name"] == "Support"
    assert patched.status == 200
    assert (patched.json["status"], patched.json["statusType"], patched.json["subject"]) == (
        "Closed",
        "Closed",
        "Printer fixed",
    )
    assert patched.json["closedTime"] == patched.json["modifiedTime"] > ticket["modifiedTime"]
    assert desk("PUT", path, {"subject": "x"}).json["errorCode"] == "METHOD_NOT_ALLOWED"
    missing = desk("GET", "/tickets/1234")
    assert (missing.status, missing.json["errorCode"]) == (404, "URL_NOT_FOUND")
    assert desk("GET", f"{path}?include=everything").json["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert desk("PATCH", path, {"priority": "Whenever"}).json["errors"][0]["fieldName"] == "/priority"


def test_the_list_pages_with_from_and_limit_newest_first(fake, desk):
    created = [new_ticket(desk, f"T{n}")["id"] for n in range(5)]

    pages = [desk("GET", f"/tickets?from={start}&limit=2").json["data"] for start in (0, 2, 4)]

    assert [[t["id"] for t in page] for page in pages] == [created[4:2:-1], created[2:0:-1], created[:1]]
    assert "description" not in pages[0][0] and "modifiedTime" not in pages[0][0]
    assert pages[0][0]["statusType"] == "Open"
    assert desk("GET", "/tickets?sortBy=createdTime&limit=1").json["data"][0]["id"] == created[0]
    too_many = desk("GET", "/tickets?limit=101")
    assert (too_many.status, too_many.json["errorCode"]) == (422, "UNPROCESSABLE_ENTITY")
    assert "limit" in too_many.json["message"]
    assert desk("GET", "/tickets?limit=0").status == 422
    assert desk("GET", "/tickets?sortBy=modifiedTime").json["errorCode"] == "UNPROCESSABLE_ENTITY"
    with_fields = desk("GET", "/tickets?limit=1&fields=modifiedTime").json["data"][0]
    assert ISO.match(with_fields["modifiedTime"])


def test_an_empty_list_is_204_with_no_body(fake, desk):
    empty = desk("GET", "/tickets")

    assert (empty.status, empty.raw) == (204, b"")
    assert "content-length" not in empty.headers
    new_ticket(desk)
    assert desk("GET", "/tickets?from=1").raw == b""
    assert desk("GET", "/tickets?from=0").json["data"][0]["subject"] == "Printer on fire"


def test_list_filters(fake, desk):
    sales = fake.add_department("Sales")
    urgent = new_ticket(desk, "A", priority="Urgent", assigneeId=fake.agent_id)["id"]
    held = new_ticket(desk, "B", status="On Hold")["id"]
    other = new_ticket(desk, "C", departmentId=sales)["id"]

    def ids(query: str) -> set[str]:
        answer = desk("GET", f"/tickets?{query}")
        return {t["id"] for t in answer.json["data"]} if answer.status == 200 else set()

    assert ids("status=on%20hold") == {held}
    assert ids("status=Open,On%20Hold") == {urgent, held, other}
    assert ids("priority=Urgent") == {urgent}
    assert ids(f"assignee={fake.agent_id}") == {urgent}
    assert ids("assignee=Unassigned") == {held, other}
    assert ids(f"departmentId={sales}") == {other}
    assert ids("status=Closed") == set()
    extra = desk("GET", "/tickets?modifiedTimeRange=2020-01-01T00:00:00.000Z,2030-01-01T00:00:00.000Z")
    assert extra.json == {
        "errorCode": "UNPROCESSABLE_ENTITY",
        "message": "Extra query parameter 'modifiedTimeRange' is present in the input.",
    }


def test_search_by_modified_time_is_how_a_poller_finds_changes(fake, desk):
    old, changed = new_ticket(desk, "old"), new_ticket(desk, "changed")
    since = desk("GET", f"/tickets/{changed['id']}").json["modifiedTime"]
    desk("PATCH", f"/tickets/{changed['id']}", {"priority": "Low"})
    window = f"{since},2099-01-01T00:00:00.000Z"

    found = desk("GET", f"/tickets/search?modifiedTimeRange={window}&sortBy=modifiedTime")
    later = desk("GET", "/tickets/search?modifiedTimeRange=2099-01-01T00:00:00.000Z,2099-01-02T00:00:00.000Z")

    assert found.status == 200
    assert found.json["count"] == 1  # the window is inclusive: "changed" both at `since` and after
    assert [t["id"] for t in found.json["data"]] == [changed["id"]]
    assert found.json["data"][0]["priority"] == "Low" and found.json["data"][0]["modifiedTime"] > since
    everything = desk("GET", "/tickets/search?sortBy=-modifiedTime").json
    assert ([t["id"] for t in everything["data"]], everything["count"]) == ([changed["id"], old["id"]], 2)
    assert (later.status, later.raw) == (204, b"")
    assert desk("GET", "/tickets/search?modifiedTimeRange=yesterday").status == 422
    assert desk("GET", "/tickets/search?from=5000").json["errorCode"] == "UNPROCESSABLE_ENTITY"


# --------------------------------------------------------------------------- comments and threads
def test_comments_are_added_listed_edited_and_deleted(fake, desk):
    ticket = new_ticket(desk)
    base = f"/tickets/{ticket['id']}/comments"

    added = desk("POST", base, {"content": "Checked the toner", "isPublic": False, "contentType": "plainText"})

    assert added.status == 200
    comment = added.json
    assert (comment["content"], comment["isPublic"]) == ("Checked the toner", False)
    assert comment["contentType"] == "plainText"
    assert ISO.match(comment["commentedTime"]) and comment["modifiedTime"] is None
    assert comment["commenter"]["id"] == fake.agent_id and comment["commenter"]["type"] == "AGENT"
    assert comment["commenter"]["name"] == "Ada Agent" and comment["commenter"]["email"] == "ada.agent@example.com"
    assert desk("GET", base).json["data"] == [comment]
    assert desk("GET", f"/tickets/{ticket['id']}").json["commentCount"] == "1"
    edited = desk("PATCH", f"{base}/{comment['id']}", {"content": "Toner replaced"}).json
    assert edited["content"] == "Toner replaced" and ISO.match(edited["modifiedTime"])
    refused = desk("PATCH", f"{base}/{comment['id']}", {"content": "x", "isPublic": True})
    assert refused.json["errors"][0]["fieldName"] == "/isPublic"
    assert desk("POST", base, {"isPublic": True}).json["errors"][0] == {
        "fieldName": "/content",
        "errorType": "missing",
        "errorMessage": "content is mandatory",
    }
    deleted = desk("DELETE", f"{base}/{comment['id']}")
    assert (deleted.status, deleted.raw) == (204, b"")
    assert desk("GET", base).status == 204
    assert desk("DELETE", f"{base}/{comment['id']}").json["errorCode"] == "URL_NOT_FOUND"


def test_send_reply_adds_an_outgoing_thread(fake, desk):
    ticket = new_ticket(desk)
    base = f"/tickets/{ticket['id']}"

    reply = desk("POST", f"{base}/sendReply", {"channel": "EMAIL", "content": "<p>On our way</p>", "to": "ann@x.org"})

    assert reply.status == 200
    assert (reply.json["direction"], reply.json["visibility"]) == ("out", "public")
    assert reply.json["content"] == "<p>On our way</p>"
    assert reply.json["author"]["type"] == "AGENT" and reply.json["to"] == "ann@x.org"
    listed = desk("GET", f"{base}/threads").json["data"]
    assert [t["summary"] for t in listed] == ["On our way"] and "content" not in listed[0]
    assert desk("GET", f"{base}/threads/{reply.json['id']}").json["content"] == "<p>On our way</p>"
    missing = desk("POST", f"{base}/sendReply", {"content": "hi"})
    assert (missing.status, missing.json["errors"][0]["fieldName"]) == (422, "/channel")


# --------------------------------------------------------------------------- acting as an agent in Zoho
def test_agent_side_changes_show_through_the_api_and_move_modified_time(fake, desk):
    ticket = fake.create_ticket("Screen flickers", contact_email="cy@example.com", description="<div>Help</div>")
    path = f"/tickets/{ticket['id']}"
    times = [ticket["modifiedTime"]]

    fake.add_comment(ticket["id"], "Asked for a photo", is_public=False)
    times.append(desk("GET", path).json["modifiedTime"])
    fake.set_status(ticket["id"], "On Hold")
    held = desk("GET", path).json
    times.append(held["modifiedTime"])
    fake.add_customer_reply(ticket["id"], "Here it is")
    reopened = desk("GET", path).json
    times.append(reopened["modifiedTime"])

    assert times == sorted(set(times))  # strictly increasing
    assert desk("GET", f"{path}/comments").json["data"][0]["content"] == "Asked for a photo"
    assert (held["status"], held["statusType"]) == ("On Hold", "On Hold")
    assert ISO.match(held["onholdTime"])
    assert (reopened["status"], reopened["onholdTime"], reopened["threadCount"]) == ("Open", None, "2")
    threads = desk("GET", f"{path}/threads").json["data"]
    assert [(t["direction"], t["author"]["type"], t["isDescriptionThread"]) for t in threads] == [
        ("in", "END_USER", False),
        ("in", "END_USER", True),
    ]
    assert [e["eventType"] for e in fake.events] == [
        "Ticket_Add",
        "Ticket_Comment_Add",
        "Ticket_Update",
        "Ticket_Thread_Add",
        "Ticket_Update",
    ]
    assert fake.events[2]["prevState"]["status"] == "Open" and fake.events[2]["payload"]["status"] == "On Hold"


def test_custom_statuses_carry_their_status_type_and_priorities_are_configurable(fake, desk):
    fake.add_status("Waiting on vendor", "On Hold")
    fake.priorities = ["P1", "P2"]
    ticket = new_ticket(desk)

    fields = desk("GET", "/organizationFields?module=tickets").json["data"]
    patched = desk("PATCH", f"/tickets/{ticket['id']}", {"status": "waiting on VENDOR", "priority": "p1"}).json

    status_field = next(f for f in fields if f["apiName"] == "status")
    assert {"value": "Waiting on vendor", "statusType": "On Hold"} in status_field["allowedValues"]
    assert {"value": "Escalated", "statusType": "Open"} in status_field["allowedValues"]
    priority_field = next(f for f in fields if f["apiName"] == "priority")
    assert priority_field["allowedValues"] == [{"value": "P1"}, {"value": "P2"}]
    assert (patched["status"], patched["statusType"], patched["priority"]) == ("Waiting on vendor", "On Hold", "P1")
    assert desk("PATCH", f"/tickets/{ticket['id']}", {"priority": "High"}).json["errors"][0]["fieldName"] == "/priority"
    assert desk("GET", "/organizationFields").json["errorCode"] == "UNPROCESSABLE_ENTITY"
    with pytest.raises(ValueError, match="statusType"):
        fake.add_status("Parked", "Pending")
