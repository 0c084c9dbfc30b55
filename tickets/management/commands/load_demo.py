from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tickets.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data (users for every role, teams, organizations, ~50 tickets). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even when DEBUG is off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("The demo has well-known passwords: run it with DEBUG=true, or pass --force.")
        result = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({result['tickets_created']} tickets added)."))
        self.stdout.write("Log in with:")
        for user in result["users"]:
            self.stdout.write(f"  {user.role.label:<10} {user.email:<24} {user.password}")
