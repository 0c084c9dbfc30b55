"""A live helpdesk for the fuzzer: gunicorn on a free 127.0.0.1 port, fresh database, demo data.

Nothing here is part of the product; ``fuzz.run`` and the suite's short fuzz test start it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class LiveServer:
    url: str
    var_dir: Path
    pid: int

    @property
    def log(self) -> Path:
        return self.var_dir / "server.log"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(var_dir: Path, database_url: str | None) -> dict[str, str]:
    """Production settings (DEBUG off) on a database of the run's own; no Redis, no SMTP."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "LOG_FILE")
    }
    environment.update(
        DEBUG="false",
        SECRET_KEY="fuzz-only-secret-key-" + os.urandom(16).hex(),
        VAR_DIR=str(var_dir),
        STATIC_MANIFEST="false",
        EMAIL_BACKEND="file",
        # The fuzzer's thousands of requests would otherwise mostly meet 429 and test nothing.
        API_THROTTLE_AUTH="100000/min",
        API_THROTTLE_WRITE="100000/min",
        LOGIN_FAILURE_LIMIT="100000",
        LOG_LEVEL="warning",
    )
    if database_url:
        environment["DATABASE_URL"] = database_url
    return environment


def recreate_postgres_database(database_url: str) -> None:
    """A PostgreSQL run starts from an empty database of that name (never the suite's own)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(database_url).path.lstrip("/")
    admin_url = urlsplit(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _manage(environment: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=300,
    )


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with {process.returncode} before answering.")
        try:
            with urllib.request.urlopen(f"{url}/api/schema/", timeout=5):  # noqa: S310 - our own http URL
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"The server at {url} did not answer within {seconds} s.")


def _stop(pid: int) -> None:
    """SIGTERM to gunicorn's master (it stops its workers), SIGKILL if it lingers."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        finished, _status = os.waitpid(pid, os.WNOHANG)
        if finished:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@contextmanager
def live_server(database_url: str | None = None, keep: bool = False) -> Iterator[LiveServer]:
    """Migrate, load the demo data and serve with gunicorn; stop it by pid and clean up afterwards."""
    var_dir = Path(tempfile.mkdtemp(prefix="helpdesk-fuzz-"))
    environment = server_environment(var_dir, database_url)
    if database_url and database_url.startswith("postgres"):
        recreate_postgres_database(database_url)
    _manage(environment, "migrate", "--noinput")
    _manage(environment, "load_demo", "--force")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (var_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn and settings
            [str(BIN / "gunicorn"), "helpdesk.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "2", "--timeout", "60", "--graceful-timeout", "5",
             # The application is under test, not gunicorn: its 414 for a request line over 4 KB
             # is an HTML page in no schema, and the fuzzer's long repeated filters go past it.
             "--limit-request-line", "0"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(url, process)
        yield LiveServer(url=url, var_dir=var_dir, pid=process.pid)
    finally:
        _stop(process.pid)
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)
