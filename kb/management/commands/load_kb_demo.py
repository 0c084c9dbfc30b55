from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.demo import load_kb_demo


class Command(BaseCommand):
    help = "Load the demo knowledge base (after load_demo: its manager writes the articles). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even when DEBUG is off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development: run it with DEBUG=true, or pass --force.")
        added = load_kb_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo knowledge base ready ({added} articles added)."))
