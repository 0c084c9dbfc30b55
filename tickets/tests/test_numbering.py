"""Ticket numbers: format, per-day counter, and uniqueness under concurrent creates."""

import threading

import pytest
import time_machine
from django.db import connection

from accounts.tests.factories import UserFactory
from tickets import services
from tickets.models import Ticket, TicketCounter
from tickets.services.numbering import ticket_number_next
from tickets.tests.factories import category

THREADS = 24


@pytest.mark.django_db
def test_numbers_count_up_within_a_day_and_restart_the_next(customer):
    with time_machine.travel("2026-05-04 23:59 +00:00", tick=False):
        first = services.ticket_create(actor=customer, subject="One", category=category())
        second = services.ticket_create(actor=customer, subject="Two", category=category())
    with time_machine.travel("2026-05-05 00:00 +00:00", tick=False):
        third = services.ticket_create(actor=customer, subject="Three", category=category())
    assert [first.number, second.number, third.number] == [
        "TICK-20260504-0001",
        "TICK-20260504-0002",
        "TICK-20260505-0001",
    ]


@pytest.mark.django_db
def test_numbers_grow_a_digit_past_9999():
    from datetime import UTC, date, datetime

    TicketCounter.objects.create(day=date(2026, 5, 4), last=9999)
    assert ticket_number_next(datetime(2026, 5, 4, 12, tzinfo=UTC)) == "TICK-20260504-10000"


@pytest.mark.django_db
def test_day_follows_the_site_time_zone(settings):
    from datetime import UTC, datetime

    settings.TIME_ZONE = "America/New_York"
    # 02:00 UTC on the 5th is still the 4th in New York.
    assert ticket_number_next(datetime(2026, 5, 5, 2, tzinfo=UTC)).startswith("TICK-20260504-")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_get_distinct_numbers():
    """Many threads create tickets at the same instant; every one gets its own number."""
    requester = UserFactory()
    general = category()
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            ticket = services.ticket_create(actor=requester, subject=f"Load {index}", category=general)
            with lock:
                numbers.append(ticket.number)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(numbers) == THREADS
    assert len(set(numbers)) == THREADS
    suffixes = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert suffixes == list(range(1, THREADS + 1))
    assert Ticket.objects.count() == THREADS
