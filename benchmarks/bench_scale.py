"""Benchmark at scale: our CLI end to end, side by side with the PyPI `eventstudy` 0.1a12 and a numpy floor.

Usage (from the repository root, with the package installed)::

    python benchmarks/bench_scale.py                          # 1k, 10k and 100k events, all systems
    python benchmarks/bench_scale.py --events 10000 --repeat 3
    python benchmarks/bench_scale.py --events 1000000             # 1M events (not in CI; see below)
    python benchmarks/bench_scale.py --startup-only            # --help times and a warm `run --offline`
    python benchmarks/bench_scale.py --no-startup --models market,ff3 --events 10000 --repeat 3
    python benchmarks/bench_scale.py --no-startup --models market,garch --events 1000   # 1,000 securities

The workload (seeded, cached under ``--cache``): a wide CSV of daily returns, 2,000 series plus a
market column over 3,000 business days (about 65 MB), and an events file per size drawing securities
and dates at random (repeated (security, date) pairs included). Every system fits the market model
on the 250 days [-260, -11] and studies the event window [-10, +10]:

- ``ours``: ``eventstudy study --returns ... --market MKT`` with the full default battery, CSV in to
  ar.csv, car.csv, tests.csv and estimates.csv out;
- ``peer``: PyPI ``eventstudy==0.1a12`` (AR, CAR and their t only) in its own virtual environment,
  created on first use under the cache (its import name clashes with ours); it writes the per-event
  ARs and its aggregate table;
- ``numpy``: the floor: the same pandas CSV parser, then plain numpy for AR, CAR and BMP, 100,000
  events at a time (so that a million fit in memory, as our engine's chunks do), writing the
  per-event CARs.

Each system runs in its own process; wall time, CPU time (user + system, children included) and peak
resident memory come from ``os.wait4``. Every system runs with its byte code cached, as an installed
package does (under the cache, even where PYTHONDONTWRITEBYTECODE is set; :func:`child_env`), after
one unmeasured run on 1,000 events. ``eventstudy study`` runs the chunked engine (chunks of about
1,150 events here), so its memory grows only with the per-event tables (about 1.3 KB per event on this
workload, docs/performance.md); a size that would not fit in this machine's available memory is skipped with a message
rather than run into swap on a shared machine (``--force`` runs it anyway).
On a shared machine the ratios are what counts. ``--repeat N`` runs N rounds, each running every
system once, one after the other; the table keeps each system's fastest run, and below it the median
(and range) over the rounds of each round's own ratios, which compare runs made under the same load.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
N_SERIES = 2000
N_DAYS = 3000
EST = (-260, -11)
WIN = (-10, 10)
PEER = "eventstudy==0.1a12"
# Our chunked engine's measured growth on this workload (docs/performance.md): used to refuse a
# size that would not fit in this machine's memory instead of pushing a shared machine into swap.
OURS_MB = (400.0, 1.5e-3)  # fixed, per event


@dataclass
class Run:
    system: str
    events: int
    wall: float
    cpu: float
    peak_mb: float
    ok: bool
    note: str = ""


# Where the children's byte code is cached (set by main: under --cache).
BYTECODE: Path | None = None


def child_env(env: dict | None = None, bytecode: Path | None = None) -> dict:
    """Every system runs as an installed package runs: its byte code compiled once, then read
    (under ``bytecode``, by default :data:`BYTECODE`).

    A machine that sets PYTHONDONTWRITEBYTECODE=1 (ours do, and CI) would otherwise have each run of
    ``eventstudy`` compile the package's 10,000 lines from source, 40-60 ms of a 10k-event run that
    no user of an installed package pays (pip compiles on install; an editable install writes its
    byte code on first import). The byte code goes under the cache (PYTHONPYCACHEPREFIX), not into
    the source tree; :func:`warm_up` fills it before anything is measured."""
    env = dict(os.environ if env is None else env)
    bytecode = bytecode or BYTECODE
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def measure(cmd: list[str], *, cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process, and its stderr tail on failure."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=child_env(env), stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-600:] if proc.returncode else ""
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, tail


# -- the workload -------------------------------------------------------------------------------
def workload(cache: Path, n_events: int, seed: int) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd

    cache.mkdir(parents=True, exist_ok=True)
    returns = cache / f"returns-{N_SERIES}x{N_DAYS}-s{seed}.csv"
    dates = pd.bdate_range("2010-01-04", periods=N_DAYS)
    if not returns.exists():
        rng = np.random.default_rng(seed)
        m = rng.normal(0.0004, 0.01, N_DAYS)
        beta = rng.uniform(0.5, 1.5, N_SERIES)
        r = 0.0002 + m[:, None] * beta + rng.normal(0, 0.02, (N_DAYS, N_SERIES))
        frame = pd.DataFrame(np.column_stack([m, r]), index=dates.strftime("%Y-%m-%d"),
                             columns=["MKT", *(f"S{i:04d}" for i in range(N_SERIES))])
        frame.index.name = "date"
        tmp = returns.with_suffix(".tmp")
        frame.to_csv(tmp, float_format="%.6f")
        tmp.replace(returns)
    events = cache / f"events-{n_events}-s{seed}.csv"
    if not events.exists():
        rng = np.random.default_rng(seed + n_events)
        # Every event has its full estimation and event window inside the data (the peer needs it).
        pos = rng.integers(-EST[0] + 1, N_DAYS - WIN[1] - 1, n_events)
        sym = rng.integers(0, N_SERIES, n_events)
        frame = pd.DataFrame({"symbol": [f"S{i:04d}" for i in sym], "date": dates[pos].strftime("%Y-%m-%d")})
        tmp = events.with_suffix(".tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(events)
    return returns, events


# -- the systems --------------------------------------------------------------------------------
def eventstudy_exe() -> str:
    exe = Path(sys.executable).parent / "eventstudy"
    return str(exe) if exe.exists() else shutil.which("eventstudy") or "eventstudy"


def run_ours(returns: Path, events: Path, out: Path, extra: list[str]) -> list[str]:
    return [eventstudy_exe(), "study", "--returns", str(returns), "--events", str(events), "--market", "MKT",
            "--model", "market", "--estimation", f"{EST[0]}:{EST[1]}", "--window", f"{WIN[0]}:{WIN[1]}",
            "--out", str(out), *extra]


PEER_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import pandas as pd
    import eventstudy as es

    returns, events, out = sys.argv[1:4]
    es.Single.import_returns(returns)
    ev = pd.read_csv(events)
    sample = [dict(security_ticker=s, market_ticker="MKT", event_date=np.datetime64(d))
              for s, d in zip(ev["symbol"], ev["date"])]
    agg = es.Multiple.from_list(sample, es.Single.market_model, event_window=(W0, W1),
                                estimation_size=EST_SIZE, buffer_size=BUFFER)
    agg.results(asterisks=False).to_csv(out + "/aggregate.csv")
    pd.DataFrame(np.array([e.AR for e in agg.sample])).to_csv(out + "/ar.csv")
""")
for _k, _v in {"EST_SIZE": EST[1] - EST[0] + 1, "BUFFER": WIN[0] - EST[1] - 1, "W0": WIN[0], "W1": WIN[1]}.items():
    PEER_SCRIPT = PEER_SCRIPT.replace(_k, str(_v))

