"""The image and compose files hold together: they cannot be built here, so their structure is checked.

Every command they run is a role of ``bin/serve`` (which other tests start for real), every setting
they pass is one the product reads, and the image carries only the runtime requirements.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
# Read by boto3 or by bin/serve rather than by settings.py.
READ_ELSEWHERE = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "WEB_CONCURRENCY", "WORKER_CONCURRENCY"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def serve_roles() -> set[str]:
    script = (ROOT / "bin" / "serve").read_text()
    return set(re.findall(r"^  ([a-z]+)\)$", script, flags=re.MULTILINE))


def settings_names() -> set[str]:
    source = (ROOT / "helpdesk" / "settings.py").read_text()
    return set(re.findall(r'env_[a-z_]+\(\s*"([A-Z0-9_]+)"', source))


def test_compose_has_every_service_with_health_checks_and_start_order():
    services = compose()["services"]
    assert set(services) >= {*APP_SERVICES, "db", "redis", "s3"}
    for name in ("db", "redis", "s3", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_web_and_worker_scale_and_beat_stays_single():
    services = compose()["services"]
    for name in ("web", "worker"):
        assert "container_name" not in services[name], f"{name} could not be scaled with --scale"
    assert all("-" in port.split(":")[0] for port in services["web"]["ports"]), "a fixed host port cannot scale"
    assert services["beat"]["deploy"]["replicas"] == 1


def test_every_app_command_is_a_role_of_the_entry_point_the_tests_run():
    services, roles = compose()["services"], serve_roles()
    assert {"web", "worker", "beat", "migrate", "probe"} <= roles
    for name in APP_SERVICES:
        assert services[name]["command"][0] in roles, name
        assert services[name]["image"] == "helpdesk:latest" and services[name]["build"] == "."
    assert services["web"]["healthcheck"]["test"] == ["CMD", "bin/serve", "probe"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["bin/serve"]' in dockerfile and 'CMD ["web"]' in dockerfile
    assert (ROOT / "bin" / "serve").stat().st_mode & 0o111


def test_every_setting_compose_passes_is_read_by_the_product():
    known = settings_names() | READ_ELSEWHERE
    for name in APP_SERVICES:
        passed = set(compose()["services"][name]["environment"])
        assert passed <= known, f"{name} passes settings nothing reads: {sorted(passed - known)}"


def test_the_image_is_multi_stage_slim_non_root_and_has_no_test_tools():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert len(stages) >= 2 and all(stage.startswith("python:3.11-slim") for stage in stages)
    assert re.search(r"^USER helpdesk$", dockerfile, flags=re.MULTILINE)
    assert "collectstatic" in dockerfile and "HEALTHCHECK" in dockerfile
    assert "requirements.txt" in dockerfile and "requirements-dev" not in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".env", "**/tests", "e2e"} <= set(ignored)
    runtime = (ROOT / "requirements.txt").read_text().lower()
    # aiosmtpd is no test tool any more: the product's mail_gateway runs on it.
    for tool in ("pytest", "playwright", "ruff", "schemathesis", "factory-boy", "hypothesis"):
        assert not re.search(rf"^{tool}\b", runtime, flags=re.MULTILINE), tool


def test_env_example_lists_every_setting_and_changes_no_default(tmp_path):
    """.env.example names every variable settings.py reads; used as it is, every default stays."""
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    missing = settings_names() - listed - {"ENV_FILE"}
    assert not missing, f".env.example does not list {sorted(missing)}"
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps("
        "[s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND,"
        " s.STORAGES['staticfiles']['BACKEND'], s.REOPEN_WINDOW_DAYS, s.ATTACHMENT_MAX_BYTES, s.LOG_LEVEL,"
        " s.TIME_ZONE, s.TRUSTED_PROXIES, s.SIMPLE_JWT['SIGNING_KEY'] == s.SECRET_KEY]))"
    )
    shell = {
        "PATH": os.environ["PATH"],
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "SECRET_KEY": "a-private-random-string-for-this-test-only-0123456789abcdef",
    }

    def read(env_file: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], env={**shell, "ENV_FILE": env_file}, cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert read(str(ROOT / ".env.example")) == read("")
