"""Fixtures of the email channel's tests: a real Dovecot, a mailbox pointing at it."""

from __future__ import annotations

import shutil

import pytest

from mailboxes.models import Mailbox, Security
from mailboxes.tests import dovecot as dovecot_server
from tickets.tests.factories import category


@pytest.fixture(scope="session")
def dovecot():
    """One real Dovecot for the session on a free 127.0.0.1 port; stopped by its pid at the end."""
    root = dovecot_server.temp_root()
    try:
        server = dovecot_server.start(root)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    dovecot_server.stop_process(server.process)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot):
    """The Dovecot with an empty INBOX."""
    dovecot.empty()
    return dovecot


@pytest.fixture
def mailbox(db, team):
    """The support address, filing new tickets in the Support team (its lead opens them)."""
    return Mailbox.objects.create(
        name="Support",
        address="support@example.test",
        is_default=True,
        imap_host="",
        team=team,
        category=category(),
    )


@pytest.fixture
def imap_mailbox(mailbox, imap):
    """The support mailbox read over IMAP from the test Dovecot."""
    mailbox.imap_host, mailbox.imap_port, mailbox.imap_security = imap.host, imap.port, Security.NONE
    mailbox.imap_user, mailbox.imap_password = imap.user, imap.password
    mailbox.save()
    return mailbox
