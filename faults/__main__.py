"""``python -m faults [scenario ...] [--quick]``: run the fault scenarios and print one line each."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator

from faults import procs
from faults.scenarios import pg_restart, redis_down, scale_out, sigterm, worker_kill
from faults.stack import Result, stack

SCENARIOS = ("redis-down", "worker-kill", "pg-restart", "sigterm", "scale-out")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", metavar="scenario", help=f"any of {', '.join(SCENARIOS)} (default: all)"
    )
    parser.add_argument("--creates", type=int, default=60, help="tickets created in redis-down (default 60)")
    parser.add_argument("--emails", type=int, default=200, help="emails in the worker-kill batch (default 200)")
    parser.add_argument("--pg-creates", type=int, default=100, help="tickets created in pg-restart (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="stops per sigterm variant (default 3)")
    parser.add_argument("--flows", type=int, default=40, help="tickets worked through both web servers in scale-out")
    parser.add_argument("--mail-wait", type=float, default=150.0, help="seconds to wait for emails after a fault")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs) for a look afterwards")
    options = parser.parse_args(argv)
    if unknown := set(options.scenarios) - set(SCENARIOS):
        parser.error(f"no scenario {', '.join(sorted(unknown))}; there are {', '.join(SCENARIOS)}")
    options.scenarios = options.scenarios or list(SCENARIOS)
    # A SIGTERM to the runner stops what it started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    failed = False
    try:
        for name in options.scenarios:
            for result in _run(name, options):
                print(result.line(), flush=True)
                failed = failed or bool(
                    result.lost or result.duplicated or result.late or result.extra.get("checks_failed")
                )
    finally:
        procs.stop_all()
    return 1 if failed else 0


def _run(name: str, options: argparse.Namespace) -> Iterator[Result]:
    if name == "sigterm":
        yield sigterm.run(repeats=options.repeats)
    with stack(keep=options.keep) as services:
        if name == "sigterm":
            # The same on PostgreSQL and Redis, where the worker runs its prefork pool.
            urls = {"DATABASE_URL": services.postgres.url, "REDIS_URL": services.redis.url}
            yield sigterm.run(repeats=options.repeats, env=urls, name="sigterm-redis")
        elif name == "redis-down":
            yield services.run(redis_down.run, creates=options.creates, mail_wait=options.mail_wait)
        elif name == "worker-kill":
            yield services.run(worker_kill.run, emails=options.emails, mail_wait=options.mail_wait)
        elif name == "scale-out":
            yield services.run(scale_out.run, flows=options.flows, mail_wait=options.mail_wait)
        else:
            yield services.run(pg_restart.run, creates=options.pg_creates)


if __name__ == "__main__":
    sys.exit(main())
