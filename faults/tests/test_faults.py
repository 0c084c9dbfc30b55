"""The smallest form of each fault run (``make fault`` runs the full ones; RELIABILITY.md has the figures).

These start real processes on 127.0.0.1: the whole product through bin/run, and for the others a
PostgreSQL, a Redis and an SMTP sink of their own. They skip when those binaries are missing.
"""

import shutil

import pytest

from faults.scenarios import pg_restart, redis_down, sigterm, worker_kill
from faults.services import Missing
from faults.stack import stack

pytestmark = pytest.mark.fault


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_sigterm_stops_every_process_of_the_product_within_10_s():
    """To bin/run's process group, to bin/run alone, to every process at once, to `make run` alone."""
    result = sigterm.run(repeats=1, variants=("group", "top", "tree", "make"))

    assert result.extra["processes"] >= 4 * 5  # bin/run, worker, beat, the dev server and its reloader, each time
    assert (result.acknowledged, result.found, result.late) == (4, 4, 0), result.line()


@pytest.fixture(scope="module")
def services():
    try:
        with stack() as running:
            yield running
    except Missing as missing:
        pytest.skip(str(missing))


def test_postgres_restart_under_4_writing_threads_loses_no_acknowledged_ticket(services):
    result = services.run(pg_restart.run, creates=24, give_up=30)

    assert result.acknowledged > 0, result.line()
    assert result.lost == 0, result.line()
    assert result.found >= result.acknowledged, result.line()


def test_redis_stopped_during_creates_loses_no_acknowledged_ticket(services):
    result = services.run(redis_down.run, creates=9, outage=3, mail_wait=10)

    assert result.acknowledged > 0, result.line()
    assert result.lost == 0, result.line()
    # Emails of tickets made before the outage went out through the broker at once.
    assert result.extra["emails_delivered"] >= 1, result.line()
    assert result.extra["emails_duplicated"] == 0, result.line()


def test_worker_killed_mid_batch_sends_no_email_twice(services):
    result = services.run(worker_kill.run, emails=30, mail_wait=15)

    assert result.acknowledged == 30, result.line()
    assert result.extra["delivered_before_kill"] >= 10, result.line()
    assert result.found >= result.extra["delivered_before_kill"], result.line()
    assert result.duplicated == 0, result.line()
