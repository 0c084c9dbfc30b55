"""Sending: signatures, the retry schedule and giving up, permanent failures, pausing, replay, duplicates."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tickets import services as tickets
from tickets.models import EmailStatus
from tickets.tests.factories import category
from webhooks import services, transport
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint, PauseNotice
from webhooks.signing import signature, verify
from webhooks.tasks import deliver, webhooks_prune, webhooks_relay

pytestmark = pytest.mark.django_db


def open_ticket(customer):
    return tickets.ticket_create(actor=customer, subject="Printer on fire", category=category())


@pytest.fixture
def delivery(commit, endpoint, receiver, customer):
    """A ticket.created whose first attempt failed with a 500 (the receiver then goes on failing)."""
    receiver.fail_with(500)
    with commit():
        open_ticket(customer)
    return Delivery.objects.get()


def paused_emails():
    return [email for email in mail.outbox if email.subject.startswith("Webhook paused")]


def at(delivery, step):
    """The moment the schedule's ``step``-th retry is due."""
    return Delivery.objects.get(pk=delivery.pk).next_attempt_at + timedelta(seconds=1)


class TestSignature:
    def test_the_receiver_can_check_every_header(self, commit, endpoint, receiver, customer):
        with commit():
            open_ticket(customer)
        [got] = receiver.received
        headers = got.headers
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Helpdesk-Signature"] == signature(receiver.secret, headers["X-Helpdesk-Timestamp"], got.body)
        assert headers["X-Helpdesk-Signature"].startswith("sha256=") and len(headers["X-Helpdesk-Signature"]) == 71
        assert got.signature_ok

    def test_verify_refuses_another_secret_a_changed_body_and_an_old_timestamp(self):
        body, now = b'{"id":"x"}', 1_800_000_000
        header = signature("whsec_a", now, body)
        assert verify("whsec_a", str(now), body, header, now=now)
        assert not verify("whsec_b", str(now), body, header, now=now)
        assert not verify("whsec_a", str(now), body + b" ", header, now=now)
        assert not verify("whsec_a", str(now), body, header, now=now + 301)
        assert not verify("whsec_a", "soon", body, header, now=now)

    def test_a_receiver_with_the_wrong_secret_refuses_and_the_delivery_is_retried(
        self, commit, endpoint, receiver, customer
    ):
        receiver.secret = "whsec_not-the-one"
        with commit():
            open_ticket(customer)
        assert receiver.received[0].signature_ok is False
        delivery = Delivery.objects.get()
        # 401 is a 4xx: a receiver that refuses us will go on refusing, so it is not retried.
        assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 401


