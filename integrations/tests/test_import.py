"""manage.py import_zendesk / import_zoho: history with progress, resumed after a stop without duplicates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.models import RemoteLink, SyncState
from integrations.tests import sync_support
from integrations.tests.sync_support import zendesk_connection, zoho_connection
from tickets.models import Comment, Notification, Ticket

pytestmark = pytest.mark.django_db
zendesk, zoho = sync_support.zendesk, sync_support.zoho


def run(command, connection, **options):
    out, err = StringIO(), StringIO()
    call_command(command, connection=connection.pk, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_zendesk_stops_and_resumes_without_duplicates(zendesk):
    connection = zendesk_connection(zendesk)
    for n in range(5):
        ticket = zendesk.create_ticket(f"Old ticket {n}", "Body", requester_email=f"c{n}@example.com")
        zendesk.add_comment(ticket["id"], f"Answer {n}", public=True)

    out, err = run("import_zendesk", connection, batch=2, max_pages=1)
    assert "More remains" in out and "\rpage 1: 2 tickets" in err
    assert Ticket.objects.count() == 2
    assert SyncState.objects.get(connection=connection, kind="import_tickets").cursor

    out, _ = run("import_zendesk", connection, batch=2)
    assert "Done" in out
    assert Ticket.objects.filter(channel="zendesk").count() == 5
    assert RemoteLink.objects.filter(connection=connection).count() == 5
    assert Comment.objects.count() == 5

    run("import_zendesk", connection, batch=2)  # again: nothing twice
    assert Ticket.objects.count() == 5 and Comment.objects.count() == 5
    # History is not news: nobody, customer or staff, is notified of an imported ticket or reply.
    assert not Notification.objects.exists()


def test_import_zoho_resumes_from_the_watermark(zoho):
    connection = zoho_connection(zoho)
    for n in range(4):
        zoho.create_ticket(f"Old ticket {n}", contact_email=f"c{n}@example.com", description="Body")

    out, _ = run("import_zoho", connection, batch=2, max_pages=1, since="2020-01-01")
    assert Ticket.objects.count() == 2 and "More remains" in out
    assert SyncState.objects.get(connection=connection, kind="import_tickets").watermark is not None

    out, _ = run("import_zoho", connection, batch=2)
    assert "Done" in out
    assert Ticket.objects.filter(channel="zoho").count() == 4
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [f"Old ticket {n}" for n in range(4)]


def test_import_refuses_the_wrong_provider_and_bad_dates(zendesk):
    connection = zendesk_connection(zendesk)
    with pytest.raises(CommandError, match="no zoho connection"):
        run("import_zoho", connection)
    with pytest.raises(CommandError, match="not a date"):
        run("import_zendesk", connection, since="yesterday")
