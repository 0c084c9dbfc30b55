"""A real clamd (Debian's clamav-daemon) of the tests' own, on a free 127.0.0.1 port and a unix socket.

No virus database can be downloaded here, and clamd will not start without one, so its database is
a single signature this module writes: the EICAR test string, which every scanner's users test with.
The string is put together from pieces, so no file in the repository is itself flagged by a scanner.
`make test` installs clamd (the Makefile's ``clamav`` target); without it these tests fail, loudly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpdesk.clamd import Clamd
from helpdesk.tests.redis_server import free_port

EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR" + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode("ascii")
# clamd reports a signature from a database of one's own with the suffix ".UNOFFICIAL".
SIGNATURE = "Helpdesk.Test.EICAR"
FOUND = f"{SIGNATURE}.UNOFFICIAL"
# Small, so a test can go past it without a large upload.
STREAM_MAX_BYTES = 2 * 1024 * 1024


def clamd_binary() -> str:
    path = os.environ.get("CLAMD_PATH") or shutil.which("clamd") or "/usr/sbin/clamd"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"clamd is not installed ({path}): the virus-scanning tests need ClamAV's daemon. "
            "Run `make clamav` (as root it runs apt-get install clamav-daemon), or set CLAMD_PATH."
        )
    return path


class ClamdServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.socket_path = folder / "clamd.sock"
        self.tcp_url = f"tcp://127.0.0.1:{self.port}"
        self.unix_url = f"unix://{self.socket_path}"
        self.log = folder / "clamd.log"
        self.process: subprocess.Popen | None = None

    def _write_config(self) -> Path:
        database = self.folder / "db"
        database.mkdir(exist_ok=True)
        # An .ndb body signature: name, any file type (0), anywhere (*), the bytes in hex.
        (database / "helpdesk-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        config = self.folder / "clamd.conf"
        config.write_text(
            "\n".join(
                [
                    "Foreground yes",
                    f"DatabaseDirectory {database}",
                    f"TCPSocket {self.port}",
                    "TCPAddr 127.0.0.1",
                    f"LocalSocket {self.socket_path}",
                    f"LogFile {self.log}",
                    f"StreamMaxLength {STREAM_MAX_BYTES}",
                    "MaxThreads 4",
                    "SelfCheck 3600",
                    "ConcurrentDatabaseReload no",
                    "",
                ]
            )
        )
        return config

    def start(self) -> None:
        config = self._write_config()
        with open(self.folder / "clamd.out", "ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own binary and config
                [clamd_binary(), "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
            )
        client = Clamd(self.tcp_url, timeout=2)
        deadline = time.monotonic() + 60
        while not client.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.log.read_text() if self.log.exists() else ""
                pytest.fail(f"clamd did not answer PING:\n{(self.folder / 'clamd.out').read_text()}\n{log}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Still accepting connections, never answering: only the timeout gets a caller out."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory) -> Iterator[ClamdServer]:
    server = ClamdServer(tmp_path_factory.mktemp("clamd"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def virus_scan(settings, clamd_server) -> ClamdServer:
    """Scanning on, against the tests' clamd over TCP."""
    settings.VIRUS_SCAN_ENABLED = True
    settings.CLAMD_URL = clamd_server.tcp_url
    settings.CLAMD_TIMEOUT = 10
    return clamd_server


@pytest.fixture
def clamd_down(settings) -> str:
    """Scanning on, with clamd expected on a port nobody listens on."""
    settings.VIRUS_SCAN_ENABLED = True
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"
    settings.CLAMD_TIMEOUT = 2
    return settings.CLAMD_URL
