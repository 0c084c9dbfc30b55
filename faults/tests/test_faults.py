"""The smallest form of each fault run (``make fault`` runs the full ones; RELIABILITY.md has the figures).

These start real processes on 127.0.0.1: the whole product through bin/run, and for the others a
PostgreSQL, a Redis and an SMTP sink of their own. They skip when those binaries are missing.
"""

import pytest

from faults.scenarios import pg_restart, redis_down, scale_out, sigterm, worker_kill
from faults.services import Missing
from faults.stack import stack

pytestmark = pytest.mark.fault


def test_sigterm_stops_every_process_of_the_product_within_10_s():
    """The real product through bin/run: SIGTERM to its process group, to bin/run alone, to every process.

    ``tree`` is what hung for 30 minutes before (the prefork worker's exit waiting on a lock its
    killed child held); test_bin_run.py covers `make run` stopped alone and a stuck child.
    """
    result = sigterm.run(repeats=1, variants=("group", "top", "tree"))

    assert result.extra["processes"] >= 3 * 5  # bin/run, worker, beat, the dev server and its reloader, each time
    assert (result.acknowledged, result.found, result.late) == (3, 3, 0), result.line()


@pytest.fixture(scope="module")
def services():
    try:
        with stack() as running:
            yield running
    except Missing as missing:
        pytest.skip(str(missing))


def test_postgres_restart_under_4_writing_threads_loses_no_acknowledged_ticket(services):
    result = services.run(pg_restart.run, creates=24, give_up=30)

    # Every create ends acknowledged (a 503 with Retry-After, then the retry), once: the retries carry
    # an Idempotency-Key, so a create that committed before the restart is answered, not made again.
    assert result.acknowledged == 24, result.line()
    assert (result.found, result.lost, result.duplicated) == (24, 0, 0), result.line()


def test_redis_stopped_during_creates_loses_no_acknowledged_ticket(services):
    result = services.run(redis_down.run, creates=9, outage=3, mail_wait=10)

    # Every create is accepted, the ones made while Redis is away too.
    assert result.acknowledged == 9, result.line()
    assert (result.found, result.lost, result.duplicated) == (9, 0, 0), result.line()
    # Emails of tickets made before the outage went out through the broker at once.
    assert result.extra["emails_delivered"] >= 1, result.line()
    assert result.extra["emails_duplicated"] == 0, result.line()


def test_worker_killed_mid_batch_sends_no_email_twice(services):
    result = services.run(worker_kill.run, emails=30, mail_wait=15)

    assert result.acknowledged == 30, result.line()
    assert result.extra["delivered_before_kill"] >= 10, result.line()
    assert result.found >= result.extra["delivered_before_kill"], result.line()
    assert result.duplicated == 0, result.line()


def test_two_web_servers_and_two_workers_on_one_database_redis_and_s3(services):
    """Issue 14's scale-out: every write once, every email once, every breach once, nothing sticky."""
    result = services.run(scale_out.run, flows=8, threads=4, sweeps=4, mail_wait=60)

    # 8 creates, comments, assignments and moves to in progress, 4 resolutions, 2 uploads.
    assert result.acknowledged == 8 * 4 + 4 + 2, result.line()
    assert (result.found, result.lost, result.duplicated, result.late) == (38, 0, 0, 0), result.line()
    assert result.extra["writes"] == "ticket:8/8,comment:8/8,assign:8/8,progress:8/8,resolve:4/4,file:2/2"
    # Each open ticket's two clocks were put past due; the sweeps of both workers recorded each once.
    assert result.extra["breaches_due"] == result.extra["breaches_recorded"] == 8, result.line()
    assert result.extra["emails_due"] >= 8 * 3, result.line()  # confirmation, assignment, reply at least
    assert result.extra["emails_delivered"] == result.extra["emails_due"], result.line()
    assert (result.extra["jwt_across"], result.extra["session_across"]) == ("ok", "ok"), result.line()
    # Uploaded through one server, downloaded byte for byte from the other; kept in the bucket, not on disk.
    assert (result.extra["downloads_across"], result.extra["files_in_bucket"]) == ("2/2", "2/2"), result.line()
    assert result.extra["local_files"] == 0, result.line()
    assert result.extra["checks_failed"] == 0, result.line()
