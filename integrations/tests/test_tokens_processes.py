"""integrations.tokens across processes on SQLite: one refresh however many worker processes ask at once.

``make run`` starts a Celery prefork worker beside the web process on the default SQLite
database, where there are no advisory locks. Here real processes (each its own interpreter and
database connection, as those workers are) share a file database and a Zendesk fake whose
refresh tokens rotate, so a second refresh with the same refresh token is refused as it would
be by Zendesk.

The test database pytest-django made may be PostgreSQL or SQLite: either way the processes
use a SQLite file of their own, whose tables are made from the models (no migrations: fast).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from fakes.zendesk import FakeZendesk

CLIENT_ID, CLIENT_SECRET = "helpdesk", "client-secret-0123456789"
WORKERS = 4

SETUP = """
import json, sys
import django
from django.conf import settings
django.setup()
settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0, skip_checks=True)
from datetime import timedelta
from django.utils import timezone
from integrations.models import Connection
given = json.load(sys.stdin)
connection = Connection.objects.create(
    name="Acme",
    provider="zendesk",
    base_url_override=given["base_url"],
    client_id=given["client_id"],
    client_secret=given["client_secret"],
    access_token=given["access_token"],
    refresh_token=given["refresh_token"],
    access_token_expires_at=timezone.now() - timedelta(seconds=5),
)
print(connection.pk)
"""

# Ready, then wait for "go" on stdin so that every process calls at the same moment.
WORKER = """
import sys
import django
django.setup()
from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.zendesk.client import ZendeskClient
connection = Connection.objects.get(pk=int(sys.argv[1]))
client = ZendeskClient(connection, retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05))
print("ready", flush=True)
sys.stdin.readline()
try:
    print("ok", client.me()["email"], flush=True)
except Exception as exc:
    print("failed", type(exc).__name__, exc, flush=True)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),  # the file locks live here, shared by the processes
    }


def test_worker_processes_on_sqlite_refresh_an_expired_token_once_and_all_succeed(tmp_path):
    with FakeZendesk() as fake:
        fake.add_oauth_client(CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1:8000/callback/")
        tokens = fake.issue_tokens(CLIENT_ID)
        fake.expire_access_tokens()
        env = _env(tmp_path)
        given = {"base_url": fake.base_url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **tokens}
        setup = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", SETUP],
            input=json.dumps(given),
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        pk = setup.stdout.split()[-1]
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", WORKER, pk],
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        try:
            for worker in workers:
                assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
            for worker in workers:
                worker.stdin.write("go\n")
                worker.stdin.flush()
            outputs = [worker.communicate(timeout=60)[0].strip() for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()

        email = fake.users[fake.admin_id]["email"]
        assert outputs == [f"ok {email}"] * WORKERS
        # One request to the token endpoint at all, not one success among refused replays.
        assert len([r for r in fake.requests if r.path.startswith("/oauth/tokens")]) == 1
        assert fake.counters["token_refresh"] == 1

        check = subprocess.run(  # noqa: S603 - our own interpreter and code
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from integrations.models import Connection; "
                f"c = Connection.objects.get(pk={pk}); "
                "print(bool(c.access_token), bool(c.refresh_token), c.token_version)",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert check.stdout.split() == ["True", "True", "1"]  # refreshed once, never cleared
