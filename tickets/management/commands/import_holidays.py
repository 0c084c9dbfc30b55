from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.errors import ValidationFailed
from tickets.models import BusinessCalendar
from tickets.services.calendars import calendar_import_ics


class Command(BaseCommand):
    help = "Add the events of an iCalendar (.ics) file as holidays of a business calendar."

    def add_arguments(self, parser):
        parser.add_argument("calendar", help="The business calendar's name.")
        parser.add_argument("file", type=Path, help="The .ics file.")

    def handle(self, *args, **options):
        calendar = BusinessCalendar.objects.filter(name=options["calendar"]).first()
        if calendar is None:
            raise CommandError(f"No business calendar is named {options['calendar']!r}.")
        try:
            added = calendar_import_ics(calendar=calendar, data=options["file"].read_bytes())
        except (OSError, ValidationFailed) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{added} holidays added to {calendar.name}.")
