"""Processes the fault runs start: each in a session of its own, listed, and stopped by pid.

Nothing here signals a process it did not start (or that one did not start in turn), and
everything started is stopped at exit, on failure and on Ctrl-C alike.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_started: list[subprocess.Popen] = []


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(
    command: Sequence[str], *, log: Path, env: dict[str, str] | None = None, cwd: Path = ROOT, **popen
) -> subprocess.Popen:
    """Start ``command`` as the leader of a new session, its output in ``log``; remembered for ``stop_all``."""
    handle = log.open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own commands and arguments
        list(command), cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, **popen
    )
    handle.close()
    _started.append(process)
    return process


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (read from /proc, so no psutil is needed)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses; the fields after its last ")" do not.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def tree(pid: int) -> list[int]:
    """``pid`` (while alive) and every live process below it."""
    result = [pid] if alive(pid) else []
    for child in children(pid):
        result += tree(child)
    return result


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_gone(pids: Sequence[int], seconds: float) -> float | None:
    """Seconds until every one of ``pids`` is gone, or None if some outlive ``seconds``."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if not any(alive(pid) for pid in pids):
            return time.monotonic() - began
        time.sleep(0.05)
    return None


def signal_pids(pids: Sequence[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def stop(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """SIGTERM ``process`` and everything below it, SIGKILL what outlives ``grace``; reap it."""
    if process.poll() is None or tree(process.pid):
        pids = tree(process.pid) or [process.pid]
        signal_pids(pids, signal.SIGTERM)
        if wait_gone(pids, grace) is None:
            signal_pids(tree(process.pid) + pids, signal.SIGKILL)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    if process in _started:
        _started.remove(process)


def kill(process: subprocess.Popen) -> list[int]:
    """SIGKILL ``process`` and everything below it at once (a crash, an OOM kill); return the pids."""
    pids = tree(process.pid)
    signal_pids(pids, signal.SIGKILL)
    process.wait(timeout=10)
    wait_gone(pids, 5)
    return pids


def stop_all() -> None:
    """Stop every process started here and not stopped yet, newest first."""
    for process in reversed(list(_started)):
        stop(process, grace=5)


def wait_until(condition: Callable[[], object], seconds: float, *, every: float = 0.2) -> bool:
    """Poll ``condition`` until it is true or ``seconds`` pass; return whether it became true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


atexit.register(stop_all)
