"""Benchmark: wall time of a warm ``eventstudy run --offline`` on ../shared/data/real, reports included.

Usage (from the repository root, with the package installed)::

    python benchmarks/bench_report.py            # target: under 3 s
    python benchmarks/bench_report.py --repeat 5 --shared ../shared/data/real

It imports the real price files into a temporary data directory, runs ``eventstudy run --offline`` once
to warm the caches (byte-compiled modules, kept in the temporary folder even where
PYTHONDONTWRITEBYTECODE is set; the exchange calendars; the OS file cache), then times
``--repeat`` more runs as separate processes, the way a user or a cron job runs it: interpreter start,
imports, the studies, the verdicts and writing every report file. It prints each run's wall and CPU
time, the best and the median, and PASS or FAIL for the median against the target (exit 1 on FAIL).
It is a script, not a test: pytest does not collect it, and a loaded machine measures slower.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import child_env  # beside this script, as benchmarks/dask_chunks.py reads it

TARGET_S = 3.0
REPO = Path(__file__).resolve().parents[1]


def _eventstudy() -> list[str]:
    exe = shutil.which("eventstudy", path=str(Path(sys.executable).parent)) or shutil.which("eventstudy")
    return [exe] if exe else [sys.executable, "-m", "eventstudy.cli"]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def arguments(description: str) -> argparse.Namespace:
    """--shared (the real price files) and --repeat, as the benchmarks on the real run take them."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--shared", default=str(REPO.parent / "shared" / "data" / "real"))
    ap.add_argument("--repeat", type=int, default=3)
    return ap.parse_args()


def price_files(shared: str, more: bool = False) -> list[str]:
    """The price files of ``shared`` (and of its more/ folder); a message on stderr when there are none."""
    files = sorted(glob.glob(os.path.join(shared, "*.csv")))
    if more:
        files += sorted(glob.glob(os.path.join(shared, "more", "*.csv")))
    if not files:
        print(f"no price files in {shared}", file=sys.stderr)
    return files


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    files = price_files(args.shared)
    if not files:
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        # The warm-up writes byte code that the timed runs read, as an installed package's are.
        env = child_env({**os.environ, "EVENTSTUDY_HOME": str(Path(tmp) / "home")}, Path(tmp) / "pycache")
        cli = _eventstudy()
        subprocess.run([*cli, "prices", "import", *files], env=env, check=True, stdout=subprocess.DEVNULL)
        run = [*cli, "run", "--offline", "--out", str(Path(tmp) / "reports")]
        cold, _ = _timed(run, env)
        print(f"cold run: {cold:.2f} s (not counted)")
        walls = []
        for k in range(args.repeat):
            wall, cpu = _timed(run, env)
            walls.append(wall)
            print(f"warm run {k + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU")
        n_files = sum(1 for p in (Path(tmp) / "reports").rglob("*") if p.is_file())
    median = statistics.median(walls)
    verdict = "PASS" if median < TARGET_S else "FAIL"
    print(f"warm run, {n_files} report files: best {min(walls):.2f} s, median {median:.2f} s "
          f"(target < {TARGET_S:.0f} s): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
