"""``python -m bench`` (``make bench``): desks of each size on PostgreSQL, every page timed, BENCHMARKS.md written.

Each size lives in a database of its own (``<DATABASE_URL's name>_<size>``), made once and topped up
later, and is measured by a child process of its own, so the figures of one size never share caches
or memory with another's. ``python -m bench size ...`` is that child.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import csv_export, sweep
from bench.child import BASE_URL, ROOT, child_env, desk_url, run_child, setup_django

# Measurements of their own (``python -m bench csv``, ``python -m bench sweep``), each with a child command.
_EXTRA_COMMANDS = {"csv": csv_export, "sweep": sweep}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="every size, then BENCHMARKS.md and the plot (the default)")
    run.add_argument("--sizes", default="10000,1000000", help="tickets per desk, comma separated")
    run.add_argument("--runs", type=int, default=20, help="timed requests per page")
    run.add_argument("--only", default="", help="only the pages whose name contains this")
    run.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="where to write the figures")
    size = commands.add_parser("size", help="one desk (DATABASE_URL): generate, time, print JSON")
    size.add_argument("--tickets", type=int, required=True)
    size.add_argument("--runs", type=int, default=20)
    size.add_argument("--only", default="")
    for extra in _EXTRA_COMMANDS.values():
        extra.add_commands(commands)
    arguments = sys.argv[1:] if argv is None else argv
    options = parser.parse_args(arguments or ["run"])
    if options.command == "size":
        return _size(options)
    for name, extra in _EXTRA_COMMANDS.items():
        if options.command == name:
            return extra.main(options)
        if options.command == f"{name}-child":
            return extra.child(options)
    return _run(options)


def _run(options: argparse.Namespace) -> int:
    from bench.write import write_results

    base = os.environ.get("DATABASE_URL") or BASE_URL
    if not base.startswith(("postgres://", "postgresql://")):
        print("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    results = {}
    for tickets in (int(value) for value in options.sizes.split(",")):
        url = _database_for(base, tickets)
        print(f"== {tickets:,} tickets in {urlsplit(url).path.lstrip('/')}", flush=True)
        results[tickets] = _measure(url, tickets, options)
        for timing in results[tickets]["pages"]:
            print(f"{timing['verdict']:8} p50 {timing['p50_ms']:9.1f} ms  p95 {timing['p95_ms']:9.1f} ms  "
                  f"sql {timing['sql_ms']:8.1f}  prepared {timing['prepared_ms']:8.1f}  "
                  f"{timing['queries']:3} queries  {timing['name']}", flush=True)  # fmt: skip
    write_results(results, Path(options.out))
    print(f"wrote {options.out}")
    return 0 if all(t["verdict"] == "ok" for r in results.values() for t in r["pages"]) else 1


def _database_for(base: str, tickets: int) -> str:
    """The database of a desk of ``tickets``, created when missing."""
    import psycopg

    url = desk_url(base, tickets)
    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(base)._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return url


def _measure(url: str, tickets: int, options: argparse.Namespace) -> dict:
    arguments = ["size", "--tickets", str(tickets), "--runs", str(options.runs), "--only", options.only]
    return run_child(arguments, child_env(url))


def _size(options: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench.desk import generate
    from bench.pages import time_pages

    call_command("migrate", verbosity=0)
    added = generate(options.tickets)
    if added:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    pages = [timing.as_dict() for timing in time_pages(runs=options.runs, only=options.only)]
    print(json.dumps({"tickets": options.tickets, "added": added, "pages": pages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
