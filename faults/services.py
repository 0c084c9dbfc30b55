"""The services a fault run starts for itself on 127.0.0.1: PostgreSQL, Redis and an SMTP sink.

Each one lives in the run's temporary folder on a free port and is stopped by pid; the shared
PostgreSQL and Redis of the machine are never touched.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

from faults import procs


class Missing(RuntimeError):
    """A binary a scenario needs is not installed (the pytest version skips on it)."""


def _pg_binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), "")
    if not found:
        raise Missing(f"{name} (PostgreSQL server binaries) is not installed")
    return found


class Postgres:
    """A throw-away PostgreSQL cluster: initdb in ``folder``, trust auth, 127.0.0.1 on a free port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = procs.free_port()
        self.log = folder / "postgres.log"
        # PostgreSQL refuses to run as root; as root the cluster belongs to the postgres user.
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/helpdesk"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools with our arguments
            command, user=self.user, cwd=self.folder, capture_output=True, text=True, timeout=120
        )
        if check and done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
        return done

    def start(self) -> Postgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.folder, self.user)
        self._run(_pg_binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self._ctl("start", "-w")
        self._run(_pg_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "helpdesk")
        return self

    def _ctl(self, action: str, *extra: str) -> None:
        # fsync off: a fast shutdown still writes everything out, and the runs are 2-core-machine sized.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off -c max_connections=100"
        self._run(_pg_binary("pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-o", options, *extra)

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut, the server is back when this returns."""
        self._ctl("restart", "-m", "fast", "-w")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        pid = self.postmaster_pid()
        if pid:
            self._run(_pg_binary("pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)
            procs.wait_gone([pid], 10)

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), connect_timeout=10) as connection:
            return connection.execute(sql, params).fetchall()


class Redis:
    """A redis-server on a free port without persistence; stopping and starting it is the fault."""

    def __init__(self, folder: Path) -> None:
        if not shutil.which("redis-server"):
            raise Missing("redis-server is not installed")
        self.folder = folder
        self.port = procs.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> Redis:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = procs.start([*command, "--dir", str(self.folder)], log=self.folder / "redis.log")
        if not procs.wait_until(self.ping, 15):
            raise RuntimeError(f"redis-server on port {self.port} did not answer")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process:
            procs.stop(self.process)
            self.process = None


class SmtpSink:
    """An SMTP server (aiosmtpd, in a thread) that keeps every message's Message-ID and arrival time."""

    def __init__(self) -> None:
        self.port = procs.free_port()
        self.received: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.received.append((str(message["Message-ID"]), time.monotonic()))
        return "250 OK"

    def start(self) -> SmtpSink:
        try:
            from aiosmtpd.controller import Controller
        except ImportError as exc:
            raise Missing("aiosmtpd is not installed (requirements-dev.txt)") from exc
        # aiosmtpd logs every SMTP command at INFO; a batch of 200 would drown the figures.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def snapshot(self) -> list[tuple[str, float]]:
        with self._lock:
            return list(self.received)

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None


class S3:
    """A real S3 API on 127.0.0.1 (moto's server mode, a process of its own) with one bucket for attachments."""

    bucket = "helpdesk-attachments"
    region = "us-east-1"

    def __init__(self, folder: Path) -> None:
        try:
            import moto.server  # noqa: F401 - only to know it is installed
        except ImportError as exc:
            raise Missing("moto (server mode) is not installed (requirements-dev.txt)") from exc
        self.folder = folder
        self.port = procs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        """What the product reads to keep its attachments in this bucket (helpdesk/settings.py)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": "fault-run",
            "AWS_SECRET_ACCESS_KEY": "fault-run-secret",  # noqa: S105 - moto accepts any
        }

    def client(self):
        import boto3

        env = self.env()
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def start(self) -> S3:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.process = procs.start(command, log=self.folder / "s3.log")
        if not procs.wait_until(self._answers, 30, every=0.3):
            raise RuntimeError(f"the S3 API on port {self.port} did not answer; see {self.folder / 's3.log'}")
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def _answers(self) -> bool:
        try:
            self.client().list_buckets()
        except Exception:  # noqa: BLE001 - any failure means "not yet"
            return False
        return True

    def objects(self, prefix: str = "") -> dict[str, int]:
        """Every key in the bucket under ``prefix``, with its size."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"]: item["Size"] for page in pages for item in page.get("Contents", [])}

    def stop(self) -> None:
        if self.process:
            procs.stop(self.process)
            self.process = None
