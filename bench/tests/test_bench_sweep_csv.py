"""``python -m bench sweep`` and ``python -m bench csv`` on a small desk: what they count is what happened."""

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from bench import csv_export, desk, sweep
from helpdesk.celery import app as celery_app
from tickets.models import Ticket
from tickets.tasks import sla_sweep

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmarks run on PostgreSQL")


@pytest.mark.django_db
def test_the_csv_export_is_read_to_its_last_row_with_the_peak_memory():
    desk.generate(40)

    result = csv_export.export_once()

    assert result["rows"] == Ticket.objects.count() == 40
    assert result["header"].startswith("id,number,subject,status")
    assert result["bytes"] > 40 * 100 and result["seconds"] > 0
    assert result["max_rss_mb"] >= result["rss_before_mb"] > 0


@pytest.fixture
def desk_db():
    """The test database as the sweep benchmark sees it: its own connection, committed rows, the bench's tables."""
    if not settings.REDIS_URL:
        pytest.skip("the sweep benchmark counts the emails queued in Redis")
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"], host=params.get("host"), port=params.get("port"), user=params.get("user"),
        autocommit=True,
    ) as db:  # fmt: skip
        yield db
        db.execute("DROP TABLE IF EXISTS bench_sweep_backlog, bench_sweep_mark")
    redis.Redis.from_url(settings.REDIS_URL).delete(celery_app.conf.task_default_queue)


@pytest.mark.django_db(transaction=True)  # committed rows, the seeded categories kept (conftest.py)
def test_the_sweep_benchmark_resets_its_backlog_and_counts_each_breach_once(desk_db):
    desk.generate(400)
    backlog, queue = 25, celery_app.conf.task_default_queue  # the suite's own queue (conftest.py)

    for _ in range(2):  # a second reset puts the same backlog back, the first run's work undone
        sweep.reset(desk_db, backlog, actions=False, redis_url=settings.REDIS_URL, queue=queue)
        made = desk_db.execute(
            "SELECT count(*) FROM tickets_ticketevent WHERE id > (SELECT event_id FROM bench_sweep_mark)"
        ).fetchone()[0]
        assert made == 0
        while any(sla_sweep().values()):
            pass
        figures = sweep.verify(desk_db, settings.REDIS_URL, queue=queue)

        assert figures["tickets_with_one_breach"] == backlog
        assert figures["tickets_with_none"] == figures["tickets_with_more"] == figures["breaches_elsewhere"] == 0
        assert figures["notifications"] == figures["notification_pairs"] == figures["notifications_expected"] > 0
        assert figures["emails_queued"] == figures["emails_queued_once"] == figures["emails_pending"]
        assert (
            sweep.report([{"runs": [{"start": 0, "end": 1, "breached": backlog, "at_risk": 0}]}], figures, backlog) == 0
        )
