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


SESSION_SCRIPT = """
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
user = User.objects.create_user(email="live@example.com", role="agent", full_name="Live Agent")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "accounts.backends.ThrottledModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def test_web_serves_a_live_stream_under_asgi_and_still_stops_within_10_s(env):
    migrate = serve("migrate", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert migrate.wait(timeout=180) == 0, migrate.stderr.read()
    made = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "bin" / "serve"), "python", "manage.py", "shell", "-c", SESSION_SCRIPT],
        env=env, cwd=ROOT, text=True, capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    session_key = made.stdout.strip().splitlines()[-1]
    web = serve("web", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    streams = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/health", timeout=2).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        # Two open streams on one worker process: an async view holds no worker, so both are served.
        for _ in range(2):
            stream = socket.create_connection(("127.0.0.1", int(env["PORT"])), timeout=10)
            stream.sendall(
                f"GET /live/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={session_key}\r\n\r\n".encode()
            )
            seen = b""
            while b"event: hello" not in seen:
                chunk = stream.recv(4096)
                assert chunk, seen
                seen += chunk
            assert b"text/event-stream" in seen and b'"unread":0' in seen
            streams.append(stream)
        with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/health", timeout=5) as answer:  # noqa: S310
            assert answer.status == 200
    finally:
        assert stop_within(web, 10) < 10
        for stream in streams:
            stream.close()
