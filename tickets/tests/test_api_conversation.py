"""Comments, attachments and history through the API; internal notes never reach a customer."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import services
from tickets.models import Attachment, Comment, Ticket
from tickets.tests.factories import category

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def ticket(customer, agent):
    ticket = services.ticket_create(actor=customer, subject="Laptop will not boot", category=category())
    services.comment_add(actor=customer, ticket=ticket, body="It beeps three times.")
    note = services.comment_add(actor=agent, ticket=ticket, body="Probably the RAM; order a spare.", is_internal=True)
    services.attachment_add(actor=agent, ticket=ticket, comment=note, upload=SimpleUploadedFile("quote.pdf", PDF))
    services.comment_add(actor=agent, ticket=ticket, body="We are sending a replacement.")
    return ticket


def everything(client, ticket):
    """Every response a client can get about the ticket, as one string."""
    paths = ["", "/comments", "/history", "/attachments"]
    bodies = [client.get(f"/api/v1/tickets/{ticket.pk}{path}").content.decode() for path in paths]
    bodies.append(client.get("/api/v1/tickets").content.decode())
    return "\n".join(bodies)


@pytest.mark.django_db
class TestInternalNotes:
    def test_customer_never_sees_internal_notes_events_or_their_files(self, api, customer, ticket):
        client = api(customer)
        comments = client.get(f"/api/v1/tickets/{ticket.pk}/comments").json()["results"]
        assert [c["body"] for c in comments] == ["It beeps three times.", "We are sending a replacement."]
        text = everything(client, ticket)
        assert "RAM" not in text
        assert "quote.pdf" not in text
        history = client.get(f"/api/v1/tickets/{ticket.pk}/history").json()["results"]
        assert [e["kind"] for e in history] == ["created", "comment_added", "comment_added"]
        note = Comment.objects.get(is_internal=True)
        assert client.get(f"/api/v1/comments/{note.pk}").status_code == 404
        assert client.get(f"/api/v1/attachments/{note.attachments.get().pk}").status_code == 404

    def test_staff_see_the_whole_conversation(self, api, agent, ticket):
        client = api(agent)
        comments = client.get(f"/api/v1/tickets/{ticket.pk}/comments").json()["results"]
        assert [c["is_internal"] for c in comments] == [False, True, False]
        assert comments[1]["attachments"][0]["filename"] == "quote.pdf"
        kinds = [e["kind"] for e in client.get(f"/api/v1/tickets/{ticket.pk}/history").json()["results"]]
        assert kinds == ["created", "comment_added", "comment_added", "attachment_added", "comment_added"]

    def test_customer_may_not_post_an_internal_note(self, api, customer, ticket):
        response = api(customer).post(
            f"/api/v1/tickets/{ticket.pk}/comments", {"body": "x", "is_internal": True}, format="json"
        )
        assert response.status_code == 403
        assert Comment.objects.filter(ticket=ticket).count() == 3

    def test_seed_comment_type_internal_makes_a_note(self, api, agent, ticket):
        response = api(agent).post(
            f"/api/v1/tickets/{ticket.pk}/comments",
            {"content": "For the team", "comment_type": "INTERNAL"},
            format="json",
        )
        assert response.json()["is_internal"] is True

    def test_empty_comment_is_refused(self, api, customer, ticket):
        response = api(customer).post(f"/api/v1/tickets/{ticket.pk}/comments", {"body": "  "}, format="json")
        assert response.status_code == 400
        assert "body" in response.json()["errors"]


@pytest.mark.django_db
class TestAttachments:
    def upload(self, client, ticket, name, content):
        return client.post(
            f"/api/v1/tickets/{ticket.pk}/attachments", {"file": SimpleUploadedFile(name, content)}, format="multipart"
        )

    def test_upload_then_download_the_same_bytes(self, api, customer, ticket):
        client = api(customer)
        created = self.upload(client, ticket, "report final.pdf", PDF)
        assert created.status_code == 201, created.json()
        body = created.json()
        assert (body["filename"], body["content_type"], body["size"]) == (
            "report_final.pdf",
            "application/pdf",
            len(PDF),
        )
        assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
        download = client.get(f"/api/v1/attachments/{body['id']}")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"] == 'attachment; filename="report_final.pdf"'
        assert download["X-Content-Type-Options"] == "nosniff"

    def test_content_that_does_not_match_is_refused_with_415(self, api, customer, ticket):
        response = self.upload(api(customer), ticket, "invoice.pdf", b"MZ\x90\x00 this is an exe")
        assert response.status_code == 415
        assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
        assert not Attachment.objects.filter(filename="invoice.pdf").exists()

    def test_too_large_is_refused_with_413_and_nothing_stored(self, api, customer, ticket, settings):
        settings.ATTACHMENT_MAX_BYTES = 100
        before = Attachment.objects.count()
        response = self.upload(api(customer), ticket, "big.txt", b"x" * 101)
        assert response.status_code == 413
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
        assert Attachment.objects.count() == before

    def test_declared_size_far_over_the_limit_is_refused_before_reading(self, api, customer, ticket, settings):
        settings.ATTACHMENT_MAX_BYTES = 100
        response = api(customer).generic(
            "POST",
            f"/api/v1/tickets/{ticket.pk}/attachments",
            b"",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(10 * 1024 * 1024),
        )
        assert response.status_code == 413

    def test_missing_file_field(self, api, customer, ticket):
        response = api(customer).post(f"/api/v1/tickets/{ticket.pk}/attachments", {"other": "x"}, format="multipart")
        assert response.status_code == 400
        assert "file" in response.json()["errors"]

    def test_uploader_deletes_and_file_is_gone(self, api, customer, ticket, django_capture_on_commit_callbacks):
        client = api(customer)
        created = self.upload(client, ticket, "notes.txt", b"hello\n").json()
        stored = Attachment.objects.get(pk=created["id"]).file
        with django_capture_on_commit_callbacks(execute=True):
            assert client.delete(f"/api/v1/attachments/{created['id']}").status_code == 204
        assert not stored.storage.exists(stored.name)
        assert client.get(f"/api/v1/attachments/{created['id']}").status_code == 404


@pytest.mark.django_db
def test_comment_edit_keeps_old_text_in_history(api, customer, agent, ticket):
    comment = Comment.objects.filter(author=customer).get()
    response = api(customer).patch(f"/api/v1/comments/{comment.pk}", {"content": "It beeps four times."}, format="json")
    assert response.status_code == 200
    assert response.json()["edited_at"] is not None
    edits = [
        e
        for e in api(agent).get(f"/api/v1/tickets/{ticket.pk}/history").json()["results"]
        if e["kind"] == "comment_edited"
    ]
    assert [(e["old_value"], e["new_value"]) for e in edits] == [("It beeps three times.", "It beeps four times.")]
    assert json.loads(json.dumps(edits[0]["metadata"])) == {"comment_id": comment.pk}


@pytest.mark.django_db
class TestRequesterReplyMovesTheTicket:
    def test_reply_on_a_resolved_ticket_reopens_it(self, api, customer, agent):
        ticket = services.ticket_create(actor=customer, subject="Mail bounces", category=category())
        services.ticket_transition(actor=agent, ticket=ticket, to_status="open")
        services.ticket_resolve(actor=agent, ticket=ticket)

        response = api(customer).post(f"/api/v1/tickets/{ticket.pk}/comments", {"body": "Still bouncing."})

        assert response.status_code == 201
        assert response.json()["ticket"] == ticket.pk
        assert api(customer).get(f"/api/v1/tickets/{ticket.pk}").json()["status"] == "reopened"

    def test_reply_long_after_closing_answers_with_the_comment_on_a_linked_follow_up(
        self, api, customer, agent, settings
    ):
        ticket = services.ticket_create(actor=customer, subject="Mail bounces", category=category())
        services.ticket_close(actor=agent, ticket=ticket)
        closed_at = Ticket.objects.get(pk=ticket.pk).closed_at
        Ticket.objects.filter(pk=ticket.pk).update(
            closed_at=closed_at - timedelta(days=settings.REOPEN_WINDOW_DAYS + 1)
        )

        response = api(customer).post(f"/api/v1/tickets/{ticket.pk}/comments", {"body": "It is back."})

        assert response.status_code == 201
        follow_up = response.json()["ticket"]
        assert follow_up != ticket.pk
        detail = api(customer).get(f"/api/v1/tickets/{follow_up}").json()
        assert (detail["follow_up_of"], detail["subject"], detail["status"]) == (ticket.pk, "Mail bounces", "new")
        assert api(customer).get(f"/api/v1/tickets/{ticket.pk}").json()["status"] == "closed"