class TestRetries:
    def test_retried_on_the_schedule_then_given_up(self, delivery, receiver):
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        first = delivery.next_attempt_at - delivery.attempt_log.get().started_at
        assert timedelta(seconds=59) < first <= timedelta(seconds=61)
        gaps = []
        for _step in range(1, services.MAX_ATTEMPTS):
            due = at(delivery, _step)
            with time_machine.travel(due - timedelta(seconds=2), tick=False):
                assert deliver(delivery.pk) is False  # not due yet: nothing sent
            with time_machine.travel(due, tick=False):
                assert deliver(delivery.pk) is True
                assert deliver(delivery.pk) is False  # a second task for the same attempt sends nothing
            row = Delivery.objects.get(pk=delivery.pk)
            if row.status == DeliveryStatus.PENDING:
                gaps.append(round((row.next_attempt_at - due).total_seconds() / 60))
        assert gaps == [5, 30, 60, 120, 240, 480]
        row = Delivery.objects.get(pk=delivery.pk)
        assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.FAILED, 8, 500)
        assert len(receiver.received) == 8
        assert {r.delivery for r in receiver.received} == {str(row.uuid)}  # one id across every retry
        assert len({r.body for r in receiver.received}) == 1  # and the very same body
        assert len({r.headers["X-Helpdesk-Timestamp"] for r in receiver.received}) == 8  # freshly signed each time
        log = list(row.attempt_log.values_list("number", "status_code"))
        assert log == [(n, 500) for n in range(1, 9)]

    def test_a_retry_that_succeeds_delivers(self, delivery, receiver):
        receiver.answer_ok()
        with time_machine.travel(at(delivery, 1), tick=False):
            webhooks_relay()  # the relay enqueues what is due; eager, it is sent at once
        row = Delivery.objects.get(pk=delivery.pk)
        assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
        assert Endpoint.objects.get(pk=row.endpoint_id).failure_streak == 0

    @pytest.mark.parametrize(
        ("status", "outcome"),
        [
            *[(code, DeliveryStatus.PENDING) for code in (408, 429, 502, 503)],  # retried later
            *[(code, DeliveryStatus.FAILED) for code in (400, 404, 422, 301)],  # other 4xx, redirects: at once
        ],
    )
    def test_which_answers_are_retried(self, commit, endpoint, receiver, customer, status, outcome):
        receiver.fail_with(status)
        with commit():
            open_ticket(customer)
        row = Delivery.objects.get()
        assert (row.status, row.attempts, row.last_status_code) == (outcome, 1, status)
        assert len(receiver.received) == 1
        assert Endpoint.objects.get(pk=endpoint.pk).paused_at is None  # one bad answer does not pause

    def test_a_timeout_is_retried_and_logged(self, commit, endpoint, receiver, customer, monkeypatch):
        monkeypatch.setattr(transport, "READ_TIMEOUT", 0.3)
        receiver.hang(1.5)
        with commit():
            open_ticket(customer)
        row = Delivery.objects.get()
        assert row.status == DeliveryStatus.PENDING and row.last_status_code is None
        attempt = row.attempt_log.get()
        assert attempt.error.startswith("Timed out") and 250 <= attempt.duration_ms < 1500

    def test_a_refused_connection_is_retried(self, commit, endpoint, receiver, customer):
        receiver.stop()
        with commit():
            open_ticket(customer)
        row = Delivery.objects.get()
        assert row.status == DeliveryStatus.PENDING and row.last_error.endswith("Connection refused")

    def test_the_response_kept_is_its_first_2_kb(self, commit, endpoint, receiver, customer, monkeypatch):
        monkeypatch.setattr(transport, "RESPONSE_KEEP_BYTES", 10)
        with commit():
            open_ticket(customer)
        assert Delivery.objects.get().attempt_log.get().response_body == '{"ok": tru'


class TestPausing:
    def test_a_410_pauses_the_endpoint_and_tells_its_owner_once(self, commit, endpoint, receiver, customer, admin_user):
        receiver.fail_with(410)
        with commit():
            open_ticket(customer)
        row = Endpoint.objects.get(pk=endpoint.pk)
        assert row.paused_at is not None and "410" in row.paused_reason and row.status == "paused"
        notice = PauseNotice.objects.get()
        assert notice.recipient == admin_user and notice.email_status == EmailStatus.SENT
        [email] = paused_emails()
        assert email.to == [admin_user.email] and "Receiver" in email.subject
        assert endpoint.url in email.body and "resume" in email.body.lower()
        assert receiver.secret not in email.body
        with commit():
            open_ticket(customer)  # paused: not recorded, not sent
        assert Delivery.objects.count() == 1 and len(receiver.received) == 1 and len(paused_emails()) == 1

    def test_failures_in_a_row_pause_then_resuming_sends_what_waited(self, commit, endpoint, receiver, customer):
        receiver.fail_with(503)
        for _ in range(services.PAUSE_AFTER_FAILURES):
            with commit():
                open_ticket(customer)
        row = Endpoint.objects.get(pk=endpoint.pk)
        assert row.failure_streak == services.PAUSE_AFTER_FAILURES and row.paused_at is not None
        assert f"{services.PAUSE_AFTER_FAILURES} attempts in a row" in row.paused_reason
        assert PauseNotice.objects.count() == 1 and len(paused_emails()) == 1
        waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
        assert waiting == services.PAUSE_AFTER_FAILURES
        receiver.answer_ok()
        later = timezone.now() + timedelta(minutes=2)
        with time_machine.travel(later, tick=False):
            assert webhooks_relay() == 0  # paused: what waits stays
            with commit():
                assert services.endpoint_resume(endpoint=row) is True
        assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == waiting
        assert Endpoint.objects.get(pk=endpoint.pk).failure_streak == 0

    def test_without_its_owner_every_active_admin_is_told(self, endpoint, admin_user, manager):
        other_admin = type(admin_user).objects.create(email="admin2@example.com", role="admin")
        admin_user.is_active = False
        admin_user.save()
        assert services.endpoint_pause(endpoint_id=endpoint.pk, reason="gone") is True
        assert services.endpoint_pause(endpoint_id=endpoint.pk, reason="again") is False  # told once
        assert list(PauseNotice.objects.values_list("recipient", flat=True)) == [other_admin.pk]

    def test_a_delivery_that_gives_up_pauses(self, delivery, receiver):
        Delivery.objects.filter(pk=delivery.pk).update(attempts=services.MAX_ATTEMPTS - 1)
        with time_machine.travel(at(delivery, 7), tick=False):
            deliver(delivery.pk)
        endpoint = Endpoint.objects.get(pk=delivery.endpoint_id)
        assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.FAILED
        assert endpoint.paused_at is not None and "failed 8 attempts" in endpoint.paused_reason
        assert PauseNotice.objects.filter(endpoint=endpoint).count() == 1


