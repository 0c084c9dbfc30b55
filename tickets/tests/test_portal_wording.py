"""The portal in its customers' words: who is the support team, priorities, ratings, refused files, status runs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment, Comment, Ticket
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00"


def page(ticket):
    return reverse("portal:ticket", args=[ticket.pk])


def test_staff_replies_carry_a_support_team_label_and_the_customers_own_do_not(client, customer, agent):
    ticket = services.ticket_create(actor=customer, subject="VPN", category=category())
    services.comment_add(actor=customer, ticket=ticket, body="Still broken, from me")
    services.comment_add(actor=agent, ticket=ticket, body="Looking into it, from support")
    client.force_login(customer)
    html = client.get(page(ticket)).content.decode()
    mine, theirs = html.index("Still broken, from me"), html.index("Looking into it, from support")
    labels = [at for at in range(len(html)) if html.startswith("Support team", at)]
    assert len(labels) == 1, "one staff reply, one label"
    assert mine < labels[0] < theirs, "the label sits in the header of the staff reply"


def test_my_tickets_shows_priority_and_who_filed_an_organizations_ticket(client, customer, org):
    org.shares_tickets = True
    org.save()
    colleague = UserFactory(email="kim@example.com", full_name="Kim Colleague", role=Role.CUSTOMER, organization=org)
    services.ticket_create(actor=colleague, subject="Colleague's", category=category(), priority="urgent")
    services.ticket_create(actor=customer, subject="Mine", category=category(), priority="low")
    client.force_login(customer)
    html = client.get(reverse("portal:tickets")).content.decode()
    assert "Urgent" in html and "Low" in html
    assert "filed by Kim Colleague" in html
    assert html.count("filed by") == 1, "never on the customer's own tickets"


def test_the_rating_is_chosen_in_words(client, customer, agent):
    ticket = services.ticket_create(actor=customer, subject="Slow", category=category())
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    services.ticket_resolve(actor=agent, ticket=ticket)
    client.force_login(customer)
    html = client.get(page(ticket)).content.decode()
    for words in ("Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Very dissatisfied"):
        assert words in html
    assert client.post(page(ticket), {"_action": "rate", "score": "5"}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).satisfaction_rating.score == 5


@pytest.mark.parametrize("with_a_good_file", [True, False])
def test_a_refused_file_among_several_says_what_to_do_and_nothing_is_sent(client, customer, with_a_good_file):
    ticket = services.ticket_create(actor=customer, subject="Printer", category=category())
    client.force_login(customer)
    files = [SimpleUploadedFile("tool.exe", EXE, content_type="application/octet-stream")]
    if with_a_good_file:
        files.insert(0, SimpleUploadedFile("jam.png", PNG, content_type="image/png"))
    response = client.post(page(ticket), {"_action": "reply", "body": "See the files", "files": files})
    assert response.status_code == 400
    errors = response.context["reply_form"].errors["files"]
    assert "tool.exe" in errors[0]
    if with_a_good_file:
        assert "Your other files were fine, but choose them again" in errors[-1]
    else:
        assert "Send your message without this file, or choose another one" in errors[-1]
    assert not Comment.objects.filter(ticket=ticket).exists() and not Attachment.objects.exists()


def test_a_run_of_status_changes_reads_as_its_last(client, customer, agent):
    ticket = services.ticket_create(actor=customer, subject="Mail", category=category())
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)  # new -> open
    services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.IN_PROGRESS)
    services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING)
    services.comment_add(actor=agent, ticket=ticket, body="Which mail client do you use?")
    services.comment_add(actor=customer, ticket=ticket, body="Thunderbird")  # pending -> open
    client.force_login(customer)
    lines = [e["text"] for e in client.get(page(ticket)).context["entries"] if e["kind"] == "event"]
    assert lines == ["Ticket received", "Status: Waiting for your reply", "Status: Open"]
