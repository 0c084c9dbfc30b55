"""The fake Zendesk, a connection to it and an API client, for the tests of seed 001's endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fakes.zendesk import FakeZendesk
from integrations.models import Connection

CLIENT_ID, CLIENT_SECRET = "helpdesk", "client-secret-0123456789"
REDIRECT = "http://testserver/api/v1/integrations/zendesk/oauth/callback"
EMAIL, API_TOKEN = "agent@acme.test", "api-token-0123456789abcdef"
BASE = "/api/v1/integrations/zendesk"


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        server.add_oauth_client(CLIENT_ID, CLIENT_SECRET, REDIRECT)
        yield server


@pytest.fixture
def connection(fake):
    tokens = fake.issue_tokens(CLIENT_ID)
    return Connection.objects.create(
        name="Acme",
        provider="zendesk",
        base_url_override=fake.base_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        access_token_expires_at=timezone.now() + timedelta(minutes=30),
    )


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_no_secrets(connection: Connection, *responses) -> None:
    connection.refresh_from_db()
    secrets = [str(connection.access_token), str(connection.refresh_token), CLIENT_SECRET, API_TOKEN]
    for response in responses:
        text = response.content.decode()
        for secret in filter(None, secrets):
            assert secret not in text
