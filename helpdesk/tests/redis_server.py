"""A Redis server of the test's own on a free port, which the test can stop, freeze and start again.

The shared Redis is never touched: fault tests point the cache and the broker at this one, configured
exactly as ``helpdesk/settings.py`` configures them for a ``REDIS_URL``.
"""

from __future__ import annotations

import os
import runpy
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import redis

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "settings.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Gone: connections are refused."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Still listening, never answering: only timeouts get a caller out."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.thaw()
            server.stop()


def settings_for(url: str, **env: str) -> dict[str, Any]:
    """What helpdesk/settings.py makes of ``REDIS_URL=url`` (and ``env``): the production configuration."""
    with mock.patch.dict(os.environ, {"REDIS_URL": url, **env}):
        return runpy.run_path(str(SETTINGS_FILE))


@contextmanager
def celery_broker(url: str, transport_options: dict[str, Any]) -> Iterator[None]:
    """The Celery app publishes to ``url`` within, to the configured broker again after."""
    from helpdesk.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options

    def use(broker_url: str, options: dict[str, Any]) -> None:
        app.conf.broker_url, app.conf.broker_transport_options = broker_url, options
        # The connection and producer pools were made for the previous broker.
        app._pool = None
        app.amqp._producer_pool = None

    use(url, transport_options)
    try:
        yield
    finally:
        use(*saved)


@pytest.fixture
def redis_configured(redis_server, settings) -> Iterator[RedisServer]:
    """Cache and broker on ``redis_server``, configured as settings.py does for a REDIS_URL."""
    configured = settings_for(redis_server.url)
    settings.CACHES = configured["CACHES"]
    with celery_broker(configured["CELERY_BROKER_URL"], configured["CELERY_BROKER_TRANSPORT_OPTIONS"]):
        yield redis_server
