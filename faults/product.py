"""The product's own processes for a fault run: gunicorn, a Celery worker, beat, and a client of its API."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

from faults import procs
from faults.services import Postgres, Redis, SmtpSink

# A request that gets no answer in this time counts as failed (and is retried where the client retries).
REQUEST_TIMEOUT = 15


class Product:
    """Environment and processes of one product instance on the run's PostgreSQL, Redis and SMTP sink."""

    def __init__(self, folder: Path, postgres: Postgres, redis: Redis | None, smtp: SmtpSink | None) -> None:
        self.folder = folder
        self.postgres = postgres
        self.port = procs.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "REDIS_"))},
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url if redis else "",
            "VAR_DIR": str(folder / "var"),
            "SECRET_KEY": f"fault-run-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "DEBUG": "false",
            "STATIC_MANIFEST": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "API_THROTTLE_WRITE": "100000/min",
            "API_THROTTLE_AUTH": "100000/min",
            "LOG_LEVEL": "warning",
            "EMAIL_BACKEND": "smtp" if smtp else "console",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port if smtp else 25),
            "EMAIL_TIMEOUT": "5",
        }

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", *args], cwd=procs.ROOT, env=self.env, check=True, capture_output=True,
            timeout=300,
        )  # fmt: skip

    def gunicorn(
        self, workers: int = 2, threads: int = 4, *, port: int | None = None, name: str = "gunicorn"
    ) -> subprocess.Popen:
        """A web server on ``port`` (this product's own by default); more than one may run at once."""
        port = port or self.port
        command = [
            sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), "--timeout", "30", "--graceful-timeout", "5",
        ]  # fmt: skip
        process = self._start(command, name)
        base = f"http://127.0.0.1:{port}"
        if not procs.wait_until(lambda: self.answers("/health", base), 60, every=0.5):
            raise RuntimeError(f"gunicorn did not answer /health; see {self.folder / f'{name}.log'}")
        return process

    def answers(self, path: str, base: str | None = None) -> bool:
        try:
            return requests.get((base or self.base) + path, timeout=2).status_code < 500
        except requests.RequestException:
            return False

    def worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        command = [
            sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--loglevel=info", "-n", f"{name}@%h",
            "--concurrency", str(concurrency), "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        process = self._start(command, name)
        log = self.folder / f"{name}.log"
        if not procs.wait_until(lambda: log.exists() and " ready." in log.read_text(errors="replace"), 60, every=0.3):
            raise RuntimeError(f"the Celery worker did not start; see {log}")
        return process

    def beat(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "helpdesk", "beat", "--loglevel=info"]
        return self._start(command, "beat")

    def _start(self, command: list[str], name: str) -> subprocess.Popen:
        process = procs.start(command, log=self.folder / f"{name}.log", env=self.env)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        """Stop every process this product started (SIGTERM, then SIGKILL after 10 s), newest first."""
        for process in reversed(self.processes):
            procs.stop(process)
        self.processes.clear()

    def customer(self) -> Client:
        """A customer registered over the API, with a signed-in client."""
        email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
        password = f"Fault-{uuid.uuid4().hex}"
        response = requests.post(
            self.base + "/api/v1/auth/register", json={"email": email, "password": password}, timeout=REQUEST_TIMEOUT
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"register answered {response.status_code}: {response.text[:300]}")
        login = requests.post(
            self.base + "/api/v1/auth/login", json={"email": email, "password": password}, timeout=REQUEST_TIMEOUT
        )
        login.raise_for_status()
        return Client(self.base, login.json()["access"])

    def tickets_by_subject(self, prefix: str) -> dict[str, int]:
        """How many tickets the database holds for each subject starting with ``prefix``."""
        rows = self.postgres.query(
            "SELECT subject, count(*) FROM tickets_ticket WHERE subject LIKE %s GROUP BY subject", prefix + "%"
        )
        return dict(rows)

    def confirmation_ids(self, prefix: str) -> dict[str, str]:
        """The requester's confirmation Message-ID of each ticket whose subject starts with ``prefix``."""
        rows = self.postgres.query("SELECT id, subject FROM tickets_ticket WHERE subject LIKE %s", prefix + "%")
        return {f"<ticket-{pk}@127.0.0.1>": subject for pk, subject in rows}


class Client:
    """Creates tickets over the API; thread-safe (one session per thread)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.headers.update(self.headers)
        return self._local.session

    def create(self, subject: str, key: str | None = None) -> int | None:
        """One POST /api/v1/tickets; the status code, or None when no answer came."""
        headers = {"Idempotency-Key": key} if key else {}
        try:
            response = self._session().post(
                self.base + "/api/v1/tickets",
                json={"subject": subject, "category": "general"},
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException:
            self._local.__dict__.pop("session", None)
            return None
        self._local.retry_after = _retry_after(response.headers.get("Retry-After"))
        return response.status_code

    def create_until_answered(self, subject: str, key: str, deadline: float) -> tuple[int | None, int]:
        """POST with the same Idempotency-Key until a non-5xx answer or ``deadline``; (status, attempts).

        Connection errors and 5xx are retried, waiting what Retry-After asks (1 s when it asks nothing).
        """
        attempts = 0
        status = None
        while time.monotonic() < deadline:
            attempts += 1
            status = self.create(subject, key)
            if status is not None and status < 500:
                return status, attempts
            wait = getattr(self._local, "retry_after", None) if status is not None else None
            time.sleep(min(wait or 1.0, max(0.0, deadline - time.monotonic())))
        return status, attempts


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), 30.0) if value else None
    except ValueError:
        return None
