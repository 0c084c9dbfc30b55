"""A worker on the file-system broker stops by itself when SIGTERM reaches every one of its processes.

Before, it ran the prefork pool's blocking fallback: a SIGTERM to the whole group killed the pool
child holding the shared queue lock, and the worker's exit waited for that lock forever.
"""

import os
import signal
import sys

import pytest

from faults import procs

pytestmark = pytest.mark.fault


def test_worker_on_the_file_broker_stops_when_all_its_processes_get_sigterm(tmp_path):
    # As `make run` starts it: no REDIS_URL (the file-system broker), settings choose the pool.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "DEBUG": "true"}
    log = tmp_path / "worker.log"
    for attempt in range(2):
        env["VAR_DIR"] = str(tmp_path / f"var{attempt}")
        command = [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--concurrency=2", "--loglevel=info"]
        worker = procs.start([*command, "--without-mingle", "--without-gossip"], log=log, env=env)
        assert procs.wait_until(lambda: " ready." in log.read_text(errors="replace"), 60), log.read_text()

        pids = procs.tree(worker.pid)
        procs.signal_pids(pids, signal.SIGTERM)
        gone = procs.wait_gone(pids, 10)
        procs.signal_pids([pid for pid in pids if procs.alive(pid)], signal.SIGKILL)
        procs.stop(worker, grace=1)

        assert gone is not None, log.read_text()[-2000:]
        log.write_text("")
    assert worker.returncode == 0
