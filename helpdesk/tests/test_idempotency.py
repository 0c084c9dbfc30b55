"""``Idempotency-Key`` on the API's creates: one object per key, the first answer again, 409 on another body."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.utils import timezone

from helpdesk.api.idempotency import idempotency_keys_prune
from helpdesk.models import IdempotencyKey
from tickets.models import Comment, Ticket

TICKETS = "/api/v1/tickets"
BODY = {"subject": "VPN drops every hour", "category": "general", "priority": "high"}


def post(client, body, key, url=TICKETS, **kwargs):
    return client.post(url, body, format=kwargs.pop("format", "json"), headers={"Idempotency-Key": key}, **kwargs)


@pytest.mark.django_db
class TestTicketCreate:
    def test_a_retry_answers_the_first_ticket_and_creates_nothing(self, api, customer):
        first = post(api(customer), BODY, "create-1")
        again = post(api(customer), {**BODY}, "create-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert (again["Location"], again["ETag"]) == (first["Location"], first["ETag"])
        assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
        assert Ticket.objects.count() == 1

    def test_the_same_key_on_another_body_is_a_conflict_and_changes_nothing(self, api, customer):
        post(api(customer), BODY, "create-2")
        other = post(api(customer), {**BODY, "subject": "Something else"}, "create-2")
        assert other.status_code == 409
        body = other.json()
        assert (body["status"], body["code"]) == ("error", "CONFLICT") and "different request" in body["message"]
        assert list(Ticket.objects.values_list("subject", flat=True)) == ["VPN drops every hour"]

    def test_keys_are_per_user(self, api, customer, agent):
        mine = post(api(customer), BODY, "shared-key")
        theirs = post(api(agent), BODY, "shared-key")
        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["id"] != theirs.json()["id"] and Ticket.objects.count() == 2

    def test_a_refused_create_keeps_no_key(self, api, customer, other_customer):
        refused = post(api(customer), {**BODY, "requester_id": other_customer.pk}, "create-3")
        assert refused.status_code == 403 and not IdempotencyKey.objects.exists()
        fixed = post(api(customer), BODY, "create-3")
        assert fixed.status_code == 201 and Ticket.objects.count() == 1

    def test_the_key_is_stored_as_a_digest_and_a_long_key_is_refused(self, api, customer):
        post(api(customer), BODY, "my-secret-looking-key")
        row = IdempotencyKey.objects.get()
        assert "my-secret-looking-key" not in (row.key_digest, row.fingerprint) and len(row.key_digest) == 64
        too_long = post(api(customer), BODY, "k" * 256)
        assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()["errors"]

    def test_multipart_files_are_part_of_the_request(self, api, customer):
        def upload(content):
            return {**BODY, "file": SimpleUploadedFile("log.txt", content, content_type="text/plain")}

        first = post(api(customer), upload(b"first log"), "multi-1", format="multipart")
        other_file = post(api(customer), upload(b"another log"), "multi-1", format="multipart")
        same_file = post(api(customer), upload(b"first log"), "multi-1", format="multipart")
        assert first.status_code == 201 and other_file.status_code == 409
        assert same_file.status_code == 201 and same_file.json()["id"] == first.json()["id"]
        assert Ticket.objects.count() == 1

    def test_keys_last_24_hours_then_are_pruned(self, api, customer):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            post(api(customer), BODY, "daily")
        with time_machine.travel(start + timedelta(hours=23), tick=False):
            assert post(api(customer), BODY, "daily").json()["id"] == Ticket.objects.get().pk
            assert idempotency_keys_prune() == 0
        with time_machine.travel(start + timedelta(hours=25), tick=False):
            reused = post(api(customer), {**BODY, "subject": "A new day"}, "daily")
            assert reused.status_code == 201 and Ticket.objects.count() == 2
        assert idempotency_keys_prune(now=start + timedelta(hours=50)) == 1
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
class TestCommentAdd:
    def test_a_retried_reply_is_added_once(self, api, customer):
        ticket_id = post(api(customer), BODY, "t").json()["id"]
        url = f"{TICKETS}/{ticket_id}/comments"
        first = post(api(customer), {"body": "Still broken"}, "reply-1", url=url)
        again = post(api(customer), {"body": "Still broken"}, "reply-1", url=url)
        assert first.status_code == again.status_code == 201 and again.json() == first.json()
        assert Comment.objects.filter(ticket_id=ticket_id).count() == 1

    def test_the_same_key_on_another_ticket_is_a_conflict(self, api, customer):
        one, two = (post(api(customer), {**BODY, "subject": s}, s).json()["id"] for s in ("one", "two"))
        post(api(customer), {"body": "Hello"}, "reply-2", url=f"{TICKETS}/{one}/comments")
        elsewhere = post(api(customer), {"body": "Hello"}, "reply-2", url=f"{TICKETS}/{two}/comments")
        assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "CONFLICT"
        assert not Comment.objects.filter(ticket_id=two).exists()


class DatabaseDropsAfterCommit:
    """The database goes away just after the transaction that saved a ticket committed."""

    def __init__(self):
        self.saved = False

    def __call__(self, execute, sql, params, many, context):
        if self.saved and not connection.in_atomic_block:
            raise OperationalError("server closed the connection unexpectedly")
        self.saved = self.saved or sql.startswith(f'INSERT INTO "{Ticket._meta.db_table}"')
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_create_saved_just_before_the_database_dropped_is_503_and_its_retry_the_first_ticket(api, customer):
    client = api(customer)
    with connection.execute_wrapper(DatabaseDropsAfterCommit()):
        lost = post(client, BODY, "dropped")
    assert lost.status_code == 503, lost.content
    assert lost["Retry-After"] == "5" and lost.json()["code"] == "SERVICE_UNAVAILABLE"
    saved = Ticket.objects.get()  # the answer was lost, the ticket was not

    retry = post(client, BODY, "dropped")
    assert retry.status_code == 201 and retry.json()["id"] == saved.pk
    assert retry["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_with_one_key_make_one_ticket(api, customer):
    answers = []
    start = threading.Barrier(4)

    def send():
        start.wait()
        try:
            answers.append(post(api(customer), BODY, "burst"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 4, [a.content for a in answers]
    assert {a.json()["id"] for a in answers} == {Ticket.objects.get().pk}


@pytest.mark.django_db
def test_a_retry_on_the_other_spelling_of_the_path_is_the_same_request(api, customer):
    body = {"subject": "Slash or not", "category": "general"}
    first = api(customer).post("/api/v1/tickets", body, format="json", HTTP_IDEMPOTENCY_KEY="slash-1")
    again = api(customer).post("/api/v1/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="slash-1")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.filter(subject="Slash or not").count() == 1