FLOOR_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import pandas as pd

    returns, events, out = sys.argv[1:4]
    frame = pd.read_csv(returns, index_col=0)
    dates = frame.index.to_numpy()
    r = frame.to_numpy()
    cols = {c: i for i, c in enumerate(frame.columns)}
    ev = pd.read_csv(events)
    day0_all = np.searchsorted(dates, ev["date"].to_numpy())
    sec_all = np.array([cols[s] for s in ev["symbol"]])
    m_col = cols["MKT"]
    rel = np.arange(EST0, W1 + 1)
    est = rel <= EST1
    win = rel >= W0
    L = est.sum()
    n = len(ev)
    cars, s1, s2 = [], 0.0, 0.0
    # A block of events at a time, as anyone would write it for a million: the whole (events x 271)
    # panels at 1M would need about 18 GB.
    for b in range(0, n, 100_000):
        day0, sec = day0_all[b:b + 100_000], sec_all[b:b + 100_000]
        rows = day0[:, None] + rel[None, :]
        y = r[rows, sec[:, None]]
        m = r[rows, m_col]
        ye, me = y[:, est], m[:, est]
        mx, my = me.mean(1), ye.mean(1)
        beta = ((me - mx[:, None]) * (ye - my[:, None])).sum(1) / ((me - mx[:, None]) ** 2).sum(1)
        alpha = my - beta * mx
        ar = y - alpha[:, None] - beta[:, None] * m
        s2_e = (ar[:, est] ** 2).sum(1) / (L - 2)
        smm = ((me - mx[:, None]) ** 2).sum(1)
        var = s2_e[:, None] * (1 + 1 / L + (m[:, win] - mx[:, None]) ** 2 / smm[:, None])
        cars.append(ar[:, win].sum(1))
        sar = ar[:, win] / np.sqrt(var)
        s1 = s1 + sar.sum(0)
        s2 = s2 + (sar ** 2).sum(0)
    mean = s1 / n
    bmp = np.sqrt(n) * mean / np.sqrt((s2 - n * mean ** 2) / (n - 1))
    pd.DataFrame({"symbol": ev["symbol"], "date": ev["date"], "car": np.concatenate(cars)}).to_csv(
        out + "/car.csv", index=False)
    pd.DataFrame({"day": rel[win], "bmp": bmp}).to_csv(out + "/bmp.csv", index=False)
