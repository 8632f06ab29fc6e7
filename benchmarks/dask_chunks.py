"""One process vs a Dask cluster, on the benchmark's workload as a long-format Parquet dataset.

Usage (from the repository root; Dask is the optional extra ``[scale]``)::

    pip install -e '.[scale]'
    python benchmarks/dask_chunks.py --events 20000 --workers 2
    python benchmarks/dask_chunks.py --events 1000000 --workers 2      # the issue's 1M figures

The workload is benchmarks/bench_scale.py's (2,000 securities and a market over 3,000 days, seeded,
events drawn at random), written once under ``--cache`` as a Parquet dataset partitioned by year
(hive folders ``year=2010/``...), one row per security and day, sorted by security within a year so
that a filter on securities skips row groups. Both runs are the command line a user types:

- ``one process``: ``eventstudy study --returns DATASET ...`` (the securities and dates the events
  need are read with filters, then the chunked engine on threads);
- ``cluster``: the same with ``--scheduler ADDRESS`` of a LocalCluster of ``--workers`` processes
  this script starts (one thread each, loopback, no dashboard): each task reads its own
  securities' rows where it runs; the command line's process (the client) only adds up sums and
  writes the CSVs.

Wall time comes from ``os.wait4``; peak resident memory is each process's own high-water mark
(``VmHWM`` of /proc/self/status, read as the command line exits and on each worker after the run):
``ru_maxrss`` would not do, as Linux carries it over ``fork`` and ``exec`` from this script. The
four CSVs of the two runs are compared byte for byte. ``--local`` also times ``--scheduler local:N``
end to end (the cluster started and stopped by the command itself).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import EST, N_DAYS, N_SERIES, WIN, child_env, workload

FILES = ("ar.csv", "car.csv", "estimates.csv", "tests.csv")


def long_dataset(cache: Path, wide_csv: Path, seed: int) -> Path:
    """The wide workload as a long Parquet dataset partitioned by year (built once, cached)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

    target = cache / f"long-{N_SERIES}x{N_DAYS}-s{seed}-by-year"
    if target.is_dir():
        return target
    wide = pd.read_csv(wide_csv, index_col=0, parse_dates=True)
    dates = wide.index.values.astype("datetime64[D]")
    values = wide.to_numpy()
    n_days, n_sec = values.shape
    symbols = np.array(wide.columns, dtype=object)
    # Security-major order: each year's file holds one security's days together (row-group statistics).
    sym = np.repeat(np.arange(n_sec), n_days)
    day = np.tile(np.arange(n_days), n_sec)
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    order = np.lexsort((day, sym, years[day]))
    sym, day = sym[order], day[order]
    table = pa.table({
        "symbol": pa.DictionaryArray.from_arrays(pa.array(sym.astype(np.int32)), pa.array(symbols.tolist())),
        "date": pa.array(dates[day]),
        "return": pa.array(values[day, sym]),
        "year": pa.array(years[day].astype(np.int16)),
    })
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=cache))
    ds.write_dataset(table, tmp, format="parquet", partitioning=["year"], partitioning_flavor="hive",
                     max_rows_per_group=64 * 1024, existing_data_behavior="overwrite_or_ignore")
    tmp.replace(target)
    return target


# The command line as its entry point runs it, printing its own peak memory as it exits.
WRAPPER = """
import atexit, sys
from pathlib import Path
PEAK = Path(sys.argv[1])
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            PEAK.write_text(line.split()[1])
atexit.register(hwm)
sys.argv = ["eventstudy", *sys.argv[2:]]
from eventstudy.cli import main
main()
"""


def study_cmd(dataset: Path, events: Path, out: Path, extra: list[str]) -> list[str]:
    return ["study", "--returns", str(dataset), "--events", str(events), "--market", "MKT",
            "--model", "market", "--estimation", f"{EST[0]}:{EST[1]}", "--window", f"{WIN[0]}:{WIN[1]}",
            "--out", str(out), *extra]


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``eventstudy ARGS``; raises on failure."""
    import subprocess

    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as peak:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", WRAPPER, peak.name, *args], env=child_env(),
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"failed: eventstudy {' '.join(args)}\n{err.read().decode(errors='replace')[-2000:]}")
        return wall, int(Path(peak.name).read_text()) / 1024


def peak_mb() -> float:
    """This process's own peak resident memory (MB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def same(a: Path, b: Path) -> bool:
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in FILES)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "eventstudy-bench")
    ap.add_argument("--local", action="store_true", help="also time --scheduler local:N end to end")
    ap.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    ap.add_argument("--cluster-only", action="store_true",
                    help="only the cluster run (its memory), without the one-process run and the comparison")
    args = ap.parse_args(argv)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("needs Dask: pip install -e '.[scale]'", file=sys.stderr)
        return 2

    returns_csv, events_csv = workload(args.cache, args.events, args.seed)
    dataset = long_dataset(args.cache, returns_csv, args.seed)
    size = sum(f.stat().st_size for f in dataset.rglob("*.parquet")) / 2**20
    print(f"{args.events:,} events; dataset {dataset} ({size:.0f} MB of Parquet, "
          f"{N_SERIES + 1:,} securities x {N_DAYS:,} days)")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dask-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    one, cluster_out = work / "one-process", work / "cluster"
    try:
        if not args.cluster_only:
            wall, rss = measure(study_cmd(dataset, events_csv, one, []))
            print(f"one process:        {wall:7.1f} s wall, peak {rss:7.0f} MB")
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            wall, rss = measure(study_cmd(dataset, events_csv, cluster_out, ["--scheduler", cluster.scheduler_address]))
            workers = client.run(peak_mb)
        peaks = ", ".join(f"{mb:.0f}" for mb in workers.values())
        print(f"cluster ({args.workers} workers): {wall:7.1f} s wall, client peak {rss:7.0f} MB, "
              f"worker peaks {peaks} MB (cluster started before)")
        if not args.cluster_only:
            print("four CSVs byte-identical:", same(one, cluster_out))
        if args.local and not args.cluster_only:
            local = work / "local"
            wall, rss = measure(study_cmd(dataset, events_csv, local, ["--scheduler", f"local:{args.workers}"]))
            print(f"--scheduler local:{args.workers}: {wall:7.1f} s wall (cluster start included), client peak "
                  f"{rss:.0f} MB")
            print("four CSVs byte-identical:", same(one, local))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
