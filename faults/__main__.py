"""``python -m faults [scenario ...] [--quick]``: run the fault scenarios and print one line each."""

from __future__ import annotations

import argparse
import signal
import sys

from faults import procs
from faults.scenarios import pg_restart, redis_down, sigterm, worker_kill
from faults.stack import stack

SCENARIOS = ("redis-down", "worker-kill", "pg-restart", "sigterm")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], default=list(SCENARIOS))
    parser.add_argument("--creates", type=int, default=60, help="tickets created in redis-down (default 60)")
    parser.add_argument("--emails", type=int, default=200, help="emails in the worker-kill batch (default 200)")
    parser.add_argument("--pg-creates", type=int, default=100, help="tickets created in pg-restart (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="stops per sigterm variant (default 3)")
    parser.add_argument("--mail-wait", type=float, default=150.0, help="seconds to wait for emails after a fault")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs) for a look afterwards")
    options = parser.parse_args(argv)
    # A SIGTERM to the runner stops what it started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    failed = False
    try:
        for name in options.scenarios:
            if name == "sigterm":
                result = sigterm.run(repeats=options.repeats)
            else:
                with stack(keep=options.keep) as services:
                    if name == "redis-down":
                        result = services.run(redis_down.run, creates=options.creates, mail_wait=options.mail_wait)
                    elif name == "worker-kill":
                        result = services.run(worker_kill.run, emails=options.emails, mail_wait=options.mail_wait)
                    else:
                        result = services.run(pg_restart.run, creates=options.pg_creates)
            print(result.line(), flush=True)
            failed = failed or bool(result.lost or result.duplicated or result.late)
    finally:
        procs.stop_all()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
