"""Mail handed over directly: the SMTP/LMTP gateway and the pipe command."""

import smtplib

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from faults.procs import free_port
from mailboxes.gateway import GatewayHandler
from mailboxes.management.commands.mail_gateway import _LMTPController
from mailboxes.models import InboundMessage, Outcome
from mailboxes.tests.mail import message
from mailboxes.threads import reply_address
from tickets.models import Comment, Ticket


@pytest.fixture
def gateway(mailbox):
    controller = Controller(GatewayHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_the_gateway_turns_smtp_mail_into_a_ticket_and_refuses_other_recipients(gateway):
    with smtplib.SMTP(gateway.hostname, gateway.port, timeout=10) as smtp:
        smtp.sendmail("ana@example.com", ["support@example.test"], message(subject="By SMTP"))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("ana@example.com", ["someone@elsewhere.example"], message(subject="Relay me"))
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.requester.email) == ("By SMTP", "ana@example.com")
    assert InboundMessage.objects.get().outcome == Outcome.TICKET_CREATED


@pytest.mark.django_db(transaction=True)
def test_the_lmtp_gateway_takes_a_reply_address(mailbox):
    controller = _LMTPController(GatewayHandler(lmtp=True), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtplib.LMTP(controller.hostname, controller.port, timeout=10) as lmtp:
            lmtp.sendmail("ana@example.com", ["support@example.test"], message(subject="By LMTP"))
            ticket = Ticket.objects.get()
            to = reply_address(mailbox.address, ticket)
            lmtp.sendmail("ana@example.com", [to], message(to=to, subject="no number", body="Follow-up."))
    finally:
        controller.stop()
    assert Comment.objects.get(ticket=ticket).body == "Follow-up."


@pytest.mark.django_db
def test_the_pipe_command_receives_one_message(mailbox, tmp_path, capsys):
    path = tmp_path / "message.eml"
    path.write_bytes(message(subject="Piped", message_id="<piped@example.com>"))
    call_command("mail_pipe", mailbox="support@example.test", file=str(path))
    assert Ticket.objects.get().subject == "Piped"
    assert "<piped@example.com>: Ticket created" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_pipe_command_refuses_an_unknown_mailbox(mailbox, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(message())
    with pytest.raises(SystemExit) as exited:
        call_command("mail_pipe", mailbox="nobody@example.test", file=str(path))
    assert exited.value.code == 67
    assert Ticket.objects.count() == 0
