"""``manage.py run_fake``: a fake desk started by hand answers real API calls with its demo data."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from integrations.management.commands.run_fake import DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_EMAIL

ROOT = Path(__file__).resolve().parents[2]


def fetch(url: str, *, method: str = "GET", **headers: str) -> dict:
    """JSON from the fake, over real HTTP (always http://127.0.0.1:...)."""
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.load(response)


@pytest.fixture
def run_fake():
    started = []

    def start(provider: str) -> tuple[str, dict[str, str]]:
        env = {**os.environ, "DEBUG": "true", "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "run_fake", provider, "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        lines = {}
        for line in process.stdout:
            if line.startswith("Stop with Ctrl-C"):
                break
            name, _, value = line.strip().partition(": ")
            lines[name] = value
        return lines["base URL override"], lines

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_a_fake_zendesk_serves_its_demo_tickets(run_fake):
    base, _ = run_fake("zendesk")
    assert base.startswith("http://127.0.0.1:")
    credentials = base64.b64encode(f"{DEMO_EMAIL}/token:{DEMO_API_TOKEN}".encode()).decode()
    tickets = fetch(f"{base}/api/v2/tickets.json", Authorization=f"Basic {credentials}")["tickets"]
    assert [ticket["subject"] for ticket in tickets] == [
        "VPN drops every hour",
        "Invoice PDF is blank",
        "New laptop for Sam",
    ]


def test_a_fake_zoho_mints_a_token_from_the_printed_refresh_token_and_lists_tickets(run_fake):
    base, printed = run_fake("zoho")
    query = urllib.parse.urlencode(
        {
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": printed["refresh token"],
        }
    )
    token = fetch(f"{base}/oauth/v2/token?{query}", method="POST")["access_token"]
    org_id = printed["orgId"].split()[0]
    listed = fetch(f"{base}/api/v1/tickets?from=0&limit=10", Authorization=f"Zoho-oauthtoken {token}", orgId=org_id)
    subjects = sorted(ticket["subject"] for ticket in listed["data"])
    assert subjects == ["Invoice PDF is blank", "New laptop for Sam", "VPN drops every hour"]
