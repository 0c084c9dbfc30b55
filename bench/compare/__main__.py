"""``python -m bench.compare`` (``make bench-compare``): our ticket API and django-helpdesk's, timed in one run.

Both are served the same way: gunicorn, sync WSGI workers (the same count), on 127.0.0.1, each on
its own PostgreSQL database holding the same tickets (``compare_site.desk`` copies ours), with the
same ``DB_CONN_MAX_AGE``. One client requests the two in turn (ours, theirs, then theirs, ours ...),
one request at a time, each on a new connection and timed to the last byte of the body, signed in
by a session cookie on both sides. Prints p50/p95 and writes a Markdown section (``--out``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.live import ROOT, credentials, desk_url, gunicorn, product_env, require_desk
from faults import procs

SITE = Path(__file__).resolve().parent / "site"
VERSION = "django-helpdesk 2.6.1"  # as pinned in requirements.txt


@dataclass(frozen=True)
class Side:
    """One of the two servers: where it listens, how its requests sign in, and its pages."""

    name: str
    port: int
    cookie: str
    pages: dict[str, str]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("--database", default=desk_url("10k"), help="our 10k desk (made by `make bench`)")
    parser.add_argument("--compare-database", default="postgres://postgres@127.0.0.1:5432/helpdesk_compare_10k")
    parser.add_argument("--venv", default=str(ROOT / ".venv-compare"), help="django-helpdesk's virtualenv")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page and side (2 or more)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers on each side")
    parser.add_argument("--conn-max-age", type=int, default=0, help="DB_CONN_MAX_AGE on both sides")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS-compare.md"), help="the Markdown section")
    options = parser.parse_args(argv)
    require_desk(options.database, options.tickets)
    _create_database(options.compare_database)
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as folder:
        results = _run(options, Path(folder))
    lines = _markdown(results, options)
    Path(options.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {options.out}")
    return 0 if all(r["status"] == 200 for r in results) else 1


def _create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(scheme="postgresql", path="/postgres").geturl(), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _their_env(options: argparse.Namespace) -> dict[str, str]:
    """Nothing of ours: django-helpdesk's package is also called ``helpdesk``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SITE),
        "DJANGO_SETTINGS_MODULE": "compare_site.settings",
        "COMPARE_DATABASE_URL": options.compare_database,
        "DB_CONN_MAX_AGE": str(options.conn_max_age),
        "SECRET_KEY": secrets.token_urlsafe(50),
    }


def _middle_ids(options: argparse.Namespace) -> tuple[int, int]:
    """The same ticket on both sides (the middle of the desk): our id and theirs."""
    import psycopg

    middle = options.tickets // 2
    with psycopg.connect(urlsplit(options.database)._replace(scheme="postgresql").geturl()) as ours:
        our_id = ours.execute("SELECT id FROM tickets_ticket WHERE number = %s", [f"BENCH-{middle:08d}"]).fetchone()
    with psycopg.connect(urlsplit(options.compare_database)._replace(scheme="postgresql").geturl()) as theirs:
        their_id = theirs.execute("SELECT id FROM helpdesk_ticket WHERE title LIKE %s", [f"% ticket {middle}"])
        their_id = their_id.fetchone()
    return our_id[0], their_id[0]


def _run(options: argparse.Namespace, folder: Path) -> list[dict]:
    venv = Path(options.venv).absolute()  # the child runs in site/
    theirs_env = _their_env(options)
    print(f"== copying {options.tickets:,} tickets into {urlsplit(options.compare_database).path.lstrip('/')}")
    copied = subprocess.run(  # noqa: S603 - the comparison's own virtualenv and module
        [str(venv / "bin/python"), "-m", "compare_site.desk", "--source", options.database,
         "--tickets", str(options.tickets)],
        cwd=SITE, env=theirs_env, stdout=subprocess.PIPE, check=True, timeout=600,
    )  # fmt: skip
    their_session = json.loads(copied.stdout.decode().strip().splitlines()[-1])["session"]
    ours_env = product_env(options.database, folder / "var", DB_CONN_MAX_AGE=str(options.conn_max_age))
    our_session = credentials(ours_env)["session"]
    our_id, their_id = _middle_ids(options)
    ours = Side(
        "ours", procs.free_port(), our_session, {"list": "/api/v1/tickets", "detail": f"/api/v1/tickets/{our_id}"}
    )
    theirs = Side(
        VERSION, procs.free_port(), their_session, {"list": "/api/tickets/", "detail": f"/api/tickets/{their_id}/"}
    )
    workers = ["--workers", str(options.workers), "--timeout", "120"]
    servers = []
    try:
        print(f"== serving both with gunicorn, {options.workers} sync workers each")
        servers.append(
            gunicorn(
                [str(Path(sys.executable).parent / "gunicorn"), "helpdesk.wsgi", "--bind", f"127.0.0.1:{ours.port}",
                 *workers],
                env=ours_env, cwd=ROOT, log=folder / "ours.log", probe=f"http://127.0.0.1:{ours.port}/health",
                headers={},
            )
        )  # fmt: skip
        servers.append(
            gunicorn(
                [str(venv / "bin/gunicorn"), "compare_site.wsgi", "--bind", f"127.0.0.1:{theirs.port}", *workers],
                env=theirs_env, cwd=SITE, log=folder / "theirs.log",
                probe=f"http://127.0.0.1:{theirs.port}{theirs.pages['detail']}",
                headers={"Cookie": f"sessionid={theirs.cookie}"},
            )
        )  # fmt: skip
        return [result for page in ours.pages for result in _time_page(page, (ours, theirs), options.runs)]
    finally:
        for server in reversed(servers):
            procs.stop(server)


