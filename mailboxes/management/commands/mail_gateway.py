"""``manage.py mail_gateway``: receive mail by SMTP (or LMTP with ``--lmtp``) for the mailboxes."""

from __future__ import annotations

import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.core.management.base import BaseCommand

from mailboxes.gateway import GatewayHandler, max_message_bytes


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


class Command(BaseCommand):
    help = "Receive mail for the mailboxes over SMTP or LMTP and turn it into tickets and replies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on (default 2525).")
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP (Postfix lmtp: transport) not SMTP.")

    def handle(self, *args, host: str, port: int, lmtp: bool, **options) -> None:
        kind = _LMTPController if lmtp else Controller
        controller = kind(GatewayHandler(lmtp=lmtp), hostname=host, port=port, data_size_limit=max_message_bytes())
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        controller.start()
        self.stdout.write(f"Mail gateway ({'LMTP' if lmtp else 'SMTP'}) listening on {host}:{port}")
        try:
            stop.wait()
        finally:
            controller.stop()
