"""Against a real PostgreSQL of the test's own: lost between commit and answer, then stopped, then back.

The test starts a PostgreSQL cluster on a free port (``initdb`` + ``pg_ctl`` in a temporary
directory), puts a TCP proxy in front of it that can cut every connection the instant the
server confirms a ticket's COMMIT, and runs the product under gunicorn on that database. It is
skipped where the PostgreSQL server binaries are missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    folders = [Path(os.path.realpath(found)).parent] if found else []
    folders += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return next((f for f in folders if (f / "initdb").exists() and (f / "pg_ctl").exists()), None)


PG_BIN = _pg_bin()
pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries (initdb, pg_ctl) are not installed"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in ``folder`` on ``port`` (run as the postgres user when we are root)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            os.chown(folder, pwd.getpwnam(self.user).pw_uid, -1)

    def run(self, *args: str) -> None:
        done = subprocess.run(args, capture_output=True, text=True, user=self.user, cwd=self.folder)  # noqa: S603
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr}"

    def init(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", "data", "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(str(PG_BIN / "pg_ctl"), "-D", "data", "-o", options, "-l", "log", "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", "data", "-m", mode, "-w", "stop")

    def stop_if_running(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self.stop("immediate")


class CutAfterCommit:
    """A TCP proxy to PostgreSQL; armed, it drops every connection once a ticket's COMMIT is confirmed."""

    def __init__(self, target: int) -> None:
        self.target, self.port = target, free_port()
        self.armed = self.down = False
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                if self.down:
                    raise ConnectionRefusedError
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:  # cut, or PostgreSQL is stopped: refused, as the database itself would
                client.close()
                continue
            self.sockets += [client, upstream]
            state = {"insert": False, "commit": False}
            threading.Thread(target=self._pump, args=(client, upstream, state, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, state, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, state: dict, outgoing: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if outgoing and self.armed:
                state["insert"] = state["insert"] or b'INSERT INTO "tickets_ticket"' in data
                state["commit"] = state["insert"] and b"COMMIT" in data
            try:
                sink.sendall(data)
            except OSError:
                break
            if not outgoing and state["commit"] and b"COMMIT\x00" in data:
                self.cut()  # the server has committed and told the client so: now the database is gone
                break
        for end in (source, sink):
            end.close()

    def cut(self) -> None:
        self.armed, self.down = False, True
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture(params=["0", "2"], ids=["connection-per-request", "pooled"])
def product(tmp_path, request):
    """PostgreSQL, the proxy and the product under gunicorn; yields (base URL, cluster, proxy, count).

    Twice: opening a connection per request, and borrowing from a pool (DB_POOL_SIZE), whose
    connections the cut and the restart break under it.
    """
    import psycopg

    # Not under pytest's own (root-only) folder: the postgres user must reach it.
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="helpdesk-pg-")))
    cluster.init()
    cluster.start()
    proxy = CutAfterCommit(cluster.port)
    server = None
    try:
        with psycopg.connect(
            f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True
        ) as db:
            db.execute("CREATE DATABASE helpdesk")
        web = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{proxy.port}/helpdesk",
            "DB_CONN_MAX_AGE": "0",
            "DB_POOL_SIZE": request.param,
            "REDIS_URL": "",
            "VAR_DIR": str(tmp_path / "var"),
            "DEBUG": "false",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
        create = "from accounts.models import User; User.objects.create_user('ann@example.com', 'a-long-password-1')"
        subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
        gunicorn = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "-b", f"127.0.0.1:{web}", "-w", "1"]
        server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        base = f"http://127.0.0.1:{web}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", web), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)

        def count(subject: str) -> int:
            dsn = f"host=127.0.0.1 port={cluster.port} user=postgres dbname=helpdesk"
            with psycopg.connect(dsn) as db:
                return db.execute("SELECT count(*) FROM tickets_ticket WHERE subject = %s", [subject]).fetchone()[0]

        def web_connections() -> int:
            """The product's connections open between requests (ours excluded)."""
            dsn = f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres"
            with psycopg.connect(dsn) as db:
                sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'helpdesk' AND pid <> pg_backend_pid()"
                return db.execute(sql).fetchone()[0]

        count.web_connections = web_connections
        count.pool_size = int(request.param)

        yield base, cluster, proxy, count
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        proxy.close()
        cluster.stop_if_running()
        shutil.rmtree(cluster.folder, ignore_errors=True)


def test_a_lost_database_answers_503_and_a_retry_with_the_key_finds_the_first_ticket(product):
    base, cluster, proxy, count = product
    login = requests.post(
        f"{base}/api/v1/auth/login", json={"email": "ann@example.com", "password": "a-long-password-1"}, timeout=10
    )
    assert login.status_code == 200, login.text
    bearer = {"Authorization": f"Bearer {login.json()['access']}"}
    for _ in range(5):
        assert requests.get(f"{base}/api/v1/tickets", headers=bearer, timeout=10).status_code == 200
    if count.pool_size:  # kept open for the next request, never more than the pool holds
        assert 1 <= count.web_connections() <= count.pool_size
    else:  # each request closed its own
        assert count.web_connections() == 0

    def create(subject: str, key: str) -> requests.Response:
        body = {"subject": subject, "category": "general"}
        return requests.post(
            f"{base}/api/v1/tickets", json=body, headers={**bearer, "Idempotency-Key": key}, timeout=30
        )

    # 1. Saved, then the database goes away before the answer: 503, and the retry is the first ticket.
    proxy.armed = True
    lost = create("Saved before the drop", "key-1")
    assert lost.status_code == 503, lost.text
    assert lost.headers["Retry-After"] == "5" and lost.json()["code"] == "SERVICE_UNAVAILABLE"
    assert count("Saved before the drop") == 1
    proxy.down = False
    retry = create("Saved before the drop", "key-1")
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["subject"] == "Saved before the drop"
    assert count("Saved before the drop") == 1

    # 2. PostgreSQL stopped: 503 with Retry-After, nothing saved; started again, the retry creates it once.
    cluster.stop()
    down = create("While stopped", "key-2")
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    assert down.json()["status"] == "error" and down.json()["code"] == "SERVICE_UNAVAILABLE"
    cluster.start()
    first = create("While stopped", "key-2")
    again = create("While stopped", "key-2")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert count("While stopped") == 1
