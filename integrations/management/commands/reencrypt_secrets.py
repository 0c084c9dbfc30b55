"""``manage.py reencrypt_secrets``: seal every connection's secrets under the first encryption key.

Key rotation: put the new key first in ``INTEGRATIONS_ENCRYPTION_KEY`` (``new,old``), run this,
then drop the old key. Secrets are never printed.
"""

from django.core.management.base import BaseCommand

from integrations.services import connections_reencrypt


class Command(BaseCommand):
    help = "Encrypt every connection's secrets again under the first INTEGRATIONS_ENCRYPTION_KEY."

    def handle(self, *args, **options) -> None:
        count = connections_reencrypt()
        self.stdout.write(f"Re-encrypted the secrets of {count} connection(s) under the first key.")
