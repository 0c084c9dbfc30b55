"""``manage.py benchmark_reports``: fill PostgreSQL with a large desk and time every report."""

from django.core.management.base import BaseCommand, CommandError

from reports import benchmark


class Command(BaseCommand):
    help = "Generate benchmark tickets on PostgreSQL (once) and time each report through the API."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tickets", type=int, default=1_000_000, help="How many benchmark tickets to hold.")
        parser.add_argument("--runs", type=int, default=5, help="Timed requests per report.")
        parser.add_argument(
            "--days", type=int, default=30, help="The reports' date range, ending today (the API's default: 30)."
        )

    def handle(self, *args, tickets: int, runs: int, days: int, **options) -> None:
        try:
            added = benchmark.generate(tickets)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"benchmark tickets: {tickets:,} ({added:,} added now)")
        failed = False
        for timing in benchmark.time_reports(runs=runs, days=days):
            self.stdout.write(
                f"{timing.verdict:8} median {timing.median_ms:8.1f} ms  best {timing.best_ms:8.1f} ms  "
                f"{timing.queries:3} queries  {timing.url}"
            )
            failed |= timing.verdict not in ("ok",)
        self.stdout.write(f"target: every report under {benchmark.TARGET_MS} ms")
        if failed:
            raise CommandError("Some reports are missing, failing or slower than the target.")
