"""``python -m bench.load`` (``make bench-load``): a bounded load run of agents against our gunicorn.

The product is served as in production (``bin/serve web``: gunicorn with uvicorn workers, ``--workers``
of them) on 127.0.0.1, on a benchmark desk of ``make bench`` (10k by default, ``--desk 1m``). Locust,
headless in its own virtualenv on the same machine, runs ``--users`` simulated agents (spawned at
``--spawn-rate`` a second) for ``--run-time`` seconds, each waiting ``--wait`` seconds between
requests; the mix is ``workload.WEIGHTS``. Prints requests per second, p50/p99 per kind of request and
in total, and failures (the run fails unless there are none); writes a Markdown section (``--out``).
Tickets it creates carry the subject prefix ``LOAD `` and stay on the desk; both processes are ended
by pid when it is over.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.live import ROOT, SIZES, credentials, desk_url, gunicorn, product_env, require_desk
from bench.load.workload import WEIGHTS
from faults import procs

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--desk", choices=sorted(SIZES), default="10k", help="which benchmark desk")
    parser.add_argument("--database", default="", help="another desk than --desk names (PostgreSQL URL)")
    parser.add_argument("--venv", default=str(ROOT / ".venv-load"), help="locust's virtualenv")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--users", type=int, default=20, help="simulated agents")
    parser.add_argument("--spawn-rate", type=float, default=10, help="agents started per second")
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load (at most 600)")
    parser.add_argument("--wait", default="0.1,0.5", help="seconds an agent waits between requests: min,max")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS-load.md"), help="the Markdown section")
    options = parser.parse_args(argv)
    if not 1 <= options.run_time <= 600:  # the run's JWT lives 15 minutes
        parser.error("--run-time must be from 1 to 600 seconds")
    wait = [float(value) for value in options.wait.split(",")]
    if len(wait) != 2 or not 0 <= wait[0] <= wait[1]:
        parser.error("--wait must be min,max seconds")
    database = options.database or desk_url(options.desk)
    require_desk(database, SIZES[options.desk])
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        rows = _run(options, database, wait, Path(folder))
    lines = _markdown(rows, options, database, wait)
    Path(options.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {options.out}")
    total = rows[-1]
    return 0 if total["requests"] and not total["failures"] else 1


def _run(options: argparse.Namespace, database: str, wait: list[float], folder: Path) -> list[dict]:
    env = product_env(database, folder / "var")
    given = credentials(env)
    config = folder / "config.json"
    config.write_text(json.dumps({**given, "wait": wait}))
    port = procs.free_port()
    host = f"http://127.0.0.1:{port}"
    serve = {"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(options.workers)}
    server = gunicorn(
        [str(ROOT / "bin/serve"), "web"],
        env={**env, **serve, "VENV": str(Path(sys.executable).parent.parent)},
        cwd=ROOT, log=folder / "server.log", probe=f"{host}/health", headers={},
    )  # fmt: skip
    try:
        print(f"== {options.users} agents for {options.run_time} s on {host} ({options.workers} workers)", flush=True)
        locust = Path(options.venv).absolute() / "bin/locust"
        command = [
            str(locust), "-f", str(HERE / "locustfile.py"), "--headless", "--host", host,
            "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
            "--run-time", f"{options.run_time}s", "--stop-timeout", "10", "--json-file", str(folder / "stats"),
            "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        locust_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOAD_CONFIG": str(config)}
        process = procs.start(command, log=folder / "locust.log", env=locust_env)
        try:
            process.wait(timeout=options.run_time + 120)
        finally:
            procs.stop(process)
        sys.stdout.write((folder / "locust.log").read_text()[-4000:])
        return read_stats(json.loads((folder / "stats.json").read_text()))
    finally:
        procs.stop(server)


def read_stats(entries: list[dict]) -> list[dict]:
    """Locust's final stats (``--json-file``): one row per kind of request, then the total.

    Percentiles come from locust's histogram of response times (milliseconds, rounded to 2 significant
    figures above 100 ms); requests per second are over the whole run, first request to last.
    """
    rows = []
    merged: Counter[float] = Counter()
    for entry in entries:
        times = Counter({float(ms): count for ms, count in entry["response_times"].items()})
        merged.update(times)
        rows.append(_row(entry["name"], entry["num_requests"], entry["num_failures"], times))
    rows.append(_row("total", sum(row["requests"] for row in rows), sum(row["failures"] for row in rows), merged))
    began = min((entry["start_time"] for entry in entries), default=0)
    ended = max((entry["last_request_timestamp"] or began for entry in entries), default=0)
    for row in rows:
        row["rps"] = row["requests"] / (ended - began) if ended > began else 0.0
    order = [*WEIGHTS, "total"]
    return sorted(rows, key=lambda row: order.index(row["name"]) if row["name"] in order else len(order))


def _row(name: str, requests: int, failures: int, times: Counter[float]) -> dict:
    return {
        "name": name,
        "requests": requests,
        "failures": failures,
        "p50_ms": _percentile(times, 0.50),
        "p99_ms": _percentile(times, 0.99),
    }


def _percentile(times: Counter[float], share: float) -> float:
    """The smallest response time that at least ``share`` of the requests did not exceed."""
    total = sum(times.values())
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= share * total:
            return ms
    return 0.0


def _markdown(rows: list[dict], options: argparse.Namespace, database: str, wait: list[float]) -> list[str]:
    name = urlsplit(database).path.lstrip("/")
    mix = ", ".join(f"{kind} {weight}" for kind, weight in WEIGHTS.items())
    lines = [
        "## Load: a mixed agent workload",
        "",
        f"Written by `make bench-load` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({os.cpu_count()} cores shared"
        f" by the server, PostgreSQL and the load generator). `bin/serve web` (gunicorn, {options.workers} uvicorn"
        f" workers, each with its pool of at most 8 PostgreSQL connections) on `{name}`; locust 2.47.0 headless on"
        f" 127.0.0.1 with {options.users}"
        f" agents (spawned {options.spawn_rate:g}/s) for {options.run_time} s, each waiting {wait[0]:g}-{wait[1]:g} s"
        f" between requests, signed in by JWT. Mix (weights): {mix}. Percentiles from locust's histogram (rounded"
        " to 2 significant figures above 100 ms); requests per second over the whole run, first request to last.",
        "",
        "| request | requests | failures | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        label = f"**{row['name']}**" if row["name"] == "total" else row["name"]
        lines.append(
            f"| {label} | {row['requests']:,} | {row['failures']} | {row['rps']:.1f} | {row['p50_ms']:.0f}"
            f" | {row['p99_ms']:.0f} |"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
