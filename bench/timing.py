"""Timing pages through Django's own stack, in process, beside the SQL they run.

A page is requested ``runs`` times after one warm-up request; p50 and p95 are over those runs.
Its SQL is the statements the last run executed (as sent: Django binds parameters on the client),
executed again on the same connection, plainly and as prepared statements: the floor any code
on top of the database could reach.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Timing:
    name: str
    url: str
    status: int
    p50_ms: float
    p95_ms: float
    queries: int
    sql_ms: float
    prepared_ms: float
    target_ms: float | None = None

    @property
    def verdict(self) -> str:
        if self.status >= 400:
            return f"HTTP {self.status}"
        return "ok" if self.target_ms is None or self.p50_ms <= self.target_ms else "SLOW"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "verdict": self.verdict}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_page(
    client: Client,
    name: str,
    url: str,
    *,
    runs: int,
    target_ms: float | None = None,
    request: Callable[[Client, str], object] | None = None,
) -> Timing:
    """``runs`` requests of ``url`` (a GET unless ``request`` says otherwise), timed whole, body included."""
    send = request or (lambda c, u: c.get(u))
    response = send(client, url)  # the warm-up: connection, caches, plans
    spent = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send(client, url)
            _consume(response)
            spent.append((time.perf_counter() - started) * 1000)
    statements = [query["sql"] for query in captured.captured_queries if _is_read(query["sql"])]
    sql_ms, prepared_ms = time_sql(statements, runs=runs)
    return Timing(
        name=name,
        url=url,
        status=response.status_code,
        p50_ms=round(statistics.median(spent), 2),
        p95_ms=round(percentile(spent, 0.95), 2),
        queries=len(captured.captured_queries),
        sql_ms=sql_ms,
        prepared_ms=prepared_ms,
        target_ms=target_ms,
    )


def _consume(response) -> None:
    if getattr(response, "streaming", False):
        for _ in response.streaming_content:
            pass


def _is_read(sql: str) -> bool:
    # Only what can be run again without changing anything; a page's writes are timed with the page.
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH")


def time_sql(statements: list[str], *, runs: int) -> tuple[float, float]:
    """The median time of the statements run plainly, and run as prepared statements (planned once)."""
    if not statements:
        return 0.0, 0.0
    with connection.cursor() as cursor:

        def run(sqls: list[str]) -> None:
            for sql in sqls:
                cursor.execute(sql)
                cursor.fetchall()

        plain = _median_of_rounds(runs, lambda: run(statements))
        if connection.vendor != "postgresql":  # no PREPARE statement: the plain figure stands for both
            return plain, plain
        for index, sql in enumerate(statements):
            cursor.execute(f"PREPARE bench_{index} AS {sql}")
        try:
            prepared = _median_of_rounds(runs, lambda: run([f"EXECUTE bench_{i}" for i in range(len(statements))]))
        finally:
            cursor.execute("DEALLOCATE ALL")
    return plain, prepared


def _median_of_rounds(runs: int, step: Callable[[], None]) -> float:
    """Milliseconds of ``step``, median of ``runs`` after a first round that plans and fills the caches."""
    spent = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        step()
        spent.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(spent[1:]), 2)
