"""``python -m bench csv``: the ticket list of a whole desk as CSV, timed, with the peak memory of the process.

Target (issue 17): all 1M tickets in at most 60 s and under 200 MB RSS, streamed. The export is requested
as an admin through Django's in-process client, in a child process of its own (``python -m bench
csv-child``), and its body is read as it streams: the child reports the seconds until the last byte,
the rows (lines after the header), the bytes and its peak RSS (``ru_maxrss``), which covers Django,
the query's rows and the response, since nothing else runs there.

It only reads the desk, apart from the admin it signs in as (``bench-admin@example.test``, the one
``make bench`` times pages as, made once).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

from bench.child import BASE_URL, child_env, desk_url, run_child, setup_django

TARGET_SECONDS = 60.0
TARGET_RSS_MB = 200.0


def add_commands(commands: argparse._SubParsersAction) -> None:
    csv = commands.add_parser("csv", help="time GET /api/v1/tickets?format=csv of a whole desk, with peak RSS")
    csv.add_argument("--tickets", type=int, default=1_000_000, help="the desk to read (its database's suffix)")
    csv.add_argument("--url", default="", help="the desk's DATABASE_URL (default: the bench desk of --tickets)")
    csv.add_argument("--runs", type=int, default=1, help="exports, each in a fresh process")
    commands.add_parser("csv-child", help="one export in this process; prints JSON")


def main(options: argparse.Namespace) -> int:
    """Each run in a fresh child; prints every run and the median, and answers 1 when over a target."""
    url = options.url or desk_url(os.environ.get("DATABASE_URL") or BASE_URL, options.tickets)
    runs = []
    for _ in range(options.runs):
        run = run_child(["csv-child"], child_env(url))
        runs.append(run)
        print(
            f"csv export: {run['rows']:,} rows, {run['megabytes']:.0f} MB in {run['seconds']:.1f} s "
            f"({run['rows'] / max(run['seconds'], 1e-9):,.0f} rows/s), peak RSS {run['max_rss_mb']:.0f} MB "
            f"(before the request {run['rss_before_mb']:.0f} MB)",
            flush=True,
        )
    seconds = sorted(run["seconds"] for run in runs)[len(runs) // 2]
    rss = max(run["max_rss_mb"] for run in runs)
    ok = seconds <= TARGET_SECONDS and rss < TARGET_RSS_MB
    print(f"{'ok' if ok else 'SLOW'}: median {seconds:.1f} s (target {TARGET_SECONDS:.0f} s), "
          f"peak RSS {rss:.0f} MB (target < {TARGET_RSS_MB:.0f} MB)")  # fmt: skip
    return 0 if ok else 1


def child(options: argparse.Namespace) -> int:
    setup_django()
    print(json.dumps(export_once()))
    return 0


def export_once(path: str = "/api/v1/tickets?format=csv") -> dict[str, float | int]:
    """One export as an admin (a JWT: signing in writes nothing), read to its last byte."""
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.roles import Role
    from bench.pages import bench_user

    admin = bench_user("bench-admin@example.test", Role.ADMIN)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(admin)}")
    before = _max_rss_mb()
    began = time.perf_counter()
    response = client.get(path)
    if response.status_code != 200 or not response.streaming:
        raise RuntimeError(f"the export answered {response.status_code} (streamed: {response.streaming})")
    lines = size = 0
    first = b""
    for chunk in response.streaming_content:
        if not first:
            first = bytes(chunk)
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - began
    return {
        "rows": lines - 1,  # the header
        "bytes": size,
        "megabytes": size / 1e6,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before, 1),
        "max_rss_mb": round(_max_rss_mb(), 1),
        "header": first.split(b"\r\n", 1)[0].decode(),
    }


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
