"""The chunked engine on a local Dask cluster: the whole study, battery included, one task per chunk.

Usage (from the repository root; Dask is an optional extra, not a core dependency)::

    pip install -e '.[scale]'
    python benchmarks/dask_chunks.py --events 20000 --workers 2 --check

``EventStudy.fit_chunked(map_chunks=...)`` hands each of its two passes to a map function. Here it
is Dask's. The chunk work (:class:`eventstudy.stats.study.ChunkWork`: the study, its event series
and the price layout) is scattered once to every worker per pass. Each task runs pass 1
(``first``: the engine, the chunk's share of the battery's estimation sums, its CARs and
estimates) or GRANK's pass (``second``) on one chunk of events, whole date clusters, and returns
per-event columns and sums; the client adds them up in chunk order, as the threads of one process
do. So every table, ``tests`` included, is the one-process run's: ``--check`` compares all four
with ``fit_chunked()`` in this process, cell for cell.

At most ``2 x workers`` chunks are in flight, so the client holds a bounded number of results
whatever the number of events.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import EST, WIN, workload

from eventstudy.stats.chunked import in_order
from eventstudy.stats.study import ChunkWork, EventStudy, one_blas_thread
from eventstudy.stats.windows import Estimation, Window

TABLES = ("ar", "car", "estimates", "tests")


def run_chunk(work: ChunkWork, method: str, rows: np.ndarray) -> Any:
    """One task: ``work.first(rows)`` or ``work.second(rows)`` with one BLAS thread (as in-process)."""
    with one_blas_thread():
        return getattr(work, method)(rows)


def dask_map(client: Any, in_flight: int) -> Callable[[ChunkWork, str, list[np.ndarray]], Iterator[Any]]:
    """A ``map_chunks`` for :meth:`EventStudy.fit_chunked` that runs the chunks on ``client``'s
    workers and yields their results in chunk order."""

    def map_chunks(work: ChunkWork, method: str, chunks: list[np.ndarray]) -> Iterator[Any]:
        shared = client.scatter(work, broadcast=True, hash=False)  # the prices travel once per worker
        submit = lambda rows: client.submit(run_chunk, shared, method, rows, pure=False)  # noqa: E731
        for result, _ in in_order(submit, chunks, in_flight):
            yield result

    return map_chunks


def study(returns: pd.DataFrame, events: pd.DataFrame, bootstrap: int) -> EventStudy:
    return EventStudy(returns, events, market="MKT", model="market", estimation=Estimation(Window(*EST)),
                      window=Window(*WIN), bootstrap=bootstrap)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--chunk", type=int, default=None, help="events per task (default: the engine's own size)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "eventstudy-bench")
    ap.add_argument("--check", action="store_true", help="compare every table with a one-process run")
    args = ap.parse_args(argv)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("needs Dask: pip install -e '.[scale]'", file=sys.stderr)
        return 2

    returns_csv, events_csv = workload(args.cache, args.events, args.seed)
    returns = pd.read_csv(returns_csv, index_col=0, parse_dates=True)
    events = pd.read_csv(events_csv, dtype=str)
    print(f"{len(events):,} events on {args.workers} local Dask worker(s)")

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster, \
            Client(cluster) as client:
        t0 = time.perf_counter()
        result = study(returns, events, args.bootstrap).fit_chunked(
            args.chunk, map_chunks=dask_map(client, in_flight=2 * args.workers))
        elapsed = time.perf_counter() - t0
    print(f"cluster: {elapsed:.1f} s wall: {len(result.ar):,} AR rows, {len(result.car):,} CAR rows, "
          f"{len(result.tests):,} test rows")

    if args.check:
        t0 = time.perf_counter()
        here = study(returns, events, args.bootstrap).fit_chunked(args.chunk)
        print(f"one process: {time.perf_counter() - t0:.1f} s wall")
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(result, name), getattr(here, name), check_exact=True, obj=name)
        print("ar, car, estimates and tests equal to the one-process run, cell for cell")
    return 0


if __name__ == "__main__":
    sys.exit(main())
