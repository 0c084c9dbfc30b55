"""The product served by gunicorn on 127.0.0.1 for ``make bench-compare`` and ``make bench-load``.

Both time the product over HTTP on a benchmark desk that ``make bench`` made: nothing here creates
or migrates a desk, it only checks that the desk holds its tickets. The servers are started and
stopped by pid (``faults.procs``); ``python -m bench.live credentials`` is the child that signs the
benchmark's admin in, with the same settings as the server, and prints what a client needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bench import child
from bench.child import ROOT
from faults import procs

SIZES = {"10k": 10_000, "1m": 1_000_000}


def desk_url(size: str) -> str:
    """The desk of ``size`` (10k, 1m) as ``make bench`` names it: DATABASE_URL's database name + ``_<size>``."""
    return child.desk_url(os.environ.get("DATABASE_URL") or child.BASE_URL, SIZES[size])


def desk_tickets(database_url: str) -> int:
    """How many benchmark tickets (``BENCH-`` numbers) the desk at ``database_url`` holds; 0 when it is missing."""
    import psycopg

    url = urlsplit(database_url)._replace(scheme="postgresql").geturl()
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            row = connection.execute("SELECT count(*) FROM tickets_ticket WHERE number LIKE 'BENCH-%'").fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return 0
    return row[0]


def require_desk(database_url: str, tickets: int) -> None:
    """Exit with a message unless the desk holds at least ``tickets`` benchmark tickets (a desk still being
    generated is not used)."""
    have = desk_tickets(database_url)
    if have < tickets:
        name = urlsplit(database_url).path.lstrip("/")
        sys.exit(f"{name} holds {have:,} benchmark tickets, not {tickets:,}: run `make bench` first (or wait for it).")


def product_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off, no Redis, no SMTP) on ``database_url``, throttles out of the way.

    As a measuring child's (``child_env``), served on 127.0.0.1, without this shell's Django, Celery,
    email or Redis settings.
    """
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "REDIS_"))}
    return child.child_env(
        database_url,
        inherit=shell,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        VAR_DIR=str(var_dir),
        EMAIL_BACKEND="file",
        **extra,
    )


def credentials(env: dict[str, str]) -> dict:
    """Sign the benchmark's admin in under ``env`` (the server's settings): see ``_credentials``."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.live", "credentials"], cwd=ROOT, env=env, stdout=subprocess.PIPE, check=True,
        timeout=120,
    )  # fmt: skip
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def _credentials() -> dict:
    """A session cookie and a JWT of the benchmark's admin, some ticket ids, a category and the search words."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.roles import Role
    from bench.desk import ABSENT_WORD, COMMON_WORDS, PREFIX, RARE_WORD
    from bench.pages import bench_user
    from tickets.models import Category, Ticket

    admin = bench_user("bench-admin@example.test", Role.ADMIN)
    client = Client()
    client.force_login(admin)
    # Every 50th benchmark ticket, up to 400: spread over the desk's year, found by the unique number index.
    numbers = [f"{PREFIX}{n:08d}" for n in range(1, 20_001, 50)]
    ids = list(Ticket.objects.filter(number__in=numbers).values_list("pk", flat=True))
    return {
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "token": str(AccessToken.for_user(admin)),
        "tickets": ids,
        "category": Category.objects.order_by("pk").values_list("slug", flat=True).first(),
        "words": {"common": list(COMMON_WORDS), "rare": RARE_WORD, "absent": ABSENT_WORD},
    }


def gunicorn(command: list[str], *, env: dict[str, str], cwd: Path, log: Path, probe: str, headers: dict[str, str]):
    """Start a server (``command``, listening on ``probe``'s host and port) and wait until ``probe`` answers 200."""
    process = procs.start(command, log=log, env=env, cwd=cwd)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(urllib.request.Request(probe, headers=headers), timeout=30) as answer:  # noqa: S310
                if answer.status == 200:
                    return process
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    procs.stop(process)
    raise RuntimeError(f"{probe} did not answer 200 within 90 s; see {log}")


if __name__ == "__main__":
    if sys.argv[1:] != ["credentials"]:
        sys.exit("usage: python -m bench.live credentials")
    print(json.dumps(_credentials()))
