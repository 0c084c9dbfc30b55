"""The console's mailbox pages: admins only, the password write-only, test and poll actions, the message log."""

import pytest
from django.urls import reverse

from mailboxes.models import Mailbox, Outcome
from mailboxes.services import message_receive
from mailboxes.tests.mail import message

pytestmark = pytest.mark.django_db


def form(mailbox_fields):
    data = {
        "name": "Support",
        "address": "help@example.test",
        "is_active": "on",
        "imap_host": "",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "",
        "imap_password": "",
        "imap_folder": "INBOX",
        "after_processing": "flag",
        "processed_folder": "Processed",
        "priority": "medium",
    }
    return {**data, **mailbox_fields}


def test_an_admin_adds_a_mailbox_and_the_password_is_never_shown(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:mailboxes_mailbox_add"), form({"imap_password": "s3cret-imap"}))
    assert response.status_code == 302
    mailbox = Mailbox.objects.get(address="help@example.test")
    assert mailbox.imap_password == "s3cret-imap"

    page = client.get(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "s3cret-imap" not in page
    assert "Set. Leave blank to keep it." in page

    # Saving with the box left blank keeps the password; "clear" empties it.
    client.post(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]), form({"name": "Help"}))
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.imap_password) == ("Help", "s3cret-imap")
    client.post(reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk]), form({"clear_imap_password": "on"}))
    mailbox.refresh_from_db()
    assert mailbox.imap_password == ""


def test_agents_cannot_open_the_mailbox_pages(client, agent, mailbox):
    client.force_login(agent)
    assert client.get(reverse("admin:mailboxes_mailbox_changelist")).status_code == 403
    assert client.get(reverse("admin:mailboxes_inboundmessage_changelist")).status_code == 403


def test_the_test_connection_action_reports_success_and_failure(client, admin_user, imap_mailbox, imap):
    client.force_login(admin_user)
    url = reverse("admin:mailboxes_mailbox_changelist")
    page = client.post(url, {"action": "test_connection", "_selected_action": [imap_mailbox.pk]}, follow=True)
    assert "Connected to 127.0.0.1: 0 message(s) in INBOX." in page.content.decode()

    imap_mailbox.imap_password = "not-the-password"
    imap_mailbox.save()
    page = client.post(url, {"action": "test_connection", "_selected_action": [imap_mailbox.pk]}, follow=True)
    text = page.content.decode()
    assert "Mailbox support@example.test: IMAP error: [AUTHENTICATIONFAILED] Authentication failed." in text
    assert "not-the-password" not in text


def test_read_new_mail_now_polls_and_the_log_filters_by_outcome(client, admin_user, imap_mailbox, imap):
    imap.append(message(subject="From the console"))
    imap.append(message(subject="Away", headers={"Auto-Submitted": "auto-replied"}))
    client.force_login(admin_user)
    url = reverse("admin:mailboxes_mailbox_changelist")
    page = client.post(url, {"action": "poll_now", "_selected_action": [imap_mailbox.pk]}, follow=True)
    assert "Mailbox support@example.test: 2 message(s) read." in page.content.decode()

    log = reverse("admin:mailboxes_inboundmessage_changelist")
    listed = client.get(log, {"outcome__exact": Outcome.AUTO_REPLY}).content.decode()
    assert "Away" in listed and "From the console" not in listed
    assert "Auto-Submitted: auto-replied" in listed


def test_the_message_log_is_read_only(client, admin_user, mailbox):
    record = message_receive(mailbox=mailbox, raw=message())
    client.force_login(admin_user)
    page = client.get(reverse("admin:mailboxes_inboundmessage_change", args=[record.pk])).content.decode()
    assert record.message_id.strip("<>") in page
    assert 'name="_save"' not in page
    assert client.get(reverse("admin:mailboxes_inboundmessage_add")).status_code == 403
