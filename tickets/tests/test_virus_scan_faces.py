"""Virus scanning in the portal (customers and guests) and the agent console, against a real clamd."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpdesk.tests.redis_server import free_port
from tickets import services
from tickets.models import Attachment, Comment, Ticket
from tickets.services import scanning
from tickets.tests.clamd_server import EICAR, FOUND
from tickets.tests.factories import category
from tickets.tests.test_portal_guest import emailed_link, submit

CLEAN = b"Screenshot notes: the dialog says 'no route'.\n"
INFECTED = b"Open this:\n" + EICAR + b"\n"

pytestmark = pytest.mark.django_db


def txt(name, content):
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops every hour", category=category(), team=team
    )


class TestPortal:
    def test_a_new_ticket_with_an_infected_file_is_refused_with_a_form_error(self, client, customer, virus_scan):
        client.force_login(customer)
        response = client.post(
            reverse("portal:ticket-new"),
            {
                "subject": "Printer jams",
                "description": "Log attached.",
                "category": category().pk,
                "priority": "low",
                "files": [txt("notes.txt", CLEAN), txt("printer.log", INFECTED)],
            },
        )
        assert response.status_code == 400
        errors = response.context["form"].errors["files"]
        assert errors == [
            f"printer.log contains a virus ({FOUND}); it was not accepted.",
            "Nothing was sent. Your other files were fine, but choose them again with your message.",
        ]
        assert "contains a virus" in response.content.decode()
        assert not Ticket.objects.exists() and not Attachment.objects.exists()

    def test_a_reply_with_an_infected_file_is_refused_and_a_clean_one_is_served(
        self, client, customer, ticket, virus_scan
    ):
        client.force_login(customer)
        page = reverse("portal:ticket", args=[ticket.pk])
        refused = client.post(page, {"_action": "reply", "body": "See log.", "files": txt("a.log", INFECTED)})
        assert refused.status_code == 400
        assert FOUND in refused.context["reply_form"].errors["files"][0]
        assert not Comment.objects.exists()
        sent = client.post(page, {"_action": "reply", "body": "See notes.", "files": txt("notes.txt", CLEAN)})
        assert sent.status_code == 302
        file = Attachment.objects.get()
        assert file.scan_status == "clean"
        download = client.get(reverse("portal:attachment", args=[ticket.pk, file.pk]))
        assert download.status_code == 200 and b"".join(download.streaming_content) == CLEAN

    def test_a_pending_file_shows_without_a_link_and_its_url_explains(self, client, customer, ticket, clamd_down):
        client.force_login(customer)
        page = reverse("portal:ticket", args=[ticket.pk])
        client.post(page, {"_action": "reply", "body": "See notes.", "files": txt("notes.txt", CLEAN)})
        file = Attachment.objects.get()
        assert file.scan_status == "pending"
        html = client.get(page).content.decode()
        url = reverse("portal:attachment", args=[ticket.pk, file.pk])
        assert url not in html
        assert "notes.txt" in html and "Waiting for the virus scan" in html
        refused = client.get(url)
        assert refused.status_code == 409
        assert "waiting for its virus scan" in refused.content.decode()
        assert page in refused.content.decode()

    def test_a_guest_is_refused_an_infected_file_and_waits_for_a_pending_one(self, client, virus_scan, settings):
        response = submit(client, files=txt("wifi.log", INFECTED))
        assert response.status_code == 400
        assert FOUND in response.context["form"].errors["files"][0]
        assert not Ticket.objects.exists()

        settings.VIRUS_SCAN_ENABLED = False
        submit(client)
        ticket = Ticket.objects.get()
        link = emailed_link(ticket)
        settings.VIRUS_SCAN_ENABLED = True
        settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"  # clamd away
        client.post(link, {"_action": "reply", "body": "Log.", "files": txt("wifi.log", CLEAN)})
        file = Attachment.objects.get()
        assert client.get(f"{link}files/{file.pk}/").status_code == 409
        settings.CLAMD_URL = virus_scan.tcp_url
        assert scanning.attachment_scan(attachment_id=file.pk) == "clean"
        download = client.get(f"{link}files/{file.pk}/")
        assert download.status_code == 200 and b"".join(download.streaming_content) == CLEAN


class TestConsole:
    def seen(self, client, ticket):
        initial = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).context["fields_form"].initial
        return {"version": initial["version"], "last_event": initial["last_event"]}

    def test_a_reply_with_an_infected_file_is_refused_and_nothing_is_sent(self, client, agent, ticket, virus_scan):
        client.force_login(agent)
        data = {
            **self.seen(client, ticket),
            "body": "Here is the fix.",
            "files": [txt("fix.txt", CLEAN), txt("tool.txt", INFECTED)],
            "_action": "reply",
        }
        response = client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), data)
        assert response.status_code == 200
        assert response.context["reply_form"].errors["files"] == [
            f"tool.txt contains a virus ({FOUND}); it was not accepted."
        ]
        assert not ticket.comments.exists() and not ticket.attachments.exists()
        assert response.context["reply_form"]["body"].value() == "Here is the fix."

    def test_files_show_their_scan_and_link_only_when_clean(
        self, client, agent, customer, ticket, clamd_down, settings, request, django_capture_on_commit_callbacks
    ):
        services.attachment_add(actor=customer, ticket=ticket, upload=txt("held.txt", CLEAN))
        bad = services.attachment_add(actor=customer, ticket=ticket, upload=txt("bad.txt", INFECTED))
        client.force_login(agent)
        page = reverse("admin:tickets_ticket_change", args=[ticket.pk])
        html = client.get(page).content.decode()
        assert not re.search(r"<a [^>]*>(held|bad)\.txt</a>", html)
        assert html.count("Waiting for the virus scan") == 2
        settings.CLAMD_URL = request.getfixturevalue("clamd_server").tcp_url
        with django_capture_on_commit_callbacks(execute=True):
            scanning.attachment_scan_sweep()
        html = client.get(page).content.decode()
        href = re.search(r'<a href="([^"]+)">held.txt</a>', html).group(1)
        assert client.get(href).status_code == 200
        assert "Virus found; file deleted" in html
        assert f"Deleted bad.txt: the virus scanner found {FOUND}" in html
        assert client.get(reverse("api:attachment-detail", args=[bad.pk])).json()["code"] == "FILE_REMOVED"

    def test_the_records_list_shows_and_filters_the_scan(self, client, admin_user, customer, ticket, clamd_down):
        services.attachment_add(actor=customer, ticket=ticket, upload=txt("held.txt", CLEAN))
        client.force_login(admin_user)
        response = client.get(reverse("admin:tickets_attachment_changelist"), {"scan_status__exact": "pending"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "held.txt" in html and "Waiting for the virus scan" in html
