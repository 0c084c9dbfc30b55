"""The benchmark's desk generator and page timing: PostgreSQL only, idempotent, valid rows, real figures."""

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client

from accounts.roles import Role
from bench import desk
from bench.pages import bench_user, time_pages
from bench.timing import time_page
from tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is for other databases")
def test_the_generator_refuses_other_databases():
    with pytest.raises(RuntimeError, match="runs on PostgreSQL"):
        desk.generate(10)
    assert not Ticket.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="generate_series is PostgreSQL's")
def test_the_generator_tops_up_to_the_count_with_replies_and_searchable_words():
    assert desk.generate(120) == 120
    assert desk.generate(150) == 30  # a second run only adds what is missing
    tickets = Ticket.objects.filter(number__startswith=desk.PREFIX)
    assert tickets.count() == 150
    # The rows keep the model's rules: done tickets carry their timestamps, new ones nobody assigned.
    assert not tickets.filter(status="resolved", resolved_at__isnull=True).exists()
    assert not tickets.filter(status="closed", closed_at__isnull=True).exists()
    assert not tickets.filter(status="new", assignee__isnull=False).exists()
    # Replies: 0 to 3 per ticket, after the ticket; every common word is in some subject, the absent one in none.
    replies = Comment.objects.filter(ticket__number__startswith=desk.PREFIX)
    assert 100 <= replies.count() <= 3 * 150
    assert not replies.filter(created_at__lt=F("ticket__created_at")).exists()
    for word in desk.COMMON_WORDS:
        assert tickets.filter(subject__icontains=word).exists(), word
    assert tickets.filter(subject__icontains=desk.RARE_WORD).count() == 1  # ticket 7
    assert not tickets.filter(subject__icontains=desk.ABSENT_WORD).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL is timed as PostgreSQL prepared statements")
def test_every_page_answers_and_is_timed_beside_its_sql():
    desk.generate(60)
    timings = {timing.name: timing for timing in time_pages(runs=2)}

    assert {name: timing.status for name, timing in timings.items() if timing.status >= 400} == {}
    assert {"list", "detail", "search rare word", "create", "comment", "report agents"} <= set(timings)
    listing = timings["list"]
    assert listing.queries >= 1 and listing.p50_ms > 0 and listing.sql_ms > 0 and listing.prepared_ms > 0
    assert timings["create"].status == 201


def test_a_page_timing_counts_queries_and_percentiles(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    client.force_login(bench_user("bench-admin@example.test", Role.ADMIN))

    timing = time_page(client, "health", "/health", runs=3, target_ms=10_000)

    assert (timing.status, timing.verdict) == (200, "ok")
    assert timing.p95_ms >= timing.p50_ms > 0
