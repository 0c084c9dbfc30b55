"""Query counts are pinned: they do not grow with page size, comments, attachments or events."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tickets import services
from tickets.custom_fields import active_fields
from tickets.tests.factories import category

# One query authenticates the JWT's user; the rest are the endpoint's own: the tickets, then the
# rows shown beside them, read together for the whole page (selectors.with_related): the people
# (requesters and assignees), the named rows (category, team, organization, SLA policy in one
# UNION ALL) and the tags. Joined in, PostgreSQL spent far longer planning the join than running it;
# prefetched one relation at a time, Django spent most of a millisecond on each.
LIST_QUERIES = 5
DETAIL_QUERIES = 5


@pytest.fixture(autouse=True)
def _custom_fields_known(db):
    """The custom field definitions as a running desk has them: cached (read once after each change).

    With none defined a page then costs no query for them; with some, one for the page's values
    (test_custom_fields_queries.py).
    """
    active_fields()


def build(customer, agent, count):
    tickets = []
    for index in range(count):
        ticket = services.ticket_create(
            actor=customer, subject=f"Ticket {index}", category=category(), tags=["a", f"t{index}"]
        )
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        for n in range(3):
            comment = services.comment_add(
                actor=customer if n == 0 else agent, ticket=ticket, body=f"c{n}", is_internal=n == 2
            )
            services.attachment_add(
                actor=agent, ticket=ticket, comment=comment, upload=SimpleUploadedFile(f"f{n}.txt", b"x\n")
            )
        tickets.append(ticket)
    return tickets


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [5, 40])
def test_ticket_list(api, agent, customer, page_size, django_assert_max_num_queries):
    build(customer, agent, 40)
    client = api(agent)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(f"/api/v1/tickets?page_size={page_size}&ordering=priority")
    assert len(response.json()["results"]) == page_size


@pytest.mark.django_db
def test_ticket_list_with_filters_and_search(api, agent, customer, django_assert_max_num_queries):
    build(customer, agent, 10)
    client = api(agent)
    # + on PostgreSQL, whether the words are common among the newest tickets, then how many match and the
    # settings that make it an index scan (in a request, 3; in a test's transaction also a savepoint, its
    # release and putting the settings back)
    searching = 6 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(LIST_QUERIES + searching):
        response = client.get("/api/v1/tickets?status=open&tag=a&search=Ticket&overdue=false&assignee=me")
    assert len(response.json()["results"]) == 10


@pytest.mark.django_db
def test_customer_ticket_list(api, agent, customer, django_assert_max_num_queries):
    build(customer, agent, 10)
    client = api(customer)
    with django_assert_max_num_queries(LIST_QUERIES + 1):  # + the customer's organization
        response = client.get("/api/v1/tickets")
    assert len(response.json()["results"]) == 10


@pytest.mark.django_db
def test_ticket_detail(api, agent, customer, django_assert_max_num_queries):
    (ticket,) = build(customer, agent, 1)
    client = api(agent)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(f"/api/v1/tickets/{ticket.pk}")
    assert response.json()["number"] == ticket.number


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["comments", "history", "attachments"])
def test_ticket_sub_lists(api, agent, customer, path, django_assert_max_num_queries):
    (small,) = build(customer, agent, 1)
    client = api(agent)
    with django_assert_max_num_queries(5) as few:
        client.get(f"/api/v1/tickets/{small.pk}/{path}?page_size=100")
    (large,) = build(customer, agent, 1)
    for n in range(10):
        comment = services.comment_add(actor=agent, ticket=large, body=f"more {n}")
        services.attachment_add(
            actor=agent, ticket=large, comment=comment, upload=SimpleUploadedFile(f"g{n}.txt", b"y\n")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/api/v1/tickets/{large.pk}/{path}?page_size=100")
    assert len(response.json()["results"]) > 10


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["users", "agents", "teams", "organizations", "sla/policies"])
def test_people_and_policy_lists(
    api, admin_user, agent, customer, team, other_team, path, django_assert_max_num_queries
):
    client = api(admin_user)
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/{path}")
    assert response.status_code == 200
    assert response.json()["results"]
