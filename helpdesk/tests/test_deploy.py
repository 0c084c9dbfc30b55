"""The documented production configuration passes Django's deployment checks, and each email backend works."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The production configuration the README documents (with throw-away secrets).
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-private-random-string-for-this-test-only-0123456789abcdef",
    "ALLOWED_HOSTS": "desk.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
    "SITE_URL": "https://desk.example.com",
    "HTTPS": "true",
    "INTEGRATIONS_ENCRYPTION_KEY": "zjtYyQyf0m1n4E6M5YdG8vA2i7nS3bq9dXl1PgDq0mE=",
    "API_DOCS_PUBLIC": "false",
}


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "ENV_FILE": "",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args], env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_has_no_warning_in_the_documented_production_configuration(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_hsts_covers_subdomains_and_preload_unless_turned_off(tmp_path):
    code = "import django; django.setup(); from django.conf import settings as s; " + (
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    assert run(["-c", code], PRODUCTION_ENV, tmp_path).stdout.split() == ["3600", "True", "True"]
    off = {**PRODUCTION_ENV, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false", "SECURE_HSTS_PRELOAD": "false"}
    assert run(["-c", code], off, tmp_path).stdout.split() == ["3600", "False", "False"]


def test_file_email_backend_writes_each_message_under_var_mail(tmp_path):
    code = (
        "import django; django.setup(); from django.core.mail import send_mail; "
        "print(send_mail('Subject here', 'Body here', None, ['someone@example.com']))"
    )
    result = run(["-c", code], {"DEBUG": "true", "EMAIL_BACKEND": "file"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    written = list((tmp_path / "var" / "mail").iterdir())
    assert len(written) == 1
    text = written[0].read_text()
    assert "Subject: Subject here" in text and "To: someone@example.com" in text and "Body here" in text
