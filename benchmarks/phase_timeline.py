"""Phase timers of one `eventstudy study`: which thread does what, when, for how long (wall and CPU).

Usage (from the repository root, the package installed)::

    python benchmarks/phase_timeline.py study --returns R.csv --events E.csv --market MKT ... --out DIR

Runs the command line in this process with the study's main functions wrapped; at exit prints to
stderr, per thread and function, the calls, their wall and CPU (thread) time and the first start and
last end (seconds from the start), and the garbage collector's time per generation. What runs on the
main thread while the other threads wait is what a second core cannot help with.
"""

from __future__ import annotations

import atexit
import functools
import gc
import sys
import threading
import time
from collections import defaultdict
from typing import Any

T0 = time.perf_counter()
CALLS: list[tuple[str, str, float, float, float]] = []  # thread, function, start, end, CPU
GC: dict[int, list[float]] = {}
_gc_start: list[float] = [0.0]


def wrap(owner: Any, name: str) -> None:
    f = getattr(owner, name)
    label = f"{getattr(owner, '__name__', owner)}.{name}"

    @functools.wraps(f)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return f(*args, **kwargs)
        finally:
            CALLS.append((threading.current_thread().name, label, start - T0, time.perf_counter() - T0,
                          time.thread_time() - cpu))

    setattr(owner, name, timed)


def _gc_timer(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_start[0] = time.perf_counter()
        return
    spent = GC.setdefault(info["generation"], [0, 0.0])
    spent[0] += 1
    spent[1] += time.perf_counter() - _gc_start[0]


def report() -> None:
    rows: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, float("inf"), 0.0])
    for thread, label, start, end, cpu in CALLS:
        row = rows[(thread.split("_")[0], label)]  # a pool's threads as one
        row[0] += 1
        row[1] += end - start
        row[2] += cpu
        row[3] = min(row[3], start)
        row[4] = max(row[4], end)
    out = sys.stderr
    out.write("gc: " + ", ".join(f"gen{g}: {int(n)} in {t:.2f} s" for g, (n, t) in sorted(GC.items())) + "\n")
    out.write(f"{'thread':24} {'what':45} {'n':>5} {'wall':>7} {'cpu':>7} {'first':>7} {'last':>7}\n")
    for (thread, label), (n, wall, cpu, first, last) in sorted(rows.items(), key=lambda kv: kv[1][3]):
        out.write(f"{thread:24} {label:45} {int(n):5d} {wall:7.2f} {cpu:7.2f} {first:7.2f} {last:7.2f}\n")
    out.write(f"total {time.perf_counter() - T0:.2f} s, process CPU {time.process_time():.2f} s\n")


def main() -> None:
    from eventstudy import atomic, pins
    from eventstudy.cli import base
    from eventstudy.cli import study as cli_study
    from eventstudy.stats import chunked, placed, significance, study

    for owner, names in [
        (cli_study, ["_read_wide", "_read_events"]),
        (study.EventStudy, ["_prepare", "_series"]),
        (placed.PlacedEvents, ["with_window", "overlaps"]),
        (study.ChunkWork, ["first", "second"]),
        (chunked.Collector, ["put", "output", "estimates_table"]),
        (chunked.GrankInputs, ["add"]),
        (chunked.GrankSpill, ["put", "_read"]),
        (significance, ["test_table", "grank_add"]),
        (significance.Battery, ["grank_tests"]),
        (study.StudyResult, ["write_ar", "write_car_and_estimates", "write_tests", "_ar_block", "_car_block",
                             "_estimates_block", "_notes", "summary"]),
        (atomic, ["_write_block", "_csv_rows", "_arrow_table", "_quoting", "fsync_tree"]),
        (atomic.FileSet, ["__exit__"]),
        (pins, ["remove_unless_pinned"]),
        (base, ["_publish"]),
    ]:
        for name in names:
            wrap(owner, name)
    gc.callbacks.append(_gc_timer)
    atexit.register(report)
    sys.argv[0] = "eventstudy"
    base.main()


if __name__ == "__main__":
    main()
