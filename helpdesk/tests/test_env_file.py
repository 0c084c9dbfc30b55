"""A local .env fills in settings the environment leaves unset, so README commands work in any terminal."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.env import read_env_file

ROOT = Path(__file__).resolve().parents[2]


def test_env_file_fills_what_is_unset_and_never_overrides(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    path.write_text(
        "# written by make run\n\nX_ENV_PLAIN=one\n"
        "export X_ENV_QUOTED=\"two words\"\nX_ENV_SINGLE='#3'\nX_ENV_SET=file\n"
    )
    for name in ("X_ENV_PLAIN", "X_ENV_QUOTED", "X_ENV_SINGLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("X_ENV_SET", "environment")
    read_env_file(path)
    assert [os.environ[name] for name in ("X_ENV_PLAIN", "X_ENV_QUOTED", "X_ENV_SINGLE", "X_ENV_SET")] == [
        "one",
        "two words",
        "#3",
        "environment",
    ]
    for name in ("X_ENV_PLAIN", "X_ENV_QUOTED", "X_ENV_SINGLE"):
        monkeypatch.delenv(name)


def test_a_missing_env_file_is_no_error_and_a_bad_line_names_itself(tmp_path):
    read_env_file(tmp_path / "absent")
    read_env_file("")
    (tmp_path / ".env").write_text("GOOD=1\nthis is not a setting\n")
    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2: expected NAME=value"):
        read_env_file(tmp_path / ".env")


def test_a_command_in_another_terminal_reads_the_env_file(tmp_path):
    """What `make run` writes lets `manage.py` start without DEBUG or SECRET_KEY in the shell."""
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\nSECRET_KEY=a-generated-development-secret-0123456789abcdef\n")
    code = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY[:11])"
    shell = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env={**shell, "ENV_FILE": str(env_file)}, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "a-generated"]
    refused = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env={**shell, "ENV_FILE": ""}, cwd=ROOT, capture_output=True, text=True
    )
    assert "Set the environment variable SECRET_KEY" in refused.stderr
