"""The short fuzz of ``make test`` and CI: a few hundred schemathesis cases per role, none failing.

``make fuzz`` is the long one. On PostgreSQL (``DATABASE_URL``) the server gets a database of
its own next to the suite's (``<name>_fuzz``, dropped and made again), never the suite's.
"""

import os
from urllib.parse import urlsplit

import pytest

from fuzz.run import Budget, fuzz

pytestmark = pytest.mark.fuzz

# examples + fuzzing, 3 cases per operation and phase: about 340 (customer) and 480 (admin) cases.
SHORT = Budget(examples=3, phases="examples,fuzzing")


def fuzz_database_url() -> str | None:
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        return None
    parts = urlsplit(configured)
    return parts._replace(path=f"{parts.path.rstrip('/')}_fuzz").geturl()


def test_short_fuzz_finds_no_server_error_and_no_schema_violation():
    results, logged = fuzz(["customer", "admin"], SHORT, database_url=fuzz_database_url(), echo=False)

    for result in results:
        assert result.cases >= 250, result.line()
        assert result.ok, f"{result.line()}\n{result.output}"
    assert logged == [], "tracebacks in the server log"
