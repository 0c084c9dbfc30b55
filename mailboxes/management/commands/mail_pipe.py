"""``manage.py mail_pipe --mailbox ADDRESS < message.eml``: one message from an MTA's pipe.

Exit status as sendmail's pipes expect (sysexits): 0 received (whatever the outcome, which
the console's message log shows), 67 no such mailbox, 75 a temporary failure (the MTA
keeps the message and tries again; a repeat is harmless).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from mailboxes.gateway import mailbox_for, max_message_bytes
from mailboxes.services import message_receive

EX_NOUSER = 67
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Receive one message from standard input (or --file) for a mailbox."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--mailbox", required=True, help="The mailbox's address (a +tag is allowed).")
        parser.add_argument("--file", help="Read the message from this file instead of standard input.")

    def handle(self, *args, mailbox: str, file: str | None = None, **options) -> None:
        found = mailbox_for(mailbox)
        if found is None:
            self.stderr.write(f"No active mailbox {mailbox!r}.")
            sys.exit(EX_NOUSER)
        if file:
            with open(file, "rb") as stream:
                raw = stream.read(max_message_bytes() + 1)
        else:
            raw = sys.stdin.buffer.read(max_message_bytes() + 1)
        if len(raw) > max_message_bytes():
            self.stderr.write("The message is larger than this helpdesk takes.")
            sys.exit(EX_DATAERR)
        try:
            record = message_receive(mailbox=found, raw=raw)
        except Exception as exc:  # noqa: BLE001 - the database is away: the MTA retries later
            self.stderr.write(f"Could not record the message ({type(exc).__name__}); try again later.")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{record.message_id}: {record.get_outcome_display()}")
