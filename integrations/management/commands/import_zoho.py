"""``manage.py import_zoho --connection ID [--since DATE] [--batch N] [--max-pages N]``: bring in the desk's history.

Resumable: run it again after a stop and it continues from the stored position, without duplicates.
"""

from django.core.management.base import BaseCommand, CommandParser

from integrations.models import Provider
from integrations.sync import importing


class Command(BaseCommand):
    help = "Import the tickets and comments of a Zoho Desk connection's desk, resuming where a previous run stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        importing.add_arguments(parser)

    def handle(self, *args, **options) -> None:
        importing.run_import(Provider.ZOHO, options, self.stdout, self.stderr)
