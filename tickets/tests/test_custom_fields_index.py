"""On PostgreSQL, filtering on a custom field reads its typed index, not every value."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tickets.custom_fields import active_fields, parse_filters
from tickets.models import CustomFieldValue, Ticket
from tickets.tests.factories import TicketFactory, custom_field

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]


@pytest.fixture
def desk(customer):
    fields = {
        "invoice_number": custom_field("invoice_number", "text"),
        "amount": custom_field("amount", "number"),
        "due_on": custom_field("due_on", "date"),
        "vip": custom_field("vip", "checkbox"),
    }
    tickets = TicketFactory.create_batch(300, requester=customer)
    CustomFieldValue.objects.bulk_create(
        [
            row
            for n, ticket in enumerate(tickets)
            for row in (
                CustomFieldValue(ticket=ticket, field=fields["invoice_number"], text=f"INV-{n}"),
                CustomFieldValue(ticket=ticket, field=fields["amount"], number=Decimal(n)),
                CustomFieldValue(ticket=ticket, field=fields["due_on"], date=date(2026, 1, 1 + n % 28)),
                *([CustomFieldValue(ticket=ticket, field=fields["vip"], flag=True)] if n % 10 == 0 else []),
            )
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_customfieldvalue; ANALYZE tickets_ticket")
    return fields


def plan(query: dict) -> str:
    filters = parse_filters(None, query)
    tickets = Ticket.objects.all()
    for field_filter in filters:
        tickets = tickets.filter(field_filter.condition())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        text = tickets.explain()
        cursor.execute("RESET enable_seqscan")
    return text


@pytest.mark.parametrize(
    ("query", "index", "count"),
    [
        ({"cf_invoice_number": "INV-7"}, "custom_value_text_idx", 1),
        ({"cf_amount__gte": "290"}, "custom_value_number_idx", 10),
        ({"cf_due_on": "2026-01-05"}, "custom_value_date_idx", 11),
        ({"cf_vip": "true"}, "custom_value_flag_idx", 30),
    ],
)
def test_each_type_is_filtered_through_its_index(desk, query, index, count):
    assert active_fields()
    text = plan(query)
    assert index in text, text
    assert "Seq Scan on tickets_customfieldvalue" not in text
    tickets = Ticket.objects.all()
    for field_filter in parse_filters(None, query):
        tickets = tickets.filter(field_filter.condition())
    assert tickets.count() == count
