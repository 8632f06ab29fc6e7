"""Writer locks that say who holds them (filelock underneath).

One writer at a time for the price store and for each output folder. The lock file itself is
filelock's; beside it a small ``.owner`` file names the holder (process id, host, command, start
time), so a second process can say whom it is waiting for instead of hanging in silence.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock and the wait (if any) ran out; ``holder`` describes it."""

    def __init__(self, what: str, path: Path, holder: str):
        self.what, self.path, self.holder = what, path, holder
        super().__init__(f"{what} is locked by {holder}")


def _owner_path(path: Path) -> Path:
    return path.with_name(path.name + ".owner")


def describe_holder(path: str | Path) -> str:
    """``pid 1234 on host (eventstudy refresh) since 08:01:02 UTC``, or ``another process``."""
    try:
        info = json.loads(_owner_path(Path(path)).read_text(encoding="utf-8"))
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(info["started"])))
        return f"pid {info['pid']} on {info['host']} ({info['command']}) since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def hold(
    path: str | Path,
    what: str,
    *,
    timeout: float,
) -> Iterator[None]:
    """Hold the lock at ``path``; wait up to ``timeout`` seconds (0: do not wait; <0: forever).

    When the lock is busy, a line on stderr says who holds it and that we wait; on time-out
    :class:`LockHeld` is raised. Re-entrant within one process."""
    import filelock  # here, not at import: the CLI's start (every --help) does without it

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # filelock takes a lock file it cannot create (a read-only folder) for a busy lock and would
    # wait in vain; opening it first turns that into the environment failure it is.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
    lock = filelock.FileLock(str(path), is_singleton=True)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        holder = describe_holder(path)
        if timeout == 0:
            raise LockHeld(what, path, holder) from None
        wait = "until it is free" if timeout < 0 else f"up to {timeout:g} s"
        _stderr(f"eventstudy: {what} is locked by {holder}; waiting {wait}")
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise LockHeld(what, path, describe_holder(path)) from None
    owner = _owner_path(path)
    first = lock.lock_counter == 1
    if first:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(_command()),
                "started": time.time()}
        with contextlib.suppress(OSError):
            owner.write_text(json.dumps(info), encoding="utf-8")
    try:
        yield
    finally:
        if first:
            with contextlib.suppress(OSError):
                owner.unlink()
        lock.release()


def _command() -> list[str]:
    argv = [Path(sys.argv[0]).name, *sys.argv[1:3]] if sys.argv and sys.argv[0] else ["python"]
    return argv


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
