"""``make fuzz``: schemathesis against a live helpdesk, as a customer and as an admin.

    python -m fuzz.run [--examples 20] [--roles customer,admin] [--database-url postgres://...]

Starts the server of ``fuzz.server``, logs in with the demo accounts, runs schemathesis with
each token against the served OpenAPI schema, and prints per role the cases run, the server
errors and the schema violations found (each failure's reproduction above them). Exits 1 when
either count, or the tracebacks in the server's log, is above zero.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from fuzz.server import BIN, LiveServer, live_server

ACCOUNTS = {
    "customer": ("customer@example.com", "demo-customer-2026"),
    "admin": ("admin@example.com", "demo-admin-2026"),
}
# What the README's "Fuzzing" section explains. A failure of any check but not_a_server_error
# counts as a schema violation: the API did not do what its schema promises.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
)
SERVER_ERROR = "ServerError"


@dataclass(frozen=True)
class Result:
    role: str
    cases: int
    server_errors: int
    schema_violations: int
    seconds: float
    operations: list[str]
    output: str
    # Each failing check's title (schemathesis' code and name) and how many unique failures.
    failures: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.server_errors == 0 and self.schema_violations == 0

    def line(self) -> str:
        return (
            f"{self.role}: {self.cases} cases in {self.seconds:.0f} s, "
            f"{self.server_errors} server errors, {self.schema_violations} schema violations"
        )


def login(url: str, email: str, password: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        f"{url}/api/v1/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.load(response)["access"]


@dataclass(frozen=True)
class Budget:
    """How much to run: cases per operation and phase, the phases, and parallel requests."""

    examples: int = 20
    phases: str = "examples,coverage,fuzzing,stateful"
    workers: int = 2
    seed: int | None = None


def fuzz_as(server: LiveServer, role: str, budget: Budget, echo: bool) -> Result:
    """One schemathesis run with ``role``'s token; its JSON report gives the figures."""
    token = login(server.url, *ACCOUNTS[role])
    report = server.var_dir / f"schemathesis-{role}.json"
    command = [
        str(BIN / "schemathesis"), "run", f"{server.url}/api/schema/",
        "--header", f"Authorization: Bearer {token}",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(budget.examples),
        "--phases", budget.phases,
        "--workers", str(budget.workers),
        "--generation-database", "none",
        "--report", "json", "--report-json-path", str(report),
        "--no-color", "--output-truncate", "true",
    ]  # fmt: skip
    if budget.seed is not None:
        command += ["--seed", str(budget.seed)]
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603 - our own schemathesis with our arguments
        command, cwd=server.var_dir, capture_output=not echo, text=True, timeout=1800, check=False
    )
    seconds = time.monotonic() - started
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report (exit {completed.returncode}):\n{completed.stderr}")
    data = json.loads(report.read_text())
    failures = data["failures"]
    return Result(
        role=role,
        cases=data["test_cases"]["generated"],
        server_errors=sum(f["count"] for f in failures if f["type"] == SERVER_ERROR),
        schema_violations=sum(f["count"] for f in failures if f["type"] != SERVER_ERROR),
        seconds=seconds,
        operations=sorted({op for f in failures for op in f["operations"]}),
        output="" if echo else completed.stdout + completed.stderr,
        failures={f"{f['code']} {f['title']}": f["count"] for f in failures},
    )


def tracebacks(server: LiveServer) -> list[str]:
    """Tracebacks the server logged: an error the fuzzer did not see as a 500 still counts."""
    text = server.log.read_text(errors="replace") if server.log.exists() else ""
    found = []
    for chunk in text.split("Traceback (most recent call last):")[1:]:
        lines = chunk.splitlines()[1:]
        # The exception's own line is the first one the traceback does not indent.
        found.append(next((line for line in lines if line and not line.startswith(" ")), "?"))
    return found


def fuzz(
    roles: list[str], budget: Budget, database_url: str | None = None, echo: bool = True, keep: bool = False
) -> tuple[list[Result], list[str]]:
    # The customer goes first: the admin's run may deactivate or demote the demo customer.
    ordered = sorted(roles, key=list(ACCOUNTS).index)
    with live_server(database_url=database_url, keep=keep) as server:
        if keep:
            print(f"The server's files and log stay in {server.var_dir}")
        results = [fuzz_as(server, role, budget, echo) for role in ordered]
        return results, tracebacks(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--examples", type=int, default=Budget.examples, help="Cases per operation and phase (schemathesis -n)."
    )
    parser.add_argument("--roles", default="customer,admin", help="Comma-separated: customer, admin.")
    parser.add_argument("--phases", default=Budget.phases, help="schemathesis phases, comma-separated.")
    parser.add_argument("--workers", type=int, default=Budget.workers)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the server's files and log afterwards.")
    parser.add_argument("--database-url", default=None, help="A PostgreSQL URL to DROP and recreate for the run.")
    options = parser.parse_args(argv)
    # A SIGTERM (make interrupted, CI timeout) unwinds like Ctrl-C, so the server is stopped by its pid.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    roles = [role.strip() for role in options.roles.split(",") if role.strip()]
    if unknown := set(roles) - set(ACCOUNTS):
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")
    budget = Budget(options.examples, options.phases, options.workers, options.seed)
    results, logged = fuzz(roles, budget, options.database_url, keep=options.keep)
    print("\n== fuzz summary")
    for result in results:
        print(result.line())
        for title, count in result.failures.items():
            print(f"  {title}: {count}")
        for operation in result.operations:
            print(f"  failing: {operation}")
    print(f"tracebacks in the server log: {len(logged)}")
    for traceback in logged[:5]:
        print(traceback)
    return 0 if all(result.ok for result in results) and not logged else 1


if __name__ == "__main__":
    sys.exit(main())
