"""``manage.py run_fake zendesk|zoho --port N``: a fake desk on 127.0.0.1, to show a sync by hand.

The fake is the one the tests use (``fakes/zendesk``, ``fakes/zoho``):
real HTTP, state in memory, gone when the command stops. It starts with demo credentials
and a few tickets, and prints what a connection in the admin needs to talk to it (the
base URL override and the credentials). These credentials open nothing but this fake.
"""

from __future__ import annotations

import threading

from django.core.management.base import BaseCommand, CommandParser

from fakes.zendesk import FakeZendesk
from fakes.zoho import FakeZoho

DEMO_CLIENT_ID = "helpdesk-demo"
DEMO_CLIENT_SECRET = "demo-client-secret"  # noqa: S105 - the fake's own, opens nothing real
DEMO_EMAIL = "admin@acme.example.com"
DEMO_API_TOKEN = "demo-api-token"  # noqa: S105
DEMO_TICKETS = [
    ("VPN drops every hour", "Since Monday the VPN disconnects on the hour.", "high"),
    ("Invoice PDF is blank", "The November invoice downloads as an empty page.", "normal"),
    ("New laptop for Sam", "Sam starts on the 1st and needs a laptop.", "low"),
]


class Command(BaseCommand):
    help = "Serve a fake Zendesk or Zoho Desk on 127.0.0.1 until interrupted (Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provider", choices=["zendesk", "zoho"])
        parser.add_argument("--port", type=int, default=0, help="Port on 127.0.0.1 (default: any free one).")
        parser.add_argument(
            "--redirect-uri",
            default="http://127.0.0.1:8000/api/v1/integrations/zendesk/oauth/callback",
            help="Zendesk OAuth redirect URI the demo client may use.",
        )

    def handle(self, *args, provider: str, port: int, redirect_uri: str, **options) -> None:
        fake = self._zendesk(port, redirect_uri) if provider == "zendesk" else self._zoho(port)
        self.stdout.write("Stop with Ctrl-C.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()

    def _zendesk(self, port: int, redirect_uri: str) -> FakeZendesk:
        fake = FakeZendesk(subdomain="acme", port=port).start()
        fake.add_oauth_client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, redirect_uri)
        fake.add_api_token(DEMO_EMAIL, DEMO_API_TOKEN)
        for subject, body, priority in DEMO_TICKETS:
            fake.create_ticket(subject, body, requester_email="customer@example.com", priority=priority)
        self.stdout.write(f"Fake Zendesk (subdomain acme) at {fake.base_url}")
        self.stdout.write(f"  base URL override: {fake.base_url}")
        self.stdout.write(f"  OAuth client: {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} (redirect {redirect_uri})")
        self.stdout.write(f"  API token: {DEMO_EMAIL} / {DEMO_API_TOKEN}")
        self.stdout.write(f"  webhook signing secret: {fake.webhook_secret}")
        return fake

    def _zoho(self, port: int) -> FakeZoho:
        fake = FakeZoho(port=port).start()
        fake.add_client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        refresh_token = fake.add_refresh_token(DEMO_CLIENT_ID)
        for subject, body, _ in DEMO_TICKETS:
            fake.create_ticket(subject, contact_email="customer@example.com", description=body)
        self.stdout.write(f"Fake Zoho Desk at {fake.base_url} (accounts and desk on the same port)")
        self.stdout.write(f"  base URL override: {fake.base_url}")
        self.stdout.write(f"  orgId: {fake.org_id}  departmentId: {fake.department_id}")
        self.stdout.write(f"  OAuth client: {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET}")
        self.stdout.write(f"  refresh token: {refresh_token}")
        return fake
