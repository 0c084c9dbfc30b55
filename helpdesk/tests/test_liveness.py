"""Are the worker and the beat alive: the heartbeat beat sends and a worker runs, on /health?deep=1 and the console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from helpdesk.liveness import LATE_AFTER
from helpdesk.models import Heartbeat
from helpdesk.tasks import heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(email="admin@example.com", role=Role.ADMIN)


@pytest.fixture(autouse=True)
def _no_broadcast(settings):
    """As on the file-system broker: the heartbeat alone speaks (the suite's Redis has no worker to answer)."""
    settings.REDIS_URL = ""


def deep(client):
    return client.get("/health?deep=1")


def test_the_heartbeat_is_scheduled_every_30_seconds_and_expires_rather_than_piles_up():
    entry = django_settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == "helpdesk.tasks.heartbeat" and entry["schedule"] == 30.0
    assert entry["options"]["expires"] <= LATE_AFTER.total_seconds()


def test_a_worker_running_the_heartbeat_makes_deep_health_say_ok(client, staff):
    client.force_login(staff)
    before = deep(client).json()
    assert before["background"]["status"] == "never" and "background" in before["failing"]
    assert before["status"] == "degraded"

    heartbeat.apply()  # as a worker runs it
    answer = deep(client)
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "healthy"
    assert body["background"]["status"] == "ok" and body["background"]["age_seconds"] <= 5
    assert body["background"]["workers"] is None  # the file-system broker has no broadcast to ask


def test_a_heartbeat_older_than_three_periods_is_late(client, staff):
    Heartbeat.objects.create(name="beat", seen_at=timezone.now() - LATE_AFTER - timedelta(seconds=1))
    client.force_login(staff)
    body = deep(client).json()
    assert body["background"]["status"] == "late" and body["status"] == "degraded"
    assert body["failing"] == ["background"]


def test_only_staff_see_the_background_and_the_plain_check_never_asks(client, customer, staff):
    assert "background" not in client.get("/health?deep=1").json()  # anonymous
    client.force_login(customer)
    assert "background" not in deep(client).json()
    assert "background" not in APIClient().get("/health").json()
    token = APIClient().post("/api/v1/auth/login", {"email": staff.email, "password": PASSWORD}).json()["access"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/health?deep=1").json()["background"]["status"] == "never"
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert "background" not in api.get("/health?deep=1").json()


def test_the_console_dashboard_says_whether_background_jobs_run(client, staff):
    client.force_login(staff)
    assert "Background jobs have not run yet" in client.get("/admin/").content.decode()
    heartbeat.apply()
    page = client.get("/admin/").content.decode()
    assert "Background jobs are running" in page and "hd-background--ok" in page


def test_on_redis_a_worker_that_does_not_answer_the_ping_is_named_as_failing(client, staff, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr("helpdesk.liveness.celery_app.control.inspect", lambda timeout: _NobodyAnswers())
    heartbeat.apply()
    client.force_login(staff)
    body = deep(client).json()
    assert body["background"]["workers"] == [] and body["failing"] == ["background"]


class _NobodyAnswers:
    def ping(self):
        return None
