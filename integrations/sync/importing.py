"""The import commands' shared run: history pulled page by page through the pull code, with progress.

Resumable: the position lives in the connection's ``SyncState`` (kind ``import_tickets``), saved
after every page, so a run killed half-way continues where it stopped; tickets already linked are
recognised by their ``RemoteLink`` and not imported twice.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time
from typing import IO

from django.core.management.base import CommandError, CommandParser, OutputWrapper
from django.utils.dateparse import parse_date, parse_datetime

from integrations.errors import IntegrationError
from integrations.models import Connection
from integrations.sync.pull import IMPORT_KIND, PullResult, pull_changes

# Without --since an import starts at the beginning of the desk's history.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--connection", type=int, required=True, help="The connection's id.")
    parser.add_argument("--since", help="Start here (YYYY-MM-DD or ISO time) when nothing is stored yet.")
    parser.add_argument("--batch", type=int, default=100, help="Tickets per page (1-100).")
    parser.add_argument("--max-pages", type=int, default=None, help="Stop after this many pages (resume later).")


def _since(value: str | None) -> datetime:
    if not value:
        return BEGINNING
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise CommandError(f"--since {value!r} is not a date (YYYY-MM-DD) or an ISO time.")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Progress:
    """tqdm when installed, else one line on stderr rewritten in place."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        try:
            from tqdm import tqdm  # type: ignore[import-untyped]
        except ImportError:
            self.bar = None
        else:
            self.bar = tqdm(unit=" tickets", file=stream)
        self.shown = 0

    def __call__(self, result: PullResult) -> None:
        text = f"{result.created} new, {result.updated} updated, {result.skipped} known, {result.comments} comments"
        if self.bar is not None:
            self.bar.update(result.seen - self.shown)
            self.bar.set_postfix_str(text)
        else:
            self._write(f"\rpage {result.pages}: {result.seen} tickets ({text})")
        self.shown = result.seen

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            self._write("\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")  # no newline: the line is rewritten in place
        else:
            self.stream.write(text)
        self.stream.flush()


def run_import(provider: str, options: dict, stdout: IO[str], stderr: IO[str] | None = None) -> PullResult:
    connection = Connection.objects.filter(pk=options["connection"]).first()
    if connection is None or connection.provider != provider:
        raise CommandError(f"There is no {provider} connection {options['connection']}.")
    batch = options["batch"]
    if not 1 <= batch <= 100:
        raise CommandError("--batch must be between 1 and 100.")
    progress = Progress(stderr or sys.stderr)
    try:
        result = pull_changes(
            connection,
            kind=IMPORT_KIND,
            since=_since(options.get("since")),
            batch=batch,
            max_pages=options.get("max_pages"),
            on_page=progress,
        )
    except IntegrationError as exc:
        raise CommandError(f"The import stopped: {exc.message} Run the command again to continue.") from None
    finally:
        progress.close()
    if result is None:
        raise CommandError("Another import of this connection is running.")
    stdout.write(
        f"{result.seen} tickets in {result.pages} pages: {result.created} imported, {result.updated} updated, "
        f"{result.skipped} already here; {result.comments} comments.\n"
    )
    stdout.write("Done: the import is up to date.\n" if result.done else "More remains: run the command again.\n")
    return result
