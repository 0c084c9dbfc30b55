from django.core.management.base import BaseCommand

from tickets.services import sla_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now: record clocks at risk or breached (each once) and notify."

    def handle(self, *args, **options):
        counts = sla_sweep()
        self.stdout.write(f"SLA sweep: {counts['at_risk']} newly at risk, {counts['breached']} newly breached.")
