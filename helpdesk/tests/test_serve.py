"""bin/serve, the image's entry point, starts each process for real and each stops within 10 s of SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def env(tmp_path):
    return {
        "PATH": os.environ["PATH"],
        "VENV": str(Path(sys.executable).parent.parent),
        "VAR_DIR": str(tmp_path / "var"),
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "a-private-random-string-for-this-test-only-0123456789abcdef",
        "STATIC_MANIFEST": "false",
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
        "WORKER_CONCURRENCY": "1",
    }


def serve(*args: str, env: dict[str, str], **options) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script
        [str(ROOT / "bin" / "serve"), *args], env=env, cwd=ROOT, text=True, **options
    )


def stop_within(process: subprocess.Popen, seconds: float) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"still running {seconds} s after SIGTERM")
    return time.monotonic() - started


def test_web_answers_health_and_the_probe_then_stops_on_sigterm(env):
    migrate = serve("migrate", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert migrate.wait(timeout=180) == 0, migrate.stderr.read()
    web = serve("web", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{env['PORT']}/health"
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own server
                    body = answer.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the web server never answered /health")
        assert '"database": "ok"' in body
        assert serve("probe", env=env).wait(timeout=30) == 0
    finally:
        assert stop_within(web, 10) < 10
    # Nothing answers any more, so the probe says unhealthy.
    assert serve("probe", env=env, stderr=subprocess.DEVNULL).wait(timeout=30) == 1


def test_worker_starts_and_stops_on_sigterm(env):
    worker = serve("worker", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline and "ready." not in seen:
        seen += worker.stdout.readline()
    assert "ready." in seen, seen
    assert stop_within(worker, 10) < 10