class TestReplayAndDuplicates:
    def test_replay_sends_the_same_id_and_body_again(self, commit, endpoint, receiver, customer):
        with commit():
            open_ticket(customer)
        row = Delivery.objects.get()
        with commit():
            queued, refused = services.delivery_replay(deliveries=Delivery.objects.select_related("endpoint"))
        assert (queued, refused) == (1, [])
        first, again = receiver.received
        assert again.delivery == first.delivery == str(row.uuid) and again.body == first.body
        assert again.signature_ok
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 2)
        assert list(row.attempt_log.values_list("number", "replay")) == [(1, False), (2, True)]

    def test_a_failed_delivery_replayed_gets_a_fresh_schedule(self, commit, endpoint, receiver, customer):
        receiver.fail_with(400)
        with commit():
            open_ticket(customer)
        receiver.fail_with(503)
        with commit():
            services.delivery_replay(deliveries=Delivery.objects.select_related("endpoint"))
        row = Delivery.objects.get()
        assert (row.status, row.attempts, row.retry_from) == (DeliveryStatus.PENDING, 2, 1)
        assert timedelta(seconds=59) < row.next_attempt_at - timezone.now() <= timedelta(seconds=61)

    def test_replay_is_refused_while_the_endpoint_is_paused(self, commit, endpoint, receiver, customer):
        with commit():
            open_ticket(customer)
        services.endpoint_pause(endpoint_id=endpoint.pk, reason="test")
        queued, refused = services.delivery_replay(deliveries=Delivery.objects.select_related("endpoint"))
        assert queued == 0 and "paused" in refused[0] and len(receiver.received) == 1

    def test_the_task_run_twice_sends_once(self, django_capture_on_commit_callbacks, endpoint, receiver, customer):
        with django_capture_on_commit_callbacks(execute=False):
            open_ticket(customer)
        pk = Delivery.objects.get().pk
        assert deliver(pk) is True
        assert deliver(pk) is False
        assert len(receiver.received) == 1

    def test_a_claim_of_a_dead_worker_is_sent_again_by_the_relay(
        self, django_capture_on_commit_callbacks, eager, endpoint, receiver, customer
    ):
        with django_capture_on_commit_callbacks(execute=False):
            open_ticket(customer)
        row = Delivery.objects.get()
        # A worker claimed it, then died before the POST.
        Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=1)
        assert webhooks_relay() == 0  # the claim still holds: nobody else sends it
        with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
            assert webhooks_relay() == 1
        assert len(receiver.received) == 1 and Delivery.objects.get().status == DeliveryStatus.DELIVERED

    def test_a_delivery_the_broker_missed_goes_out_with_the_relay(
        self, django_capture_on_commit_callbacks, broker_down, endpoint, receiver, customer
    ):
        with django_capture_on_commit_callbacks(execute=True):
            open_ticket(customer)  # the ticket is made; the task could not be published
        assert receiver.received == [] and Delivery.objects.get().status == DeliveryStatus.PENDING
        from helpdesk.celery import app

        app.conf.task_always_eager = True  # the broker is back (eager: the relay's tasks run here)
        try:
            assert webhooks_relay() == 0  # a fresh row is left to its own task for a moment
            with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
                assert webhooks_relay() == 1
        finally:
            app.conf.task_always_eager = False
        assert receiver.events() == ["ticket.created"]
        assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


