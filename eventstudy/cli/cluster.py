"""`--scheduler`: a Dask cluster for `study`, started here (``local:N``) or reached at an address.

Dask is an optional extra: it is imported only when `--scheduler` is given, so the command line's
start stays light (tests/test_startup.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from eventstudy.errors import EnvironmentFailure, UserError

INSTALL = "pip install 'eventstudy-claims[scale]'"
# Seconds to wait for a scheduler: an address that answers nothing fails fast rather than hang.
CONNECT_TIMEOUT = 5


def parse(address: str) -> int | None:
    """The worker count of ``local:N`` (None: an address of a running scheduler)."""
    if not address.startswith("local:"):
        if not address.strip():
            raise UserError("--scheduler is empty", field="--scheduler", hint="give local:N or tcp://HOST:PORT")
        return None
    count = address.removeprefix("local:")
    if not count.isdigit() or not 1 <= int(count) <= 512:
        raise UserError(f"--scheduler {address}: local:N takes a number of worker processes", field="--scheduler",
                        hint="e.g. local:2")
    return int(count)


def check_installed() -> None:
    """Refuse --scheduler up front, before any work, when Dask's distributed scheduler is missing."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise UserError(f"--scheduler needs Dask, which is not installed: {INSTALL}", field="--scheduler") from None


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A ``dask.distributed.Client``: of a new LocalCluster of N worker processes on loopback (no
    dashboard) for ``local:N``, else of the scheduler at ``address``."""
    check_installed()
    from dask.distributed import Client, LocalCluster

    workers = parse(address)
    if workers is not None:
        # One thread per worker: the engine's numpy work is whole-array, one chunk per process. The
        # workers' logs are silenced: a task's error reaches the command line, which says it in one line.
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EnvironmentFailure(f"cannot reach the Dask scheduler at {address} ({reason})", field="--scheduler",
                                 hint="check that the scheduler runs and the address, e.g. tcp://HOST:8786") from None
    with client:
        yield client
