"""Connection-level writes: token compare-and-swap, admin edits, health, sync claims and the sync log."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.models import Connection, Direction, Health, Outcome, SyncLogEntry
from integrations.services import (
    ERROR_MAX_CHARS,
    connection_record_failure,
    connection_record_success,
    connection_save,
    connection_tokens_clear,
    connection_tokens_store,
    sync_log,
    sync_log_prune,
    sync_state_claim,
    sync_state_release,
)
from integrations.tests.factories import SyncLogEntryFactory, ZendeskConnectionFactory

pytestmark = pytest.mark.django_db


class TestTokens:
    def test_the_first_refresh_wins_and_a_late_one_stores_nothing(self):
        connection = ZendeskConnectionFactory(access_token="a0-token", refresh_token="r0-token")
        worker_one, worker_two = Connection.objects.get(pk=connection.pk), Connection.objects.get(pk=connection.pk)
        expires = timezone.now() + timedelta(minutes=30)
        assert connection_tokens_store(
            connection=worker_one,
            expected_version=worker_one.token_version,
            access_token="a1-token",
            access_token_expires_at=expires,
            refresh_token="r1-token",
        )
        assert (worker_one.access_token, worker_one.token_version) == ("a1-token", 1)
        assert not connection_tokens_store(
            connection=worker_two,
            expected_version=worker_two.token_version,
            access_token="a2-token",
            access_token_expires_at=expires,
            refresh_token="r2-token",
        )
        assert worker_two.access_token == "a0-token"
        worker_two.refresh_from_db()
        assert (worker_two.access_token, worker_two.refresh_token, worker_two.token_version) == (
            "a1-token",
            "r1-token",
            1,
        )
        assert worker_two.access_token_expires_at == expires

    def test_a_refresh_token_left_out_is_kept(self):
        connection = ZendeskConnectionFactory(refresh_token="zoho-refresh-token")
        connection_tokens_store(
            connection=connection, expected_version=0, access_token="new-access", access_token_expires_at=None
        )
        connection.refresh_from_db()
        assert (connection.access_token, connection.refresh_token) == ("new-access", "zoho-refresh-token")

    def test_clearing_the_tokens_bumps_the_version_and_says_why(self):
        connection = ZendeskConnectionFactory(access_token="access-0123456789", refresh_token="refresh-0123456789")
        connection_tokens_clear(connection=connection, reason="invalid_grant for refresh-0123456789")
        assert (connection.access_token, connection.refresh_token, connection.token_version) == ("", "", 1)
        assert connection.last_error == "invalid_grant for [redacted]"


class TestAdminEdit:
    def test_an_edit_saves_only_its_fields_and_keeps_a_concurrent_refresh(self):
        connection = ZendeskConnectionFactory(access_token="old-access")
        edited = Connection.objects.get(pk=connection.pk)
        connection_tokens_store(
            connection=connection, expected_version=0, access_token="fresh-access", access_token_expires_at=None
        )
        edited.name = "Renamed"
        connection_save(connection=edited, fields=["name"])
        connection.refresh_from_db()
        assert (connection.name, connection.access_token, connection.token_version) == ("Renamed", "fresh-access", 1)

    def test_a_changed_credential_invalidates_refreshes_in_flight(self):
        connection = ZendeskConnectionFactory()
        connection.refresh_token = "pasted-by-an-admin"
        connection_save(connection=connection, fields=["refresh_token"])
        assert connection.token_version == 1
        assert not connection_tokens_store(
            connection=connection, expected_version=0, access_token="late", access_token_expires_at=None
        )
        connection.refresh_from_db()
        assert connection.refresh_token == "pasted-by-an-admin"


class TestHealth:
    def test_failures_count_up_with_secrets_redacted_and_a_success_resets(self):
        connection = ZendeskConnectionFactory(access_token="access-0123456789")
        connection_record_failure(connection=connection, error="401 with Bearer access-0123456789")
        connection_record_failure(connection=connection, error="x" * (ERROR_MAX_CHARS + 50))
        connection.refresh_from_db()
        assert connection.consecutive_failures == 2 and connection.health == Health.FAILING
        assert len(connection.last_error) == ERROR_MAX_CHARS
        connection_record_failure(connection=connection, error="401 with Bearer access-0123456789")
        assert connection.last_error == "401 with Bearer [redacted]"
        connection_record_success(connection=connection)
        connection.refresh_from_db()
        assert connection.consecutive_failures == 0 and connection.health == Health.OK
        assert connection.last_success_at == connection.last_sync_at


class TestSyncLog:
    def test_an_entry_has_the_secrets_redacted(self):
        connection = ZendeskConnectionFactory(webhook_secret="whsec-0123456789")
        entry = sync_log(
            connection=connection,
            direction=Direction.WEBHOOK,
            action="verify",
            outcome=Outcome.FAILED,
            message="signature made with whsec-0123456789 did not match",
            remote_id=123,
        )
        entry.refresh_from_db()
        assert entry.message == "signature made with [redacted] did not match" and entry.remote_id == "123"

    def test_prune_deletes_old_entries(self):
        with time_machine.travel(timezone.now() - timedelta(days=40)):
            old = SyncLogEntryFactory()
        recent = SyncLogEntryFactory(connection=old.connection)
        assert sync_log_prune(older_than=timedelta(days=30)) == 1
        assert list(SyncLogEntry.objects.all()) == [recent]


class TestSyncStateClaim:
    def test_one_worker_at_a_time(self):
        connection = ZendeskConnectionFactory()
        state = sync_state_claim(connection=connection, kind="pull_tickets")
        assert state is not None and state.running_since is not None
        assert sync_state_claim(connection=connection, kind="pull_tickets") is None
        assert sync_state_claim(connection=connection, kind="pull_comments") is not None
        now = timezone.now()
        assert sync_state_release(state=state, cursor="abc", watermark=now)
        state.refresh_from_db()
        assert (state.cursor, state.watermark, state.running_since) == ("abc", now, None)
        assert sync_state_claim(connection=connection, kind="pull_tickets") is not None

    def test_a_stale_claim_is_taken_over_and_its_late_release_saves_nothing(self):
        connection = ZendeskConnectionFactory()
        with time_machine.travel(timezone.now() - timedelta(hours=1)):
            stuck = sync_state_claim(connection=connection, kind="pull_tickets")
        fresh = sync_state_claim(connection=connection, kind="pull_tickets", stale_after=timedelta(minutes=15))
        assert fresh is not None and fresh.pk == stuck.pk
        assert not sync_state_release(state=stuck, cursor="behind")
        assert sync_state_release(state=fresh, cursor="ahead")
        fresh.refresh_from_db()
        assert fresh.cursor == "ahead"
