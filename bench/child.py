"""Running one measurement in a child process of its own, on one desk's database, and reading its JSON.

A child has its own memory (so its peak RSS is the measured code's, not the parent's) and its own
connections; it prints one JSON object as its last line.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"


def desk_url(base: str, tickets: int) -> str:
    """The URL of the desk of ``tickets`` under ``base`` (``<name>_1m``, ``<name>_10k``); never created here."""
    parts = urlsplit(base)
    label = f"{tickets // 1_000_000}m" if tickets % 1_000_000 == 0 else f"{tickets // 1000}k"
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'helpdesk_bench'}_{label}"))


def child_env(url: str, *, inherit: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The settings a measuring child runs with: production-like, no Redis, no throttles, quiet logs.

    On top of ``inherit`` (this process's environment by default).
    """
    return {
        **(os.environ if inherit is None else inherit),
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "STATIC_MANIFEST": "false",
        "REDIS_URL": "",
        "ENV_FILE": "",
        "LOG_LEVEL": "warning",
        "API_THROTTLE_WRITE": "1000000/min",
        "API_THROTTLE_READ": "1000000/min",
        **extra,
    }


def spawn(arguments: list[str], env: dict[str, str]) -> subprocess.Popen:
    """``python -m bench <arguments>`` started (not waited for), its output to a temporary file."""
    out = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "bench", *arguments], cwd=ROOT, env=env, stdout=out)  # noqa: S603
    process.out = out  # type: ignore[attr-defined]
    return process


def result_of(process: subprocess.Popen) -> dict:
    """Wait for a child from ``spawn``; its last line of output, as JSON."""
    code = process.wait()
    out = process.out  # type: ignore[attr-defined]
    out.seek(0)
    text = out.read().decode().strip()
    out.close()
    if code != 0 or not text:
        raise RuntimeError(f"python -m bench child failed with exit code {code}: {text[-2000:]}")
    return json.loads(text.splitlines()[-1])


def run_child(arguments: list[str], env: dict[str, str]) -> dict:
    return result_of(spawn(arguments, env))


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    django.setup()
