"""The raw-HTTP client, fixtures and helpers the fake Zoho server's tests share."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from fakes.zoho import FakeZoho

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CLIENT_ID, CLIENT_SECRET = "1000.CLIENT", "s3cret"


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = {name.lower(): value for name, value in response.getheaders()}
        self.raw = response.read()

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


def call(
    fake: FakeZoho,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 5,
) -> Answer:
    connection = http.client.HTTPConnection(fake.host, fake.port, timeout=timeout)
    try:
        payload = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        connection.request(method, path, payload, headers or {})
        return Answer(connection.getresponse())
    finally:
        connection.close()


def refresh(fake: FakeZoho, refresh_token: str, *, form: bool = False, secret: str = CLIENT_SECRET) -> Answer:
    params = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "refresh_token": refresh_token,
    }
    if form:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return call(fake, "POST", "/oauth/v2/token", urlencode(params).encode(), headers)
    return call(fake, "POST", f"/oauth/v2/token?{urlencode(params)}")


class Desk:
    """A minimal Desk client: the token and orgId headers on every call."""

    def __init__(self, fake: FakeZoho, token: str) -> None:
        self.fake = fake
        self.headers = {"Authorization": f"Zoho-oauthtoken {token}", "orgId": fake.org_id}

    def __call__(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        headers = {**self.headers, "Content-Type": "application/json"} if body is not None else self.headers
        return call(self.fake, method, f"/api/v1{path}", body, headers, **kwargs)


@pytest.fixture
def fake():
    with FakeZoho(org_id="60001") as server:
        server.add_client(CLIENT_ID, CLIENT_SECRET)
        yield server


@pytest.fixture
def refresh_token(fake):
    return fake.add_refresh_token(CLIENT_ID)


@pytest.fixture
def desk(fake, refresh_token):
    return Desk(fake, refresh(fake, refresh_token).json["access_token"])


def new_ticket(desk: Desk, subject: str = "Printer on fire", **fields: Any) -> dict[str, Any]:
    body = {"subject": subject, "departmentId": desk.fake.department_id, "contact": {"email": "ann@example.com"}}
    if "contactId" in fields:
        del body["contact"]
    answer = desk("POST", "/tickets", {**body, **fields})
    assert answer.status == 200, answer.raw
    return answer.json


# --------------------------------------------------------------------------- Accounts
