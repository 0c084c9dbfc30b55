"""One fault run's services and product, set up once and torn down by pid whatever happens."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from faults import procs
from faults.product import Product
from faults.services import Postgres, Redis, SmtpSink


@dataclass
class Stack:
    folder: Path
    postgres: Postgres
    redis: Redis
    smtp: SmtpSink
    product: Product

    def run(self, scenario: Callable[..., Result], **options: object) -> Result:
        """Run one scenario on these services; the product's processes stop afterwards, whatever happens."""
        try:
            return scenario(self, **options)
        finally:
            self.product.stop()
            if not self.redis.ping():
                self.redis.start()


@contextmanager
def stack(keep: bool = False) -> Iterator[Stack]:
    """PostgreSQL, Redis and an SMTP sink of the run's own, and a migrated product on them."""
    folder = Path(tempfile.mkdtemp(prefix="helpdesk-fault-"))
    folder.chmod(0o755)  # PostgreSQL runs as its own user when we are root, and must reach its folder
    postgres = Postgres(folder / "postgres")
    redis = Redis(folder / "redis")
    smtp = SmtpSink()
    try:
        postgres.start()
        redis.start()
        smtp.start()
        product = Product(folder / "product", postgres, redis, smtp)
        product.manage("migrate", "--noinput")
        yield Stack(folder, postgres, redis, smtp, product)
    finally:
        procs.stop_all()
        smtp.stop()
        postgres.stop()
        if not keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Result:
    """One scenario's figures; ``line()`` is what the runner prints."""

    scenario: str
    acknowledged: int = 0
    found: int = 0
    lost: int = 0
    duplicated: int = 0
    late: int = 0
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        figures = (
            f"{self.scenario:<12} acknowledged={self.acknowledged} found={self.found} lost={self.lost} "
            f"duplicated={self.duplicated} late={self.late} seconds={self.seconds:.1f}"
        )
        return " ".join([figures, *(f"{key}={value}" for key, value in self.extra.items())])


def ticket_figures(answers: dict[str, int | None], in_database: dict[str, int]) -> dict[str, object]:
    """acknowledged (2xx), found (distinct in the database), lost, duplicated, and the answers seen, by subject.

    A 2xx is an acknowledgement whether it made the ticket or replayed the answer to an earlier try.
    """
    acknowledged = {subject for subject, status in answers.items() if status is not None and 200 <= status < 300}
    return {
        "acknowledged": len(acknowledged),
        "found": len(in_database),
        "lost": len(acknowledged - set(in_database)),
        "duplicated": sum(count - 1 for count in in_database.values()),
        "answers": histogram("none" if status is None else str(status) for status in answers.values()),
    }


def histogram(values: Iterable[object]) -> str:
    """``201:40,500:20``: how often each value occurs, in order."""
    return ",".join(f"{value}:{count}" for value, count in sorted(Counter(map(str, values)).items()))