class TestAddresses:
    def test_loopback_is_refused_when_private_addresses_are_not_allowed(
        self, commit, endpoint, receiver, customer, settings
    ):
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
        with commit():
            open_ticket(customer)
        row = Delivery.objects.get()
        assert receiver.received == []
        assert row.status == DeliveryStatus.FAILED and "127.0.0.1" in row.last_error
        assert "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES" in row.last_error

    def test_a_name_for_a_private_address_is_refused_too(self, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
        answer = transport.post("http://localhost:9/hooks", body=b"{}", headers={})
        assert answer.refused and answer.status_code is None and "not a public address" in answer.error

    def test_a_name_with_one_private_address_among_public_ones_is_refused(self, monkeypatch):
        answers = [(2, 1, 6, "", ("93.184.216.34", 80)), (2, 1, 6, "", ("10.0.0.5", 80))]
        monkeypatch.setattr(transport.socket, "getaddrinfo", lambda *args, **kwargs: answers)
        with pytest.raises(transport.RefusedURL, match="10.0.0.5"):
            transport.public_address("hooks.example.test", 80)

    def test_the_connection_goes_to_the_address_that_was_checked(self, receiver, settings, monkeypatch):
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
        checked = []

        def public_address(host, port):
            checked.append(host)
            return "127.0.0.1"  # as if the name had resolved to a public address, now pinned

        monkeypatch.setattr(transport, "public_address", public_address)
        port = receiver.url.split(":")[2].split("/")[0]
        # The name does not resolve at all: only a connection to the checked address can reach the receiver.
        answer = transport.post(f"http://hooks.invalid:{port}/hooks", body=b"{}", headers={})
        assert checked == ["hooks.invalid"] and answer.status_code == 401  # reached (and refused: unsigned)
        assert receiver.received[0].headers["Host"] == f"hooks.invalid:{port}"

    @pytest.mark.parametrize(
        "url", ["ftp://example.com/x", "http://user:pw@example.com/x", "https:///nohost", "javascript:alert(1)"]
    )
    def test_bad_urls_are_refused(self, url):
        with pytest.raises(transport.RefusedURL):
            transport.check_url(url)


def test_the_secret_never_reaches_the_logs(commit, endpoint, receiver, customer, caplog):
    receiver.fail_with(500)
    with caplog.at_level(logging.DEBUG), commit():
        open_ticket(customer)
    with caplog.at_level(logging.DEBUG), commit():
        services.endpoint_pause(endpoint_id=endpoint.pk, reason="test")
    assert caplog.records and receiver.secret not in caplog.text
    assert receiver.secret not in str(Delivery.objects.get().attempt_log.get().__dict__)


def test_finished_deliveries_are_pruned_after_30_days_waiting_ones_stay(commit, endpoint, receiver, customer):
    with commit():
        open_ticket(customer)
    receiver.fail_with(503)
    with commit():
        open_ticket(customer)
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["delivered", "pending"]
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        assert webhooks_prune() == 0
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert webhooks_prune() == 1
    assert list(Delivery.objects.values_list("status", flat=True)) == ["pending"]
    assert DeliveryAttempt.objects.count() == 1  # the pending one's attempt; the other's went with it
