"""Benchmark: wall time and peak memory of one full event study.

Usage (from the repository root, with the package installed)::

    python benchmarks/bench_engine.py                 # 2,000 events, 250-day estimation
    python benchmarks/bench_engine.py --events 5000 --securities 1000 --bootstrap 2000

It simulates daily returns (market factor + noise, business days) for ``--securities`` securities,
places ``--events`` events on random dates (several per security, different dates), and fits the
market model with estimation window [-260,-11] (250 days), event window [-5,+5], the default CAR
windows and the full test battery (bootstrap included). The study is timed once without tracing
(best of ``--repeat`` runs) and once under :mod:`tracemalloc` for the peak of Python/numpy
allocations. Targets: 2,000 events in under 10 s and a peak under 1 GB; the script prints PASS or
FAIL for each and exits 1 on any FAIL. It is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

TIME_TARGET_S = 10.0  # for 2,000 events; scaled linearly for other sizes
MEMORY_TARGET_B = 1 << 30


def build(n_events: int, n_securities: int, days: int, seed: int) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2000-01-03", periods=days)
    m = rng.normal(0.0004, 0.01, days)
    beta = rng.uniform(0.5, 1.5, n_securities)
    r = 0.0002 + m[:, None] * beta + rng.normal(0, 0.02, (days, n_securities))
    cols = [f"S{i:05d}" for i in range(n_securities)]
    returns = pd.DataFrame(r, index=dates, columns=cols)
    lo, hi = 260, days - 6
    symbols = np.resize(np.arange(n_securities), n_events)
    pos = rng.integers(lo, hi, n_events)
    events = pd.DataFrame({"symbol": np.array(cols)[symbols], "date": dates[pos],
                           "event_id": [f"E{k:06d}" for k in range(n_events)]})
    return returns, pd.Series(m, index=dates, name="MKT"), events


def run(returns: pd.DataFrame, market: pd.Series, events: pd.DataFrame, bootstrap: int):
    return EventStudy(returns, events, market=market, model="market",
                      estimation=Estimation(Window(-260, -11)), window=Window(-5, 5),
                      bootstrap=bootstrap, seed=0).fit()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--securities", type=int, default=500)
    ap.add_argument("--days", type=int, default=1500, help="business days of simulated history")
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    returns, market, events = build(args.events, args.securities, args.days, args.seed)
    print(f"{args.events} events on {args.securities} securities x {args.days} days; market model, "
          f"estimation [-260,-11], window [-5,+5], bootstrap {args.bootstrap}")

    times = []
    result = None
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        result = run(returns, market, events, args.bootstrap)
        times.append(time.perf_counter() - t0)
        tests = result.tests  # materialize the tidy tables too: they are part of the user's cost
        _ = result.ar, result.car, result.estimates
    elapsed = min(times)
    assert result is not None
    print(f"fit: {elapsed:.2f} s  ({args.events / elapsed:,.0f} events/s); "
          f"{len(tests)} test rows, clustered={result.clustered}, r={result.mean_correlation:.4f}")

    tracemalloc.start()
    result = run(returns, market, events, args.bootstrap)
    _ = result.ar, result.car, result.estimates
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory: {peak / 2**20:,.1f} MiB")

    time_target = TIME_TARGET_S * args.events / 2000
    ok_time = elapsed < time_target
    ok_mem = peak < MEMORY_TARGET_B
    print(f"{'PASS' if ok_time else 'FAIL'} time   {elapsed:.2f} s < {time_target:.1f} s")
    print(f"{'PASS' if ok_mem else 'FAIL'} memory {peak / 2**20:,.1f} MiB < {MEMORY_TARGET_B / 2**20:,.0f} MiB")
    return 0 if ok_time and ok_mem else 1


if __name__ == "__main__":
    sys.exit(main())
