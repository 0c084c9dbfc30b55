"""SIGTERM to the whole product (``bin/run``: web, worker, beat): every process gone within 10 s.

Variants, each repeated: ``group`` (the signal to bin/run's process group, as a terminal or
``kill -- -PGID`` sends it), ``top`` (bin/run alone, as docker stop sends it to PID 1), ``tree``
(every process at once, as systemd's control-group kill does), ``make`` (``make run`` alone, which
forwards nothing).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import requests

from faults import procs
from faults.stack import Result

LIMIT = 10.0
VARIANTS = ("group", "top", "tree", "make")
PLAIN_ENVIRONMENT = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME"}


def start_product(folder: Path, how: str, env: dict[str, str] | None = None):
    """bin/run (or ``make run``) on a free port with its own VAR_DIR; returns (process, port) once all three run."""
    port = procs.free_port()
    venv = Path(sys.executable).parent.parent
    environment = {
        # As from a fresh shell: none of the caller's settings (a test run's DEBUG=false, its VAR_DIR...).
        **{key: value for key, value in os.environ.items() if key in PLAIN_ENVIRONMENT},
        "VAR_DIR": str(folder / "var"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "VENV": str(venv),
        **(env or {}),
    }
    # make -o: the venv counts as installed, so `make run` starts bin/run without touching it.
    command = ["make", "-s", "-o", f"{venv}/.installed", "run", f"VENV={venv}"] if how == "make" else ["bin/run"]
    log = folder / "run.log"
    process = procs.start(command, log=log, env=environment)

    def ready() -> bool:
        text = log.read_text(errors="replace") if log.exists() else ""
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
        except requests.RequestException:
            return False
        return " ready." in text and "beat: Starting" in text

    if not procs.wait_until(ready, 120, every=0.3):
        raise RuntimeError(f"the product did not start; see {log}")
    return process, port


def stop_once(folder: Path, how: str, env: dict[str, str] | None = None) -> tuple[float | None, int]:
    """Start the product, send SIGTERM the ``how`` way; (seconds until every process is gone or None, count)."""
    process, _ = start_product(folder, how, env)
    seen = set(procs.tree(process.pid))
    running = len(seen)
    if how == "group":
        os.killpg(process.pid, signal.SIGTERM)
    elif how == "tree":
        procs.signal_pids(sorted(seen), signal.SIGTERM)
    else:
        os.kill(process.pid, signal.SIGTERM)
    began = time.monotonic()
    while time.monotonic() - began < LIMIT:
        seen.update(procs.tree(process.pid))
        if not any(procs.alive(pid) for pid in seen):
            break
        time.sleep(0.05)
    left = [pid for pid in seen if procs.alive(pid)]
    gone = None if left else time.monotonic() - began
    if left:
        # Which ones outlived the limit, for the report (then they are killed).
        print(f"{how}: still running after {LIMIT:.0f} s: {'; '.join(_command(pid) for pid in left)}", flush=True)
    procs.signal_pids(left, signal.SIGKILL)
    procs.stop(process, grace=1)
    return gone, running


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:100]
    except OSError:
        return str(pid)


def run(
    repeats: int = 3, variants: tuple[str, ...] = VARIANTS, env: dict[str, str] | None = None, name: str = "sigterm"
) -> Result:
    """Each variant ``repeats`` times; ``env`` adds settings (DATABASE_URL and REDIS_URL for the prefork pool)."""
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-sigterm-"))
    times: dict[str, list[float | None]] = {variant: [] for variant in variants}
    processes = 0
    try:
        for _ in range(repeats):
            for variant in variants:
                gone, count = stop_once(folder, variant, env)
                times[variant].append(gone)
                processes += count
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    stops = [gone for values in times.values() for gone in values]
    over = [gone for gone in stops if gone is None or gone > LIMIT]
    # Per variant: stops within the limit / stops, and the slowest (">10" when one outlived it).
    per_variant = {
        variant: f"{sum(1 for gone in values if gone is not None)}/{len(values)}"
        f"(max {'>10' if None in values else f'{max(values):.1f}'}s)"
        for variant, values in times.items()
        if values
    }
    return Result(
        scenario=name,
        acknowledged=len(stops),
        found=len(stops) - len(over),
        lost=len(over),
        duplicated=0,
        late=len(over),
        seconds=time.monotonic() - began,
        extra={"processes": processes, "within_10s": ",".join(f"{k}:{v}" for k, v in per_variant.items())},
    )
