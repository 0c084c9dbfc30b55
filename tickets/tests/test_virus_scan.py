"""Virus scanning against a real clamd: the client, the API's uploads and downloads, the later scan and sweep."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.clamd import Clamd, ClamdSizeLimit, ClamdUnavailable, interpret
from helpdesk.env import env_socket_url
from helpdesk.tests.redis_server import free_port
from tickets import services, tasks
from tickets.models import Attachment, EventKind, ScanStatus
from tickets.services import scanning
from tickets.tests.clamd_server import EICAR, FOUND, STREAM_MAX_BYTES
from tickets.tests.factories import category

CLEAN = b"The VPN log, nothing else.\n"
INFECTED = b"Please run this:\n" + EICAR + b"\n"


@pytest.fixture
def ticket(customer):
    return services.ticket_create(actor=customer, subject="Strange attachment", category=category())


def upload(client, ticket, name, content, **extra):
    data = {"file": SimpleUploadedFile(name, content), **extra}
    return client.post(f"/api/v1/tickets/{ticket.pk}/attachments", data, format="multipart")


def stored_files(attachment_storage_root):
    return sorted(path.name for path in attachment_storage_root.rglob("*") if path.is_file())


class TestClient:
    """helpdesk/clamd.py against the real daemon, over TCP and over its unix socket."""

    @pytest.mark.parametrize("address", ["tcp_url", "unix_url"])
    def test_ping_clean_and_infected_over_tcp_and_unix_socket(self, clamd_server, address):
        client = Clamd(getattr(clamd_server, address), timeout=10)
        assert client.ping() is True
        assert client.scan_file(io.BytesIO(CLEAN)).infected is False
        found = client.scan_file(io.BytesIO(INFECTED))
        assert (found.infected, found.signature) == (True, FOUND)

    def test_many_chunks_are_one_stream(self, clamd_server):
        # The signature straddles two chunks: clamd must see one stream, not pieces.
        half = len(EICAR) // 2
        found = Clamd(clamd_server.tcp_url, timeout=10).scan_chunks([b"x" * 70_000, EICAR[:half], EICAR[half:]])
        assert found.signature == FOUND

    def test_past_stream_max_length_is_a_size_limit_not_an_outage(self, clamd_server):
        with pytest.raises(ClamdSizeLimit, match="size limit exceeded"):
            Clamd(clamd_server.tcp_url, timeout=10).scan_file(io.BytesIO(b"x" * (STREAM_MAX_BYTES + 1)))

    def test_nobody_listening_is_unavailable(self):
        client = Clamd(f"tcp://127.0.0.1:{free_port()}", timeout=2)
        assert client.ping() is False
        with pytest.raises(ClamdUnavailable, match="cannot connect"):
            client.scan_file(io.BytesIO(CLEAN))

    def test_a_daemon_that_never_answers_times_out(self, clamd_server):
        with clamd_server.frozen(), pytest.raises(ClamdUnavailable, match="no verdict"):
            Clamd(clamd_server.tcp_url, timeout=1).scan_file(io.BytesIO(CLEAN))

    @pytest.mark.parametrize(
        ("reply", "error"),
        [("Can't allocate memory ERROR", ClamdUnavailable), ("nonsense", ClamdUnavailable)],
    )
    def test_other_answers_are_errors(self, reply, error):
        with pytest.raises(error):
            interpret(reply)

    @pytest.mark.parametrize("url", ["http://127.0.0.1:3310", "tcp://", "unix://", "127.0.0.1:3310", "tcp://h:99999"])
    def test_bad_addresses_are_refused_and_stop_the_start(self, url, monkeypatch):
        with pytest.raises(ValueError):
            Clamd(url, timeout=1)
        monkeypatch.setenv("CLAMD_URL", url)
        with pytest.raises(ImproperlyConfigured, match="CLAMD_URL"):
            env_socket_url("CLAMD_URL", "tcp://127.0.0.1:3310")


@pytest.mark.django_db
class TestApiUploads:
    def test_a_clean_file_is_stored_as_clean_and_downloads(self, api, customer, ticket, virus_scan):
        client = api(customer)
        created = upload(client, ticket, "vpn.log", CLEAN)
        assert created.status_code == 201, created.json()
        body = created.json()
        assert body["scan_status"] == "clean" and body["scanned_at"]
        download = client.get(f"/api/v1/attachments/{body['id']}")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == CLEAN

    def test_an_infected_file_is_refused_in_the_error_shape_and_nothing_is_kept(
        self, api, customer, ticket, virus_scan, settings
    ):
        response = upload(api(customer), ticket, "run-me.txt", INFECTED)
        assert response.status_code == 422
        body = response.json()
        assert body["status"] == "error" and body["code"] == "INFECTED_FILE"
        assert FOUND in body["message"] and "run-me.txt" in body["message"]
        assert body["errors"]["file"] == [body["message"]]
        assert not Attachment.objects.exists()
        assert not ticket.events.filter(kind=EventKind.ATTACHMENT_ADDED).exists()
        assert stored_files(settings.MEDIA_ROOT) == []

    def test_an_infected_file_on_an_agents_note_is_refused_too(self, api, agent, ticket, virus_scan):
        note = services.comment_add(actor=agent, ticket=ticket, body="Log attached.", is_internal=True)
        response = upload(api(agent), ticket, "trace.log", INFECTED, comment_id=note.pk)
        assert (response.status_code, response.json()["code"]) == (422, "INFECTED_FILE")
        assert not note.attachments.exists()

    def test_a_file_past_the_scanners_limit_is_refused_with_413(self, api, customer, ticket, virus_scan):
        response = upload(api(customer), ticket, "huge.txt", b"a" * (STREAM_MAX_BYTES + 10))
        assert response.status_code == 413
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
        assert "StreamMaxLength" in response.json()["message"]
        assert not Attachment.objects.exists()

    def test_a_file_over_the_unix_socket_is_scanned_as_well(self, api, customer, ticket, virus_scan, settings):
        settings.CLAMD_URL = virus_scan.unix_url
        assert upload(api(customer), ticket, "bad.txt", INFECTED).status_code == 422
        assert upload(api(customer), ticket, "good.txt", CLEAN).json()["scan_status"] == "clean"

    def test_scanning_off_keeps_todays_behaviour(self, api, customer, ticket, settings):
        settings.VIRUS_SCAN_ENABLED = False
        settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"  # never asked
        client = api(customer)
        created = upload(client, ticket, "anything.txt", INFECTED).json()
        assert created["scan_status"] == "unscanned" and created["scanned_at"] is None
        download = client.get(f"/api/v1/attachments/{created['id']}")
        assert b"".join(download.streaming_content) == INFECTED


@pytest.mark.django_db
class TestClamdAway:
    def test_the_upload_is_kept_pending_and_never_served(
        self, api, customer, agent, ticket, clamd_down, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            created = upload(api(customer), ticket, "vpn.log", CLEAN)
        assert created.status_code == 201
        assert created.json()["scan_status"] == "pending"
        assert len(callbacks) == 1  # the scan task, published after the commit
        for user in (customer, agent):
            refused = api(user).get(f"/api/v1/attachments/{created.json()['id']}")
            assert refused.status_code == 409
            assert refused.json()["code"] == "SCAN_PENDING"
            assert "waiting for its virus scan" in refused.json()["message"]
        listed = api(agent).get(f"/api/v1/tickets/{ticket.pk}/attachments").json()["results"]
        assert [(a["filename"], a["scan_status"]) for a in listed] == [("vpn.log", "pending")]

    def test_a_daemon_that_does_not_answer_in_time_holds_the_file_too(
        self, api, customer, ticket, virus_scan, settings
    ):
        settings.CLAMD_TIMEOUT = 1
        with virus_scan.frozen():
            created = upload(api(customer), ticket, "vpn.log", CLEAN)
        assert created.json()["scan_status"] == "pending"

    def test_the_retry_scans_it_clean_once_clamd_is_back(self, api, customer, ticket, clamd_down, settings, request):
        created = upload(api(customer), ticket, "vpn.log", CLEAN).json()
        with pytest.raises(ClamdUnavailable):
            scanning.attachment_scan(attachment_id=created["id"])
        assert Attachment.objects.get(pk=created["id"]).scan_status == ScanStatus.PENDING
        settings.CLAMD_URL = request.getfixturevalue("clamd_server").tcp_url
        assert tasks.attachment_scan.apply(args=[created["id"]]).get() == ScanStatus.CLEAN
        download = api(customer).get(f"/api/v1/attachments/{created['id']}")
        assert download.status_code == 200 and b"".join(download.streaming_content) == CLEAN
        # Run again: nothing changes.
        assert scanning.attachment_scan(attachment_id=created["id"]) == "done"

    def test_an_infected_file_found_later_is_deleted_marked_and_recorded(
        self, api, customer, agent, ticket, clamd_down, settings, request, django_capture_on_commit_callbacks
    ):
        created = upload(api(customer), ticket, "run-me.txt", INFECTED).json()
        stored = Attachment.objects.get(pk=created["id"]).file
        assert stored.storage.exists(stored.name)
        settings.CLAMD_URL = request.getfixturevalue("clamd_server").tcp_url
        with django_capture_on_commit_callbacks(execute=True):
            assert scanning.attachment_scan(attachment_id=created["id"]) == ScanStatus.INFECTED
        attachment = Attachment.objects.get(pk=created["id"])
        assert (attachment.scan_status, attachment.scan_detail) == (ScanStatus.INFECTED, FOUND)
        assert not stored.storage.exists(stored.name)
        event = ticket.events.get(kind=EventKind.ATTACHMENT_DELETED)
        assert (event.old_value, event.actor, event.metadata["reason"]) == ("run-me.txt", None, "infected")
        assert event.metadata["detail"] == FOUND
        gone = api(customer).get(f"/api/v1/attachments/{created['id']}")
        assert (gone.status_code, gone.json()["code"]) == (410, "FILE_REMOVED")
        assert FOUND in gone.json()["message"]
        history = api(agent).get(f"/api/v1/tickets/{ticket.pk}/history").json()["results"]
        assert history[-1]["kind"] == "attachment_deleted" and history[-1]["metadata"]["reason"] == "infected"
        # A second scan (the sweep racing the task) records nothing twice.
        assert scanning.attachment_scan(attachment_id=created["id"]) == "done"
        assert ticket.events.filter(kind=EventKind.ATTACHMENT_DELETED).count() == 1


@pytest.mark.django_db
class TestSweep:
    def test_the_sweep_stops_while_clamd_is_away_and_scans_everything_once_it_is_back(
        self, api, customer, ticket, clamd_down, settings, request, django_capture_on_commit_callbacks
    ):
        client = api(customer)
        clean = upload(client, ticket, "a.log", CLEAN).json()
        infected = upload(client, ticket, "b.txt", INFECTED).json()
        settings.VIRUS_SCAN_ENABLED = False
        older = upload(client, ticket, "from-before.txt", CLEAN).json()  # stored while scanning was off
        settings.VIRUS_SCAN_ENABLED = True
        assert client.get(f"/api/v1/attachments/{older['id']}").json()["code"] == "SCAN_PENDING"
        assert tasks.attachment_scan_sweep.apply().get() == {"scanned": 0, "infected": 0, "postponed": 3}

        settings.CLAMD_URL = request.getfixturevalue("clamd_server").tcp_url
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.attachment_scan_sweep.apply().get() == {"scanned": 3, "infected": 1, "postponed": 0}
        statuses = dict(Attachment.objects.values_list("filename", "scan_status"))
        assert statuses == {"a.log": "clean", "b.txt": "infected", "from-before.txt": "clean"}
        assert client.get(f"/api/v1/attachments/{clean['id']}").status_code == 200
        assert client.get(f"/api/v1/attachments/{infected['id']}").status_code == 410
        assert scanning.attachment_scan_sweep() == {"scanned": 0, "infected": 0, "postponed": 0}

    def test_pending_files_go_first_and_a_batch_is_bounded(self, customer, ticket, clamd_down, settings, request):
        settings.VIRUS_SCAN_ENABLED = False
        for number in range(3):
            services.attachment_add(actor=customer, ticket=ticket, upload=SimpleUploadedFile(f"{number}.txt", CLEAN))
        settings.VIRUS_SCAN_ENABLED = True
        pending = services.attachment_add(actor=customer, ticket=ticket, upload=SimpleUploadedFile("p.txt", CLEAN))
        assert pending.scan_status == ScanStatus.PENDING
        settings.CLAMD_URL = request.getfixturevalue("clamd_server").tcp_url
        assert scanning.attachment_scan_sweep(limit=2) == {"scanned": 2, "infected": 0, "postponed": 0}
        clean = set(Attachment.objects.filter(scan_status=ScanStatus.CLEAN).values_list("filename", flat=True))
        assert clean == {"p.txt", "0.txt"}

    def test_the_sweep_does_nothing_while_scanning_is_off(self, customer, ticket, settings):
        settings.VIRUS_SCAN_ENABLED = False
        services.attachment_add(actor=customer, ticket=ticket, upload=SimpleUploadedFile("x.txt", CLEAN))
        assert scanning.attachment_scan_sweep() == {"scanned": 0, "infected": 0, "postponed": 0}
        assert Attachment.objects.get().scan_status == ScanStatus.UNSCANNED


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_held_while_clamd_was_away_is_scanned_by_a_real_worker(
    api, customer, clamd_down, clamd_server, settings
):
    """API upload (clamd away) -> pending -> scan task on commit -> broker -> real worker -> clamd -> clean."""
    from helpdesk.celery import app as celery_app
    from tickets.tests.test_worker import running_worker, wait_for

    ticket = services.ticket_create(actor=customer, subject="Strange attachment", category=category())
    # The scan task goes to the default queue, which the suite makes its own (conftest.py); what
    # earlier tests left there is dropped, so the worker starts on this test's message.
    queue = celery_app.conf.task_default_queue
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_declare(queue)
        connection.default_channel.queue_purge(queue)
    worker_env = {
        "VIRUS_SCAN_ENABLED": "true",
        "CLAMD_URL": clamd_server.tcp_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    with running_worker(queue, **worker_env) as worker:
        created = upload(api(customer), ticket, "vpn.log", CLEAN).json()
        assert created["scan_status"] == "pending"
        assert wait_for(lambda: Attachment.objects.get(pk=created["id"]).scan_status == ScanStatus.CLEAN, worker)
    settings.CLAMD_URL = clamd_server.tcp_url
    download = api(customer).get(f"/api/v1/attachments/{created['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == CLEAN


@pytest.mark.django_db
def test_deep_health_tells_staff_whether_clamd_answers(client, agent, virus_scan, settings):
    client.force_login(agent)
    assert client.get("/health?deep=1").json()["virus_scan"] == "ok"
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"
    body = client.get("/health?deep=1").json()
    assert body["virus_scan"] == "unreachable" and "virus_scan" in body["failing"]
    assert body["status"] == "degraded"
    settings.VIRUS_SCAN_ENABLED = False
    assert "virus_scan" not in client.get("/health?deep=1").json()


@pytest.mark.django_db
def test_a_customer_attaching_to_an_internal_note_gets_not_found_before_any_scan(
    api, customer, agent, ticket, virus_scan
):
    note = services.comment_add(actor=agent, ticket=ticket, body="Between us.", is_internal=True)
    response = upload(api(customer), ticket, "x.txt", INFECTED, comment_id=note.pk)
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    assert not Attachment.objects.exists()
