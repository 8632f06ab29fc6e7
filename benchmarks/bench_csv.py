"""Benchmark: ``atomic.write_table_csv_blocks`` on the per-event tables of a 100,000-event study.

Usage (from the repository root, with the package installed)::

    python benchmarks/bench_csv.py                   # 100,000 events, 5,000 per block
    python benchmarks/bench_csv.py --events 20000 --repeat 3
    git show ec676fc:eventstudy/atomic.py > /tmp/old_atomic.py   # the writer before it was sped up
    python benchmarks/bench_csv.py --atomic /tmp/old_atomic.py

It builds, in memory and untimed, the blocks ``StudyResult.to_csv`` hands the writer: an ar-like
table (21 rows an event: event_id like "S0255@2016-07-15", symbol, day, a midnight date, six float
columns with a few NaN, the model) and a car-like table (three windows an event, the "[0,0]" window
label with its comma, numbers, a note that is mostly empty), then times writing each to a temporary
folder, ``--repeat`` times, and prints the best and median wall seconds (and the median CPU seconds of
all threads, fsync included) with the file's size and SHA-256,
so two versions of the writer (``--atomic``: another copy of ``eventstudy/atomic.py``) can be compared
for speed and for identical bytes.
It is a script, not a test: pytest does not collect it, and a loaded machine measures slower.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.atomic import write_table_csv_blocks

DAYS = np.arange(-10, 11)
WINDOWS = (("[0,0]", 0, 0), ("[-1,1]", -1, 1), ("[0,5]", 0, 5))


def _ids(first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(first, first + n)
    day0 = np.datetime64("2016-01-04") + (k * 7) % 3000
    symbols = np.array([f"S{i % 4000:04d}" for i in k])
    ids = np.array([f"{s}@{d}" for s, d in zip(symbols, day0.astype(str), strict=True)])
    return ids, symbols


def ar_block(first: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    ids, symbols = _ids(first, n)
    w, rows = len(DAYS), n * len(DAYS)
    day0 = np.datetime64("2016-01-04") + (np.arange(first, first + n) * 7) % 3000
    numbers = rng.normal(0, 0.02, (6, rows))
    numbers[:, rng.random(rows) < 0.01] = np.nan  # missing prices: NaN fields
    return pd.DataFrame({
        "event_id": np.repeat(ids, w), "symbol": np.repeat(symbols, w), "day": np.tile(DAYS, n),
        "date": (np.repeat(day0, w) + np.tile(DAYS, n)).astype("datetime64[ns]"),
        "return": numbers[0], "expected": numbers[1], "abnormal_return": numbers[2], "sd": np.abs(numbers[3]),
        "t_stat": numbers[4] * 50, "p_value": np.abs(numbers[5]) * 25,
        "model": np.repeat(np.where(np.arange(n) % 50 == 0, "mean", "market"), w),
    })


def car_block(first: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    ids, symbols = _ids(first, n)
    day0 = np.datetime64("2016-01-04") + (np.arange(first, first + n) * 7) % 3000
    frames = []
    for label, start, end in WINDOWS:
        numbers = rng.normal(0, 0.05, (7, n))
        frames.append(pd.DataFrame({
            "event_id": ids, "symbol": symbols, "day0": day0.astype("datetime64[ns]"), "window": label,
            "start": start, "end": end, "n_days": np.full(n, end - start + 1), "raw_return": numbers[0],
            "car": numbers[1], "bhar": numbers[2], "sd": np.abs(numbers[3]), "t_stat": numbers[4] * 30,
            "p_value": np.abs(numbers[5]) * 10, "model": "market", "estimation_days": np.full(n, 250),
            "note": np.where(np.arange(n) % 97 == 0, "thin trading; 3 missing days", ""),
        }))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--block", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--atomic", type=Path, help="time the write_table_csv_blocks of this atomic.py instead")
    args = ap.parse_args()
    write = write_table_csv_blocks
    if args.atomic:
        spec = importlib.util.spec_from_file_location("atomic_under_test", args.atomic)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        write = module.write_table_csv_blocks
    rng = np.random.default_rng(7)
    starts = range(0, args.events, args.block)
    tables = {
        "ar.csv": [ar_block(i, min(args.block, args.events - i), rng) for i in starts],
        "car.csv": [car_block(i, min(args.block, args.events - i), rng) for i in starts],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, blocks in tables.items():
            times, cpu = [], []
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                path = write(iter(blocks), Path(tmp) / name)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            data = path.read_bytes()
            rows = sum(len(b) for b in blocks)
            print(f"{name}: {rows:,} rows in {len(blocks)} blocks: best {min(times):.2f} s, "
                  f"median {statistics.median(times):.2f} s (CPU {statistics.median(cpu):.2f} s); {len(data):,} bytes, "
                  f"sha256 {hashlib.sha256(data).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
