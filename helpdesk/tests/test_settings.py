"""Settings come from the environment and fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.database import database_from_url
from helpdesk.env import env_bool, env_choice, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment."""
    base = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": "var/test",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "ENV_FILE": "",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_readers_parse_and_refuse(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1) == 12
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_str("X_MISSING", "fallback") == "fallback"
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL must be true or false"):
        env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be a whole number"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "12")
    with pytest.raises(ImproperlyConfigured, match="at least 20"):
        env_int("X_INT", 5, minimum=20)
    with pytest.raises(ImproperlyConfigured, match="Set the environment variable X_MISSING"):
        env_str("X_MISSING")
    monkeypatch.setenv("X_CHOICE", "sometimes")
    with pytest.raises(ImproperlyConfigured, match="one of all, team"):
        env_choice("X_CHOICE", "all", ("all", "team"))


def test_development_runs_with_no_configuration():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "Set the environment variable SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "at least 32 characters"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        ({"DEBUG": "true", "DATABASE_URL": "mysql://x@localhost/db"}, "DATABASE_URL must point at PostgreSQL"),
        ({"DEBUG": "true", "DATABASE_URL": "nonsense"}, "DATABASE_URL is not a database URL"),
        ({"DEBUG": "true", "REDIS_URL": "http://localhost"}, "REDIS_URL must start with redis://"),
        ({"DEBUG": "true", "REOPEN_WINDOW_DAYS": "-1"}, "REOPEN_WINDOW_DAYS must be at least 0"),
        ({"DEBUG": "true", "AGENT_TICKET_VISIBILITY": "some"}, "AGENT_TICKET_VISIBILITY must be one of"),
        ({"DEBUG": "true", "EMAIL_BACKEND": "pigeon"}, "EMAIL_BACKEND must be one of"),
        ({"DEBUG": "true", "SLA_ENABLED": "nope"}, "SLA_ENABLED must be true or false"),
        ({"DEBUG": "true", "CORS_ALLOWED_ORIGINS": "https://a.example/"}, "CORS_ALLOWED_ORIGINS: 'https://a.example/'"),
        ({"DEBUG": "true", "DB_POOL_SIZE": "-2"}, "DB_POOL_SIZE must be at least 0"),
        (
            {"DEBUG": "true", "DATABASE_URL": "postgres://u@h/d", "DB_POOL_SIZE": "4", "DB_CONN_MAX_AGE": "60"},
            "Set DB_POOL_SIZE or DB_CONN_MAX_AGE, not both",
        ),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_seed_004_names_stand_in_for_ours_and_ours_win():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.REOPEN_WINDOW_DAYS, s.ATTACHMENT_MAX_BYTES, s.SIMPLE_JWT['SIGNING_KEY'] == s.SECRET_KEY)"
    )
    base = {"PATH": os.environ["PATH"], "VAR_DIR": "var/test", "DJANGO_SETTINGS_MODULE": "helpdesk.settings"}
    seed = {**base, "ENV_FILE": "", "DEBUG": "true", "TICKET_REOPEN_WINDOW_DAYS": "3", "UPLOAD_MAX_FILE_SIZE": "1000"}

    def run(env: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )

    assert run(seed).stdout.split() == ["3", "1000", "True"]
    ours = {**seed, "REOPEN_WINDOW_DAYS": "9", "JWT_SECRET_KEY": "x" * 40}
    assert run(ours).stdout.split() == ["9", "1000", "False"]
    short = run({**seed, "JWT_SECRET_KEY": "short"})
    assert short.returncode != 0 and "JWT_SECRET_KEY must be a private random string" in short.stderr


def test_seed_004_switches_are_read_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SLA_ENABLED, s.NOTIFICATIONS_ENABLED, s.API_DOCS_PUBLIC, s.CORS_ALLOWED_ORIGINS)"
    )
    env = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": "var/test",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "ENV_FILE": "",
        "DEBUG": "true",
    }

    def read(**switches: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], env={**env, **switches}, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert read() == "True True True []"
    off = read(
        SLA_ENABLED="false",
        NOTIFICATIONS_ENABLED="0",
        API_DOCS_PUBLIC="no",
        CORS_ALLOWED_ORIGINS="https://app.example.com",
    )
    assert off == "False False False ['https://app.example.com']"


def test_a_pool_only_for_postgresql_and_only_when_asked(tmp_path):
    postgres = "postgres://u@127.0.0.1/d"
    pooled = database_from_url(postgres, var_dir=tmp_path, pool_size=4)
    assert pooled["OPTIONS"]["pool"]["max_size"] == 4 and pooled["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in database_from_url(postgres, var_dir=tmp_path).get("OPTIONS", {})
    sqlite = database_from_url(f"sqlite:///{tmp_path / 'x.sqlite3'}", var_dir=tmp_path, pool_size=4)
    assert "pool" not in sqlite["OPTIONS"] and sqlite["CONN_MAX_AGE"] == 0