""").replace("EST0", str(EST[0])).replace("EST1", str(EST[1])).replace("W0", str(WIN[0])).replace("W1", str(WIN[1]))


def peer_python(cache: Path) -> Path:
    """The PyPI package's own virtual environment, created once under the cache."""
    venv = cache / "peer-venv"
    py = venv / "bin" / "python"
    if not (venv / ".ready").exists():
        print(f"creating {venv} with {PEER} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", PEER], check=True)
        (venv / ".ready").touch()
    return py


def available_mb() -> float:
    try:
        with open("/proc/meminfo") as fh:
            info = dict(line.split(":", 1) for line in fh)
        return int(info["MemAvailable"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return float("inf")


def run_size(n: int, systems: list[str], cache: Path, seed: int, repeat: int, extra: list[str],
             force: bool = False) -> tuple[list[Run], list[dict[str, Run]]]:
    """Each system's fastest run of ``repeat``, and the rounds: the systems run one after the other
    in each round (ours, peer, floor, then again), so a round's ratios compare runs made under the
    same load, and their median is what a shared machine's noise disturbs least."""
    returns, events = workload(cache, n, seed)
    need = OURS_MB[0] + OURS_MB[1] * n
    if "ours" in systems and not force and need > 0.8 * available_mb():
        print(f"  {'ours':<6} {n:>9,} events  skipped: needs about {need:,.0f} MB, "
              f"{available_mb():,.0f} MB available (--force to run anyway)", flush=True)
        systems = [s for s in systems if s != "ours"]
    rounds: list[dict[str, Run]] = []
    for _ in range(repeat):
        done: dict[str, Run] = {}
        for system in systems:
            wall, cpu, peak, err, produced = run_system(system, returns, events, cache, extra)
            done[system] = Run(system, n, wall, cpu, peak, not err and produced > 0,
                               err.strip().splitlines()[-1] if err else "")
        rounds.append(done)
    runs = []
    for system in systems:
        tries = [r[system] for r in rounds]
        best = min((t for t in tries if t.ok), key=lambda t: t.wall, default=tries[0])
        runs.append(best)
        status = "" if best.ok else f"  FAILED: {best.note}"
        print(f"  {system:<6} {n:>9,} events  {best.wall:8.2f} s wall  {best.cpu:8.2f} s CPU  "
              f"{best.peak_mb:8.0f} MB{status}", flush=True)
    return runs, rounds


def run_system(system: str, returns: Path, events: Path, cache: Path,
               extra: list[str]) -> tuple[float, float, float, str, int]:
    """One measured run of ``system``: wall, CPU, peak MB, stderr tail on failure, CSV files written."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{system}-") as out:
        if system == "ours":
            cmd = run_ours(returns, events, Path(out) / "study", extra)  # not the current folder
        elif system == "peer":
            cmd = [str(peer_python(cache)), "-c", PEER_SCRIPT, str(returns), str(events), out]
        else:
            cmd = [sys.executable, "-c", FLOOR_SCRIPT, str(returns), str(events), out]
        # The peer's import name clashes with ours: run it where ours cannot shadow it.
        wall, cpu, peak, err = measure(cmd, cwd=Path(out))
        return wall, cpu, peak, err, len(list(Path(out).rglob("*.csv")))


def warm_up(systems: list[str], cache: Path, seed: int, extra: list[str]) -> None:
    """One unmeasured run of each system on 1,000 events: byte code compiled (:func:`child_env`),
    files in the page cache."""
    returns, events = workload(cache, 1000, seed)
    for system in systems:
        run_system(system, returns, events, cache, extra)


def paired(rounds_by_size: dict[int, list[dict[str, Run]]]) -> list[str]:
    """Per size, the median (and range) over the rounds of each round's own ratios, wall time."""
    import statistics

    lines = []
    for n, rounds in sorted(rounds_by_size.items()):
        parts = []
        for label, a, b in (("peer/ours", "peer", "ours"), ("ours/floor", "ours", "numpy")):
            ratios = [r[a].wall / r[b].wall for r in rounds if a in r and b in r and r[a].ok and r[b].ok]
            if ratios:
                parts.append(f"{label} {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]")
        if parts and len(rounds) > 1:
            lines.append(f"  {n:>9,} events, {len(rounds)} rounds: " + "; ".join(parts))
    return lines


def table(runs: list[Run]) -> str:
    """Per size: each system's figures, and on our row the ratios (wall, and CPU, which a busy
    shared machine distorts less)."""
    by = {(r.system, r.events): r for r in runs}
    sizes = sorted({r.events for r in runs})
    lines = ["| events | system | wall s | CPU s | peak MB | peer/ours wall | peer/ours CPU | ours/floor wall | "
             "ours/floor CPU | ours/peer memory |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def ratio(a: Run | None, b: Run | None, attr: str, fmt: str) -> str:
        if a is None or b is None or not (a.ok and b.ok):
            return ""
        return fmt.format(getattr(a, attr) / getattr(b, attr))

    for n in sizes:
        ours, peer, floor = by.get(("ours", n)), by.get(("peer", n)), by.get(("numpy", n))
        for r in (x for x in (ours, peer, floor) if x is not None):
            cells = ["", "", "", "", ""]
            if r is ours:
                cells = [ratio(peer, ours, "wall", "{:.2f}x"), ratio(peer, ours, "cpu", "{:.2f}x"),
                         ratio(ours, floor, "wall", "{:.2f}x"), ratio(ours, floor, "cpu", "{:.2f}x"),
                         ratio(ours, peer, "peak_mb", "{:.2f}")]
            fail = "" if r.ok else " (failed)"
            lines.append(f"| {n:,} | {r.system}{fail} | {r.wall:.2f} | {r.cpu:.2f} | {r.peak_mb:,.0f} | "
                         + " | ".join(cells) + " |")
    return "\n".join(lines)


def startup(real: Path, repeat: int) -> list[str]:
    """--help of every command, and a warm offline run of the news-claims workflow on real data."""
    exe = eventstudy_exe()
    lines = []
    commands = [[], ["prices"], ["prices", "import"], ["prices", "fetch"], ["prices", "status"],
                ["prices", "export"], ["run"], ["study"], ["events"], ["securities"]]
    worst = 0.0
    for c in commands:
        wall = min(measure([exe, *c, "--help"])[0] for _ in range(repeat))
        worst = max(worst, wall)
        lines.append(f"  eventstudy {' '.join([*c, '--help']):<28} {wall:.3f} s")
    lines.append(f"  slowest --help: {worst:.3f} s (target < 0.3 s)")
    if real.is_dir():
        with tempfile.TemporaryDirectory(prefix="bench-run-") as d:
            env = {**os.environ, "EVENTSTUDY_HOME": str(Path(d) / "home")}
            files = sorted(str(p) for p in real.glob("*.csv"))
            subprocess.run([exe, "prices", "import", *files], env=env, check=True, capture_output=True)
            events = REPO / "events.csv"
            cmd = [exe, "run", "--offline", "--events", str(events), "--out", str(Path(d) / "reports")]
            measure(cmd, env=env)  # warm: caches, byte code, the store's files
            wall, cpu, peak, err = min((measure(cmd, env=env) for _ in range(repeat)), key=lambda x: x[0])
            state = "" if not err else f"  FAILED: {err.strip().splitlines()[-1]}"
            lines.append(f"  eventstudy run --offline (warm, {real}): {wall:.2f} s wall, {cpu:.2f} s CPU, "
                         f"{peak:,.0f} MB{state}")
    else:
        lines.append(f"  (no {real}: skipped the warm `run --offline`)")
    return lines


# -- the normal-return models side by side (issue 25) ---------------------------------------------
MODELS = ("market", "ff3", "carhart", "ff5", "garch")


def factor_files(cache: Path, seed: int) -> list[Path]:
    """The workload's factors in Kenneth French's published layout (percent, YYYYMMDD, notes and
    footer): Mkt-RF from the workload's market column, the others drawn (seeded); a five-factor file
    and a momentum file, as the data library ships them."""
    import numpy as np
    import pandas as pd

    five = cache / f"F-F_Research_Data_5_Factors_2x3_daily-s{seed}.CSV"
    mom = cache / f"F-F_Momentum_Factor_daily-s{seed}.CSV"
    if not (five.exists() and mom.exists()):
        returns, _ = workload(cache, 1000, seed)
        mkt = pd.read_csv(returns, usecols=["date", "MKT"], index_col="date")["MKT"].to_numpy()
        rng = np.random.default_rng(seed + 7)
        dates = pd.bdate_range("2010-01-04", periods=N_DAYS).strftime("%Y%m%d")
        rf = np.full(N_DAYS, 0.01)
        other = rng.normal(0, 0.5, (N_DAYS, 5))
        rows = [f"{d},{m * 100 - r:8.2f},{o[0]:8.2f},{o[1]:8.2f},{o[2]:8.2f},{o[3]:8.2f},{r:8.2f}"
                for d, m, r, o in zip(dates, mkt, rf, other, strict=True)]
        foot = ["", "Copyright 2026 Eugene F. Fama and Kenneth R. French", ""]
        five.write_text("\r\n".join(["This file was created by the benchmark (synthetic factors).", "",
                                      ",Mkt-RF,SMB,HML,RMW,CMA,RF", *rows, *foot]))
        mom.write_text("\r\n".join(["Synthetic momentum factor.", "", ",Mom",
                                     *(f"{d},{o[4]:8.2f}" for d, o in zip(dates, other, strict=True)), *foot]))
    return [five, mom]


def distinct_events(cache: Path, n_events: int, seed: int) -> Path:
    """One event per security (GARCH is fitted per security): ``n_events`` distinct series."""
    import numpy as np
    import pandas as pd

    path = cache / f"events-distinct-{n_events}-s{seed}.csv"
    if not path.exists():
        rng = np.random.default_rng(seed + 3 * n_events)
        dates = pd.bdate_range("2010-01-04", periods=N_DAYS)
        pos = rng.integers(-EST[0] + 1, N_DAYS - WIN[1] - 1, n_events)
        sym = rng.choice(N_SERIES, size=n_events, replace=False)
        pd.DataFrame({"symbol": [f"S{i:04d}" for i in sym], "date": dates[pos].strftime("%Y-%m-%d")}).to_csv(
            path, index=False)
    return path


def run_models(models: list[str], sizes: list[int], cache: Path, seed: int, repeat: int) -> list[str]:
    """Our study with each model on the same workload, the models of a round one after the other;
    each model's fastest run, and the median over the rounds of each round's ratio to the market model."""
    import statistics

    factors = factor_files(cache, seed)
    lines = []
    for n in sizes:
        returns, events = workload(cache, n, seed)
        if "garch" in models:
            events = distinct_events(cache, min(n, N_SERIES), seed)
        rounds: list[dict[str, Run]] = []
        for _ in range(repeat):
            done = {}
            for model in models:
                extra = ["--model", model]
                if model in ("ff3", "carhart", "ff5"):
                    extra += ["--factors", str(factors[0])] + (["--factors", str(factors[1])] if model == "carhart"
                                                              else [])
                with tempfile.TemporaryDirectory(prefix="bench-model-") as out:
                    wall, cpu, peak, err = measure(run_ours(returns, events, Path(out) / "study", extra), cwd=Path(out))
                done[model] = Run(model, n, wall, cpu, peak, not err, err.strip().splitlines()[-1] if err else "")
            rounds.append(done)
        for model in models:
            best = min((r[model] for r in rounds), key=lambda r: r.wall)
            ratios = [r[model].wall / r["market"].wall for r in rounds if "market" in r]
            vs = (f"  {model}/market {statistics.median(ratios):.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]"
                  if ratios and model != "market" else "")
            status = "" if best.ok else f"  FAILED: {best.note}"
            lines.append(f"  {model:<8} {n:>9,} events  {best.wall:8.2f} s wall  {best.cpu:8.2f} s CPU  "
                         f"{best.peak_mb:8.0f} MB{vs}{status}")
            print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, nargs="+", default=[1000, 10000, 100000], help="sizes to run")
    ap.add_argument("--systems", default="ours,peer,numpy", help="comma-separated: ours, peer, numpy")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds per size (each runs every system once); the table keeps the fastest run, "
                    "the paired ratios take the median over the rounds")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                    / "eventstudy-bench", help="workload files and the peer's virtualenv")
    ap.add_argument("--real", type=Path, default=REPO.parent / "shared" / "data" / "real",
                    help="real prices for the warm `run --offline`")
    ap.add_argument("--startup-only", action="store_true")
    ap.add_argument("--no-startup", action="store_true")
    ap.add_argument("--ours-args", default="", help="extra arguments for `eventstudy study`")
    ap.add_argument("--force", action="store_true", help="run sizes even when they may not fit in memory")
    ap.add_argument("--models", default="", help=f"instead of the systems: our study under each of these models "
                    f"({', '.join(MODELS)}), paired against market; garch draws one event per security")
    args = ap.parse_args(argv)

    global BYTECODE
    BYTECODE = args.cache / "bytecode"
    cpus = os.cpu_count()
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    print(f"machine: {platform.platform()}, {cpus} CPU(s), load {load}; Python {platform.python_version()}")
    print(f"workload: {N_SERIES:,} series x {N_DAYS:,} business days; market model, estimation "
          f"[{EST[0]},{EST[1]}], event window [{WIN[0]},+{WIN[1]}]; seed {args.seed}")
    if not args.no_startup:
        print("startup:")
        for line in startup(args.real, max(args.repeat, 3)):
            print(line)
    if args.startup_only:
        return 0
    if args.models:
        models = [m.strip() for m in args.models.split(",") if m.strip()]
        warm_up(["ours"], args.cache, args.seed, [])
        print(f"models ({max(1, args.repeat)} rounds, fastest run; ratio: median [range] of each round's own):")
        run_models(models, args.events, args.cache, args.seed, max(1, args.repeat))
        return 0
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    warm_up(systems, args.cache, args.seed, args.ours_args.split())
    runs: list[Run] = []
    rounds: dict[int, list[dict[str, Run]]] = {}
    for n in args.events:
        print(f"{n:,} events:", flush=True)
        best, rounds[n] = run_size(n, systems, args.cache, args.seed, max(1, args.repeat), args.ours_args.split(),
                                   args.force)
        runs += best
    print()
    print(table(runs))
    if lines := paired(rounds):
        print()
        print("paired ratios, wall time (median [range] of each round's own ratio; the systems of a round run "
              "one after the other):")
        print("\n".join(lines))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
