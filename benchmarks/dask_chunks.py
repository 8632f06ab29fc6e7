"""Per-event statistics on a local Dask cluster: one task per chunk of events, the returns shared.

Usage (from the repository root; Dask is an optional extra, not a core dependency)::

    pip install -e '.[scale]'
    python benchmarks/dask_chunks.py --events 20000 --chunk 5000 --workers 2 --check

The returns panel is read once and scattered to every worker (``client.scatter(..., broadcast=True)``);
the events are cut into chunks of whole securities, so that every event of a security, its repeated
(security, date) pairs and its overlapping windows, lands in one task; each task runs
``EventStudy(...).fit()`` on its chunk and sends back the per-event tables (``ar``, ``car``,
``estimates``), which are concatenated in the original event order. These tables do not depend on
the other events, so they equal a single-process run (``--check`` verifies it on the same events).

What does not distribute this way is the cross-sectional battery (``tests``): its statistics need
every event at once (see docs/performance.md for the reduction it needs). Each task's own battery
is returned as ``tests_by_chunk`` for inspection, not as the study's answer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import EST, WIN, workload

from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

TABLES = ("ar", "car", "estimates")


def study_chunk(returns: pd.DataFrame, events: pd.DataFrame, bootstrap: int) -> dict[str, pd.DataFrame]:
    result = EventStudy(returns, events, market="MKT", model="market", estimation=Estimation(Window(*EST)),
                        window=Window(*WIN), bootstrap=bootstrap).fit()
    return {"ar": result.ar, "car": result.car, "estimates": result.estimates, "tests": result.tests}


def chunks_by_security(events: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    """Chunks of about ``size`` events that never split a security; each keeps the events' order."""
    counts = events.groupby("symbol", sort=True).size()
    group = (counts.cumsum() - 1) // max(size, 1)
    part = events["symbol"].map(group)
    return [events[part == g] for g in sorted(part.unique())]


def in_event_order(tables: list[pd.DataFrame], ids: pd.Series) -> pd.DataFrame:
    """The chunks' rows in the single run's order: by CAR window first (car), then by event."""
    frame = pd.concat(tables, ignore_index=True)
    keys = {"_e": frame["event_id"].map({e: i for i, e in enumerate(ids)})}
    if "window" in frame.columns:
        windows = list(dict.fromkeys(tables[0]["window"]))
        keys = {"_w": frame["window"].map({w: i for i, w in enumerate(windows)}), **keys}
    frame = frame.assign(**keys).sort_values(list(keys), kind="stable")
    return frame.drop(columns=list(keys)).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--chunk", type=int, default=5000, help="events per task (whole securities)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "eventstudy-bench")
    ap.add_argument("--check", action="store_true", help="compare with a single-process run")
    args = ap.parse_args(argv)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("needs Dask: pip install -e '.[scale]'", file=sys.stderr)
        return 2

    returns_csv, events_csv = workload(args.cache, args.events, args.seed)
    returns = pd.read_csv(returns_csv, index_col=0, parse_dates=True)
    events = pd.read_csv(events_csv, dtype=str)
    chunks = chunks_by_security(events, args.chunk)
    print(f"{len(events):,} events in {len(chunks)} chunks on {args.workers} local worker(s)")

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster, \
            Client(cluster) as client:
        t0 = time.perf_counter()
        shared = client.scatter(returns, broadcast=True)  # the panel travels once per worker
        futures = [client.submit(study_chunk, shared, c, args.bootstrap, pure=False) for c in chunks]
        parts = client.gather(futures)
        elapsed = time.perf_counter() - t0
    # Event ids are made per chunk; a security's events are all in one chunk, so they are the same
    # as in one run. Put the rows back in the events file's order.
    ids = pd.concat([p["estimates"]["event_id"] for p in parts], ignore_index=True)
    rows = np.concatenate([c.index.to_numpy() for c in chunks])
    assert len(rows) == len(ids), "an event was skipped: match rows by id instead"
    order_ids = ids.iloc[np.argsort(rows, kind="stable")]
    tables = {name: in_event_order([p[name] for p in parts], order_ids) for name in TABLES}
    print(f"cluster: {elapsed:.1f} s wall for {len(events):,} events "
          f"({len(tables['ar']):,} AR rows, {len(tables['car']):,} CAR rows)")

    if args.check:
        t0 = time.perf_counter()
        whole = study_chunk(returns, events, args.bootstrap)
        print(f"single process: {time.perf_counter() - t0:.1f} s wall")
        for name in TABLES:
            a, b = tables[name], whole[name]
            assert list(a["event_id"]) == list(b["event_id"]), name
            num = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
            np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=1e-12, atol=0)
            other = [c for c in a.columns if c not in num]
            pd.testing.assert_frame_equal(a[other], b[other], check_dtype=False)
        print("per-event tables equal to the single-process run (rtol 1e-12)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
