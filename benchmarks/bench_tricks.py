"""Paired benchmark of source trees that differ by one change: each process-level trick with and without.

Usage (from the repository root, with the package installed in the running Python)::

    python benchmarks/bench_tricks.py --variant with=/tmp/var/base --variant nogc=/tmp/var/nogc \\
        --workload study --events 100000 --workload run --repeat 7

Each ``--variant NAME=DIR`` is a copy of the package (``DIR/eventstudy``), imported through
PYTHONPATH by ``python -m eventstudy.cli`` in a fresh process; the first variant is the reference.
A round runs every variant once on a workload, in an order rotated from round to round, so that a
round's ratios (variant / reference) compare runs made under the same load; the output gives each
variant's fastest and median wall time, the median (and range) of its paired ratios, and its median
CPU time and peak memory.

Workloads: ``study``, bench_scale's ``eventstudy study`` on its cached workload (``--events`` events);
``run``, a warm ``eventstudy run --offline`` on ``--real`` (and ``--real``/more), its prices imported
once into a temporary EVENTSTUDY_HOME.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # the workload, the measurement and the byte-code cache

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variant", action="append", required=True, help="NAME=DIR (DIR/eventstudy); first: reference")
    ap.add_argument("--workload", action="append", choices=["study", "run"], required=True)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-warm-up", action="store_true", help="measure from the first round (large studies)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "eventstudy-bench")
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "data" / "real")
    args = ap.parse_args(argv)
    variants = dict(v.split("=", 1) for v in args.variant)
    bench_scale.BYTECODE = args.cache / "bytecode"
    print(f"load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}; variants: "
          + ", ".join(f"{k}={v}" for k, v in variants.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-tricks-") as tmp:
        for workload in args.workload:
            commands = _commands(workload, args, Path(tmp))
            env_extra = commands.pop("env", {})
            walls: dict[str, list[float]] = {k: [] for k in variants}
            cpus: dict[str, list[float]] = {k: [] for k in variants}
            peaks: dict[str, list[float]] = {k: [] for k in variants}
            names = list(variants)
            first = 1 if args.no_warm_up else 0
            for r in range(first, args.repeat + 1):  # round 0 warms up (byte code, page cache)
                order = names[r % len(names):] + names[: r % len(names)]
                for name in order:
                    env = {**os.environ, **env_extra, "PYTHONPATH": variants[name]}
                    wall, cpu, peak, err = bench_scale.measure(commands["cmd"], cwd=Path(tmp), env=env)
                    if err:
                        raise SystemExit(f"{name} failed on {workload}: {err}")
                    print(f"    round {r} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MB", flush=True)
                    if r:
                        walls[name].append(wall)
                        cpus[name].append(cpu)
                        peaks[name].append(peak)
            ref = names[0]
            print(f"{workload} ({args.events:,} events)" if workload == "study" else workload, flush=True)
            for name in names:
                ratios = [w / b for w, b in zip(walls[name], walls[ref], strict=True)]
                cpu_ratios = [w / b for w, b in zip(cpus[name], cpus[ref], strict=True)]
                print(f"  {name:<14} wall fastest {min(walls[name]):6.2f} s "
                      f"median {statistics.median(walls[name]):6.2f} s"
                      f"  {name}/{ref} {statistics.median(ratios):.3f} [{min(ratios):.3f}-{max(ratios):.3f}]"
                      f"  CPU median {statistics.median(cpus[name]):6.2f} s  {name}/{ref} "
                      f"{statistics.median(cpu_ratios):.3f} [{min(cpu_ratios):.3f}-{max(cpu_ratios):.3f}]"
                      f"  peak median {statistics.median(peaks[name]):5.0f} MB  rounds {args.repeat}", flush=True)
    print(f"load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def _commands(workload: str, args: argparse.Namespace, tmp: Path) -> dict:
    python = [sys.executable, "-m", "eventstudy.cli"]
    if workload == "study":
        returns, events = bench_scale.workload(args.cache, args.events, args.seed)
        cmd = bench_scale.run_ours(returns, events, tmp / "study", [])
        return {"cmd": [*python, *cmd[1:]]}
    home = tmp / "home"
    files = sorted(str(p) for p in [*args.real.glob("*.csv"), *(args.real / "more").glob("*.csv")])
    env = {"EVENTSTUDY_HOME": str(home)}
    subprocess.run([*python, "prices", "import", *files], env={**os.environ, **env}, check=True, capture_output=True)
    return {"cmd": [*python, "run", "--offline", "--events", str(REPO / "events.csv"), "--out", str(tmp / "reports")],
            "env": env}


if __name__ == "__main__":
    sys.exit(main())
