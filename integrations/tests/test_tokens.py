"""integrations.tokens: refresh once, however many callers; rotation; dead refresh tokens.

Run on SQLite (threads of one process: the per-connection threading lock, and the file lock)
and on PostgreSQL (``DATABASE_URL=postgres://...``: the advisory lock instead of the file lock).
Processes racing on SQLite: ``test_tokens_processes``; Zoho's short-lived tokens and repeated
refreshes: ``test_tokens_zoho``.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import requests
from django.db import connections
from django.utils import timezone

from fakes.zendesk import FakeZendesk
from integrations import tokens
from integrations.credentials import access_token_expiry, http_for
from integrations.errors import AuthenticationError, RefreshTokenInvalid, TransientError
from integrations.http import RetryPolicy
from integrations.models import Connection
from integrations.services import connection_tokens_store
from integrations.tests.sync_support import in_threads
from integrations.tokens import access_token
from integrations.zendesk.client import ZendeskClient

CLIENT_ID, CLIENT_SECRET = "helpdesk", "client-secret-0123456789"
REDIRECT = "http://127.0.0.1:8000/admin/integrations/callback/"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        server.add_oauth_client(CLIENT_ID, CLIENT_SECRET, REDIRECT)
        yield server


def expired_connection(fake: FakeZendesk) -> Connection:
    tokens = fake.issue_tokens(CLIENT_ID)
    fake.expire_access_tokens()
    return Connection.objects.create(
        name="Acme",
        provider="zendesk",
        base_url_override=fake.base_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        access_token_expires_at=timezone.now() - timedelta(seconds=5),
    )


def refresh_by_hand(fake: FakeZendesk, refresh_token: str) -> requests.Response:
    body = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return requests.post(f"{fake.base_url}/oauth/tokens", json=body, timeout=5)


@pytest.mark.django_db
def test_a_fresh_token_is_used_without_asking_the_desk(fake):
    connection = expired_connection(fake)
    connection.access_token_expires_at = timezone.now() + timedelta(minutes=10)
    assert access_token(connection) == connection.access_token
    assert fake.counters["token_refresh"] == 0


@pytest.mark.django_db
def test_a_token_expiring_within_a_minute_is_refreshed_and_the_old_refresh_token_dies(fake):
    connection = expired_connection(fake)
    connection.access_token_expires_at = timezone.now() + timedelta(seconds=30)
    connection.save()
    old_access, old_refresh, version = connection.access_token, connection.refresh_token, connection.token_version

    token = access_token(connection)

    assert token != old_access and fake.counters["token_refresh"] == 1
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.access_token == token and stored.refresh_token not in ("", old_refresh)
    assert stored.token_version == version + 1
    assert stored.access_token_expires_at > timezone.now() + timedelta(minutes=25)
    assert stored.refresh_token_expires_at > timezone.now() + timedelta(days=29)
    # Rotation, asserted against the desk: the old refresh token is refused, the new one works.
    dead = refresh_by_hand(fake, old_refresh)
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"
    assert refresh_by_hand(fake, stored.refresh_token).status_code == 200


@pytest.mark.django_db
def test_a_rejected_token_already_replaced_by_another_caller_is_not_refreshed_again(fake):
    connection = expired_connection(fake)
    first = access_token(connection)
    other = Connection.objects.get(pk=connection.pk)
    other.access_token = "an-older-token-the-desk-refused"
    # `other` was loaded with the new token; say it was refused an older one.
    assert access_token(other, rejected="an-older-token-the-desk-refused") == first
    assert fake.counters["token_refresh"] == 1


@pytest.mark.django_db
def test_a_refused_refresh_token_clears_the_tokens_and_says_to_reconnect(fake, caplog):
    connection = expired_connection(fake)
    secret_refresh = str(connection.refresh_token)
    assert refresh_by_hand(fake, secret_refresh).status_code == 200  # spent elsewhere, e.g. a lost answer
    caplog.set_level(logging.DEBUG)

    with pytest.raises(RefreshTokenInvalid) as caught:
        access_token(connection, http=http_for(connection, retry=FAST))

    message = caught.value.message
    assert "reconnect the Zendesk connection 'Acme' in the admin" in message and "invalid_grant" in message
    assert secret_refresh not in message and CLIENT_SECRET not in message
    assert secret_refresh not in caplog.text and CLIENT_SECRET not in caplog.text
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.access_token == "" and stored.refresh_token == "" and "invalid_grant" in stored.last_error
    with pytest.raises(AuthenticationError, match="connect it again from its page in the admin"):
        access_token(stored)


@pytest.mark.django_db
def test_a_wrong_client_secret_keeps_the_tokens_and_says_which_field_to_fix(fake):
    connection = expired_connection(fake)
    connection.client_secret = "wrong-secret-987654321"
    connection.save()
    with pytest.raises(AuthenticationError) as caught:
        access_token(connection)
    assert not isinstance(caught.value, RefreshTokenInvalid)
    assert "check its client id and secret in the admin" in caught.value.message
    assert "wrong-secret-987654321" not in caught.value.message
    assert Connection.objects.get(pk=connection.pk).refresh_token == connection.refresh_token


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_calls_on_an_expired_token_refresh_once_and_all_succeed(fake):
    connection = expired_connection(fake)
    # Each thread has its own row instance and database connection, as separate workers would.
    instances = [Connection.objects.get(pk=connection.pk) for _ in range(20)]
    start = threading.Barrier(20)
    results: list[object] = [None] * 20

    def work(index: int) -> None:
        try:
            start.wait()
            client = ZendeskClient(instances[index], retry=FAST)
            results[index] = client.me()["email"]
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == [fake.users[fake.admin_id]["email"]] * 20
    assert fake.counters["token_refresh"] == 1
    # Not merely one success: one request to the token endpoint at all (the fake counts only successes).
    assert len([r for r in fake.requests if r.path.startswith("/oauth/tokens")]) == 1
    assert Connection.objects.get(pk=connection.pk).token_version == connection.token_version + 1


def token_requests(fake: FakeZendesk) -> list:
    return [r for r in fake.requests if r.path.startswith("/oauth/tokens")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lifetime", [45, 5])
def test_a_short_lived_token_is_refreshed_once_for_concurrent_and_sequential_callers(fake, lifetime):
    # Zendesk's shortest is 300 s; a token living under the 60 s margin must still be used, not refreshed again.
    fake.access_token_lifetime = lifetime
    connection = expired_connection(fake)
    instances = [Connection.objects.get(pk=connection.pk) for _ in range(20)]
    email = fake.users[fake.admin_id]["email"]

    results = in_threads(20, lambda index: ZendeskClient(instances[index], retry=FAST).me()["email"])

    assert results == [email] * 20
    for _ in range(6):
        assert ZendeskClient(Connection.objects.get(pk=connection.pk), retry=FAST).me()["email"] == email
    assert fake.counters["token_refresh"] == 1 and len(token_requests(fake)) == 1
    assert Connection.objects.get(pk=connection.pk).token_version == connection.token_version + 1


def test_the_stored_end_of_a_token_leaves_a_margin_of_a_quarter_of_a_short_life():
    now = timezone.now()
    # Long-lived tokens: their real end, refreshed 60 s before it.
    assert abs(access_token_expiry(1800) - (now + timedelta(seconds=1800))) < timedelta(seconds=1)
    assert abs(access_token_expiry(240) - (now + timedelta(seconds=240))) < timedelta(seconds=1)
    # A 45 s token: usable for 33.75 s (a margin of 11.25 s), however the 60 s margin is applied.
    stored = Connection(access_token="a-token", access_token_expires_at=access_token_expiry(45))
    assert not stored.access_token_expired(now + timedelta(seconds=33))
    assert stored.access_token_expired(now + timedelta(seconds=34))
    assert access_token_expiry(None) is None


@pytest.mark.django_db(transaction=True)
def test_a_refresh_token_spent_by_another_process_is_not_cleared_and_its_token_is_used(fake):
    connection = expired_connection(fake)
    # Another process that did not take the lock spends the refresh token, and stores its pair
    # only after this process's refresh with the same token has been refused.
    theirs = refresh_by_hand(fake, str(connection.refresh_token)).json()

    def store_theirs() -> None:
        try:
            connection_tokens_store(
                connection=Connection.objects.get(pk=connection.pk),
                expected_version=connection.token_version,
                access_token=theirs["access_token"],
                access_token_expires_at=timezone.now() + timedelta(minutes=30),
                refresh_token=theirs["refresh_token"],
            )
        finally:
            connections.close_all()

    late = threading.Timer(0.3, store_theirs)
    late.start()
    try:
        token = access_token(connection, http=http_for(connection, retry=FAST))
    finally:
        late.join()

    assert token == theirs["access_token"]
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.refresh_token == theirs["refresh_token"] and stored.last_error == ""
    assert len(token_requests(fake)) == 2  # theirs and our refused one


@pytest.mark.django_db
@pytest.mark.parametrize("status", [503, 429])
def test_a_refusal_with_retry_after_from_the_token_endpoint_is_retried(fake, status):
    connection = expired_connection(fake)
    fake.fail_next(status, retry_after=0, path_contains="/oauth/tokens")

    token = access_token(connection, http=http_for(connection, retry=FAST))

    assert Connection.objects.get(pk=connection.pk).access_token == token
    assert len(token_requests(fake)) == 2 and fake.counters["token_refresh"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fault", [{"status": None, "drop": True}, {"status": 503, "retry_after": False}])
def test_a_refresh_that_may_have_reached_zendesk_is_not_sent_again(fake, fault):
    # Zendesk may have rotated the pair: a repeat would spend a dead refresh token.
    connection = expired_connection(fake)
    fake.fail_next(**fault, path_contains="/oauth/tokens")

    with pytest.raises(TransientError) as caught:
        access_token(connection, http=http_for(connection, retry=FAST))

    assert caught.value.maybe_applied and len(token_requests(fake)) == 1
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.refresh_token == connection.refresh_token and stored.token_version == connection.token_version


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held", ["thread", "process"])
def test_waiting_too_long_for_another_workers_refresh_is_a_transient_error(fake, monkeypatch, held):
    monkeypatch.setattr(tokens, "LOCK_WAIT_SECONDS", 0.3)
    connection = expired_connection(fake)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        # Another thread of this process holds the whole refresh lock; or another worker process
        # holds the cross-process lock (this thread's own database session and lock file handle).
        lock = tokens.refresh_lock if held == "thread" else tokens.process_lock
        try:
            with lock(Connection.objects.get(pk=connection.pk)):
                holding.set()
                done.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(TransientError) as caught:
            access_token(connection)
    finally:
        done.set()
        holder.join()

    assert caught.value.retryable
    assert "another worker has been refreshing the connection's token" in caught.value.message
    assert "Zendesk connection 'Acme'" in caught.value.message
    assert len(token_requests(fake)) == 0
