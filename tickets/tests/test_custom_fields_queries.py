"""Custom fields cost one query per page of tickets, whatever the page size; none when the desk has none."""

import pytest

from tickets import services
from tickets.custom_fields import active_fields
from tickets.tests.factories import category, custom_field
from tickets.tests.test_api_queries import DETAIL_QUERIES, LIST_QUERIES, build


@pytest.fixture
def fields(db):
    custom_field("invoice_number", "text", customer_visible=True)
    custom_field("amount", "number")
    custom_field("vip", "checkbox")


def with_values(customer, agent, manager, count):
    tickets = build(customer, agent, count)
    for index, ticket in enumerate(tickets):
        services.ticket_update(
            actor=manager,
            ticket=ticket,
            changes={"custom_fields": {"invoice_number": f"INV-{index}", "amount": index, "vip": index % 2 == 0}},
        )
    return tickets


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [5, 40])
def test_a_page_reads_its_values_in_one_query(
    api, agent, customer, manager, fields, page_size, django_assert_max_num_queries
):
    with_values(customer, agent, manager, 40)
    active_fields()  # cached, as a running desk has them
    client = api(agent)
    with django_assert_max_num_queries(LIST_QUERIES + 1):
        response = client.get(f"/api/v1/tickets?page_size={page_size}&cf_vip=true&cf_amount__gte=0")
    results = response.json()["results"]
    assert len(results) == min(page_size, 20)
    assert all(r["custom_fields"]["vip"] is True and r["custom_fields"]["invoice_number"] for r in results)


@pytest.mark.django_db
def test_a_ticket_reads_its_values_in_one_query(api, agent, customer, manager, fields, django_assert_max_num_queries):
    (ticket,) = with_values(customer, agent, manager, 1)
    active_fields()
    client = api(agent)
    with django_assert_max_num_queries(DETAIL_QUERIES + 1):
        response = client.get(f"/api/v1/tickets/{ticket.pk}")
    assert response.json()["custom_fields"] == {"invoice_number": "INV-0", "amount": 0, "vip": True}


@pytest.mark.django_db
def test_the_definitions_are_read_once_then_cached(
    api, agent, customer, fields, django_assert_num_queries, django_assert_max_num_queries
):
    services.ticket_create(actor=customer, subject="x", category=category())
    client = api(agent)
    with django_assert_max_num_queries(LIST_QUERIES + 2) as cold:  # + the definitions, with their categories
        client.get("/api/v1/tickets")
    with django_assert_num_queries(len(cold.captured_queries) - 1):
        client.get("/api/v1/tickets")


@pytest.mark.django_db
def test_a_change_of_definition_is_seen_at_once(api, agent, customer, fields):
    ticket = services.ticket_create(actor=customer, subject="x", category=category())
    client = api(agent)
    assert "vip" in client.get(f"/api/v1/tickets/{ticket.pk}").json()["custom_fields"]
    field = custom_field("region", "dropdown", choices=["eu", "us"], categories=("billing",))
    assert "region" not in client.get(f"/api/v1/tickets/{ticket.pk}").json()["custom_fields"]
    field.categories.add(category())
    assert client.get(f"/api/v1/tickets/{ticket.pk}").json()["custom_fields"]["region"] is None
