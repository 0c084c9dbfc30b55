"""Fixtures of the email channel's tests: a real Dovecot, a mailbox pointing at it."""

from __future__ import annotations

import shutil

import pytest

from mailboxes.tests import dovecot as dovecot_server


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
