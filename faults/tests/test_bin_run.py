"""bin/run's stop is bounded whatever its children do: a worker that ignores SIGTERM is killed at 8 s.

The product's commands are replaced by stubs (a VENV whose python and celery are shell scripts),
so these run in seconds and show bin/run's own rules: SIGTERM to it, to every process, or to
`make run` alone (make forwards nothing) ends every process within 10 s.
"""

import os
import shutil
import signal
import textwrap
import time
from pathlib import Path

import pytest

from faults import procs

pytestmark = pytest.mark.fault

# Migrations and demo data finish at once; the dev server sleeps; the worker is stuck in a warm
# shutdown that no SIGTERM ends (as the prefork worker was on the file-system broker).
PYTHON_STUB = """\
#!/usr/bin/env bash
case "$*" in *uvicorn*) exec sleep 600 ;; esac
exit 0
"""
CELERY_STUB = """\
#!/usr/bin/env bash
case "$*" in *worker*) trap 'echo warm shutdown' TERM ;; esac
while :; do sleep 0.2; done
"""


@pytest.fixture
def stub_venv(tmp_path):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", PYTHON_STUB), ("celery", CELERY_STUB)):
        (bin_dir / name).write_text(textwrap.dedent(text))
        (bin_dir / name).chmod(0o755)
    (tmp_path / "venv" / ".installed").touch()
    return tmp_path / "venv"


def start(stub_venv, tmp_path, command):
    env = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path / "var"), "PORT": "1", "VENV": str(stub_venv)}
    process = procs.start(command, log=tmp_path / "run.log", env=env)
    # Running: bin/run plus worker, beat and the dev server (each stub a process or two).
    assert procs.wait_until(lambda: len(procs.tree(process.pid)) >= 4, 20), (tmp_path / "run.log").read_text()
    time.sleep(1)  # past startup, in bin/run's watch loop
    return process


def stop_and_time(process, how):
    seen = set(procs.tree(process.pid))
    began = time.monotonic()
    if how == "tree":
        procs.signal_pids(sorted(seen), signal.SIGTERM)
    else:
        os.kill(process.pid, signal.SIGTERM)
    while time.monotonic() - began < 12 and any(procs.alive(pid) for pid in seen):
        seen.update(procs.tree(process.pid))
        time.sleep(0.05)
    left = [pid for pid in seen if procs.alive(pid)]
    procs.signal_pids(left, signal.SIGKILL)
    procs.stop(process, grace=1)
    return time.monotonic() - began, left


@pytest.mark.parametrize("how", ["top", "tree"])
def test_bin_run_kills_a_worker_that_ignores_sigterm_within_10_s(stub_venv, tmp_path, how):
    process = start(stub_venv, tmp_path, ["bin/run"])

    seconds, left = stop_and_time(process, how)

    assert left == []
    # The stuck worker is what bounds it: SIGKILL after the grace (7 to 8 s), not earlier, not never.
    assert 6.5 < seconds < 10, seconds
    assert process.returncode == 0


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_run_stopped_alone_leaves_no_process_behind(stub_venv, tmp_path):
    process = start(stub_venv, tmp_path, ["make", "-s", "-o", f"{stub_venv}/.installed", "run", f"VENV={stub_venv}"])
    # The recipe execs bin/run: make waits on bin/run itself, no shell in between.
    (run_pid,) = procs.children(process.pid)
    assert b"bin/run" in Path(f"/proc/{run_pid}/cmdline").read_bytes()

    seconds, left = stop_and_time(process, "make")

    assert left == []
    # bin/run saw make die and stopped the rest; the stuck worker took the grace (7 to 8 s) and a SIGKILL.
    assert 6.5 < seconds < 10, seconds