def _get(side: Side, path: str) -> tuple[float, int, int, int]:
    """One GET on a new connection: milliseconds to the last byte, status, bytes, rows in ``results``."""
    connection = http.client.HTTPConnection("127.0.0.1", side.port, timeout=120)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Cookie": f"sessionid={side.cookie}", "Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    spent = (time.perf_counter() - started) * 1000
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    rows = len(document["results"]) if isinstance(document, dict) and "results" in document else 1
    return spent, response.status, len(body), rows


def _time_page(page: str, sides: tuple[Side, Side], runs: int) -> list[dict]:
    spent: dict[str, list[float]] = {side.name: [] for side in sides}
    last: dict[str, tuple[float, int, int, int]] = {}
    for side in sides:  # the warm-up: imports, plans, caches
        _get(side, side.pages[page])
    for run in range(runs):
        for side in sides if run % 2 == 0 else reversed(sides):
            last[side.name] = _get(side, side.pages[page])
            spent[side.name].append(last[side.name][0])
    results = []
    for side in sides:
        _, status, size, rows = last[side.name]
        result = {
            "page": page, "side": side.name, "path": side.pages[page], "status": status, "bytes": size, "rows": rows,
            "p50_ms": round(statistics.median(spent[side.name]), 1),
            "p95_ms": round(statistics.quantiles(spent[side.name], n=100, method="inclusive")[94], 1),
        }  # fmt: skip
        print(f"{page:6} {side.name:22} HTTP {status}  p50 {result['p50_ms']:9.1f} ms  p95 {result['p95_ms']:9.1f} ms"
              f"  {_size(result)}", flush=True)  # fmt: skip
        results.append(result)
    return results


def _size(result: dict) -> str:
    rows = f"{result['rows']} rows, " if result["page"] == "list" else ""
    return f"{rows}{result['bytes']:,} B"


def _markdown(results: list[dict], options: argparse.Namespace) -> list[str]:
    by_page: dict[str, dict[str, dict]] = {}
    for result in results:
        by_page.setdefault(result["page"], {})[result["side"]] = result
    lines = [
        f"## Beside {VERSION}",
        "",
        f"Written by `make bench-compare` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({os.cpu_count()} cores,"
        f" PostgreSQL). The same {options.tickets:,} tickets and their replies on both sides (copied from our"
        " desk); both served by gunicorn with"
        f" {options.workers} sync WSGI workers on 127.0.0.1, `DB_CONN_MAX_AGE={options.conn_max_age}`, signed in"
        f" by a session cookie; one client, one request at a time, the two servers in turn, {options.runs}"
        " timed requests per page and side after a warm-up, each on a new connection, timed to the last byte.",
        "",
        f"| page | ours | p50 ms | p95 ms | {VERSION} | p50 ms | p95 ms | theirs / ours (p50) |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for page, sides in by_page.items():
        ours, theirs = sides["ours"], sides[VERSION]
        ratio = theirs["p50_ms"] / ours["p50_ms"] if ours["p50_ms"] else 0
        lines.append(
            f"| {page} | `{ours['path']}` ({_size(ours)}) | {ours['p50_ms']:.1f}"
            f" | {ours['p95_ms']:.1f} | `{theirs['path']}` ({_size(theirs)})"
            f" | {theirs['p50_ms']:.1f} | {theirs['p95_ms']:.1f} | {ratio:.0f}x |"
        )
    lines += [
        "",
        f"Why {VERSION} is slower: its `TicketViewSet.get_queryset` calls `Ticket.set_custom_field_values()`"
        " on every ticket the user may see before the page is cut, and that runs a query"
        " (`CustomField.objects.all()`) per ticket: its list and its detail read the whole desk and send one"
        " query per ticket on every request. Its list also nests every reply of each ticket (`followup_set`);"
        " ours lists tickets only.",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
