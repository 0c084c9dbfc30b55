"""The report benchmark's generator: PostgreSQL only, idempotent, and its rows are valid tickets."""

import pytest
from django.db import connection

from reports import benchmark
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is for other databases")
def test_the_generator_refuses_other_databases():
    with pytest.raises(RuntimeError, match="runs on PostgreSQL"):
        benchmark.generate(10)
    assert not Ticket.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="generate_series is PostgreSQL's")
def test_the_generator_tops_up_to_the_count_and_the_reports_are_timed():
    assert benchmark.generate(120) == 120
    assert benchmark.generate(150) == 30  # a second run only adds what is missing
    tickets = Ticket.objects.filter(number__startswith=benchmark.PREFIX)
    assert tickets.count() == 150
    # The rows keep the model's rules: done tickets carry their timestamps, new ones nobody assigned.
    assert not tickets.filter(status="resolved", resolved_at__isnull=True).exists()
    assert not tickets.filter(status="closed", closed_at__isnull=True).exists()
    assert not tickets.filter(status="new", assignee__isnull=False).exists()
    timings = benchmark.time_reports(runs=1, urls=["/api/v1/tickets?page_size=10"])
    assert [(t.status, t.verdict) for t in timings] == [(200, "ok")]
