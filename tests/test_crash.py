"""SIGKILL harness: `prices import`, `refresh`, `run` and `study` killed at every rename point and at seeded
random moments, as child processes. After each kill the store must read back completely as the old or
the new state, the report folder must hold the previous or the new complete set, and the next
writer must clean what the killed one left.

The kill points come from the package's testing hooks (eventstudy.atomic): EVENTSTUDY_CRASH_AT=N
SIGKILLs the process at its N-th rename point (the points are listed with EVENTSTUDY_CRASH_AT=list),
EVENTSTUDY_CRASH_AFTER=S after S seconds. Each command runs in a forked child of the test process
(the CLI's modules are imported once, so a trial costs its work, not Python's start-up), which
kills itself with SIGKILL: nothing runs after the kill, exactly as with `kill -9` from outside.
Small synthetic data keep each trial well under a second or two.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import synthetic

from eventstudy import atomic, cli, locks
from eventstudy.atomic import recover_dir
from eventstudy.data.store import PriceStore

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]

SEED = 20260114
POINTS = 20  # kill points per command, at least
EVENT = ('jump,2024-06-03,10:00,America/New_York,AAA jumps,https://example.com/a,AAA,,'
         '"session_return(AAA) > {threshold}% ""jumped""",confirmed,\n')


@dataclass
class Outcome:
    returncode: int  # -9 when killed
    stderr: str


def _start(base: Path, args: list[str], before: Callable[[], None] | None = None, **extra: str) -> tuple[int, int]:
    """Fork a child running the CLI with ``extra`` in its environment: (pid, read end of its stderr).
    ``before`` runs in the child first (to patch it)."""
    argv = ["--securities", str(base / "securities.csv"), *args]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 70
        try:
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(write_end, 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the child exits without cleanup
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            os.chdir(base)
            os.environ.update(EVENTSTUDY_HOME=str(base / "home"), MPLBACKEND="Agg", **extra)
            atomic._points[0] = 0
            if before is not None:
                before()
            try:
                cli.main(argv)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            os.write(2, f"child failed: {exc!r}\n".encode())
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _finish(pid: int, read_end: int) -> Outcome:
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return Outcome(code, b"".join(chunks).decode(errors="replace"))


def _cli(base: Path, args: list[str], **extra: str) -> Outcome:
    return _finish(*_start(base, args, **extra))


def store_state(home: Path) -> str:
    """The whole store as one hash: every security read back through the package."""
    store = PriceStore(home)
    h = hashlib.sha256()
    for symbol in store.symbols():
        frame = store.read(symbol)  # raises on a torn or damaged file
        h.update(symbol.encode() + frame.to_csv().encode())
    return h.hexdigest()


def report_state(out: Path) -> str:
    """The report folder as one hash: its file names and the content of its tables."""
    if not out.exists():
        return "absent"
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        h.update(str(p.relative_to(out)).encode())
        if p.suffix in (".csv", ".json") and p.name != "changes.json":
            h.update(p.read_bytes())
    return h.hexdigest()


@dataclass
class Scenario:
    name: str
    base: Path
    args: list[str]
    out: str = "reports"  # the output folder that must switch whole


def _world(base: Path) -> None:
    synthetic.make_store(base / "home", jumps={"AAA": {"2024-06-03": 0.10}})
    synthetic.registry(base)
    (base / "events.csv").write_text(synthetic.EVENTS_HEADER + EVENT.format(threshold=5), encoding="utf-8")


def _history_csv(path: Path, closes: np.ndarray) -> None:
    dates = synthetic.sessions()[: len(closes)]
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Open": closes, "High": closes * 1.01,
                  "Low": closes * 0.99, "Close": closes, "Volume": 1e6}).to_csv(path, index=False)


def import_scenario(root: Path) -> Scenario:
    base = root / "import"
    base.mkdir()
    _world(base)
    files = []
    for k, sym in enumerate(["AAA", "BBB", "CCC", "XXX", "YYY"]):
        _history_csv(base / f"{sym}.csv", 20 + k + np.cumsum(np.full(300, 0.01)))
        files.append(f"{sym}.csv")
    return Scenario("import", base, ["prices", "import", *files])


def run_scenario(root: Path) -> Scenario:
    base = root / "run"
    base.mkdir()
    _world(base)
    assert _cli(base, ["run", "--offline", "--out", "reports"]).returncode == 0
    (base / "events.csv").write_text(synthetic.EVENTS_HEADER + EVENT.format(threshold=50)
                                     + EVENT.replace("jump,", "second,").format(threshold=1), encoding="utf-8")
    return Scenario("run", base, ["run", "--offline", "--out", "reports"])


def refresh_scenario(root: Path) -> Scenario:
    base = root / "refresh"
    base.mkdir()
    _world(base)
    for sym in ("XXX", "YYY"):
        _history_csv(base / f"{sym}.csv", 30 + np.cumsum(np.full(200, 0.02)))
    assert _cli(base, ["prices", "import", "XXX.csv", "YYY.csv"]).returncode == 0
    first = _cli(base, ["refresh", "--offline", "--out", "reports"])
    assert first.returncode == 0, first.stderr
    for sym in ("XXX", "YYY"):  # both imported files changed: a two-file re-import, then new reports
        _history_csv(base / f"{sym}.csv", 31 + np.cumsum(np.full(220, 0.02)))
    (base / "events.csv").write_text(synthetic.EVENTS_HEADER + EVENT.format(threshold=50), encoding="utf-8")
    return Scenario("refresh", base, ["refresh", "--offline", "--out", "reports"])


def study_scenario(root: Path) -> Scenario:
    """`study` replacing a previous study's four CSVs (written during the battery) with a new set."""
    base = root / "study"
    base.mkdir()
    _world(base)
    rng = np.random.default_rng(SEED)
    days = pd.bdate_range("2023-01-02", periods=400)
    mkt = rng.normal(0, 0.01, len(days))
    wide = {"MKT": mkt, **{f"S{k}": 0.9 * mkt + rng.normal(0, 0.01, len(days)) for k in range(6)}}
    pd.DataFrame(wide, index=days.rename("date")).to_csv(base / "returns.csv", float_format="%.6f")
    args = ["study", "--returns", "returns.csv", "--events", "events-study.csv", "--market", "MKT",
            "--estimation", "-120:-11", "--window", "-5:5", "--bootstrap", "50", "--out", "study-output"]
    (base / "events-study.csv").write_text("symbol,date\nS0,2024-03-04\nS1,2024-03-04\n", encoding="utf-8")
    assert _cli(base, args).returncode == 0
    (base / "events-study.csv").write_text("symbol,date\nS2,2024-04-01\nS3,2024-04-02\nS4,2024-05-06\n",
                                           encoding="utf-8")
    return Scenario("study", base, args, out="study-output")


def _trial(sc: Scenario, root: Path, label: str, extra: dict[str, str]) -> tuple[str, str, str, str]:
    trial = root / f"{sc.name}-{label}"
    shutil.copytree(sc.base, trial, symlinks=True)
    proc = _cli(trial, sc.args, **extra)
    killed = proc.returncode == -signal.SIGKILL
    assert killed or proc.returncode == 0, (label, proc.returncode, proc.stderr)
    # What a reader sees right after the kill, before anyone cleans up.
    store, report = store_state(trial / "home"), report_state(trial / sc.out)
    # The next writer cleans the killed one's leftovers.
    PriceStore(trial / "home").write_many({})
    recover_dir(trial / sc.out)
    leftovers = [p.name for d in (trial, trial / "home") for p in d.iterdir() if ".new-" in p.name
                 or ".old-" in p.name or ".ready-" in p.name]
    assert leftovers == [], (label, leftovers)
    assert not [p for p in (trial / "home" / "prices").iterdir() if p.name.startswith(".")], label
    assert not list((trial / "home").glob(".*.tmp")), (label, "a killed run's temporary file was left")
    shutil.rmtree(trial)
    return label, "killed" if killed else "finished", store, report


def _points(sc: Scenario, root: Path) -> tuple[int, float, str, str]:
    """(number of rename points, seconds of a whole run, new store state, new report state)."""
    trial = root / f"{sc.name}-reference"
    shutil.copytree(sc.base, trial, symlinks=True)
    started = time.monotonic()
    proc = _cli(trial, sc.args, EVENTSTUDY_CRASH_AT="list")
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    n = sum(1 for line in proc.stderr.splitlines() if line.startswith("rename point "))
    new = store_state(trial / "home"), report_state(trial / sc.out)
    shutil.rmtree(trial)
    return n, took, *new


@pytest.mark.parametrize("make", [import_scenario, run_scenario, refresh_scenario, study_scenario],
                         ids=["import", "run", "refresh", "study"])
def test_sigkill_at_every_rename_and_at_random_leaves_old_or_new(
    tmp_path: Path, make: Callable[[Path], Scenario]
) -> None:
    sc = make(tmp_path)
    old = store_state(sc.base / "home"), report_state(sc.base / sc.out)
    n, took, *new = _points(sc, tmp_path)
    assert n >= 2, "every command passes at least one switch"
    rng = random.Random(f"{SEED}-{sc.name}")
    trials = [(f"point{k}", {"EVENTSTUDY_CRASH_AT": str(k)}) for k in range(1, n + 1)]
    # Seeded moments over the whole run (start-up included), enough for POINTS kill points in all.
    for k in range(max(POINTS - n, 6)):
        trials.append((f"t{k}", {"EVENTSTUDY_CRASH_AFTER": f"{rng.uniform(0.0, took):.3f}"}))
    outcomes = [_trial(sc, tmp_path, *t) for t in trials]
    for label, how, store, report in outcomes:
        assert store in (old[0], new[0]), (sc.name, label, how, "store is neither old nor new")
        assert report in (old[1], new[1]), (sc.name, label, how, "report folder is neither old nor new")
    killed = sum(o[1] == "killed" for o in outcomes)
    print(f"{sc.name}: {len(outcomes)} trials ({n} rename points, {len(outcomes) - n} seeded moments), "
          f"{killed} killed, run of {took:.2f} s")
    assert len(outcomes) >= POINTS
    killed_at_points = [o for o in outcomes if o[0].startswith("point") and o[1] == "killed"]
    assert len(killed_at_points) == n  # every rename point was reached and killed
    # The harness is not vacuous: the kills produced both outcomes.
    states = {(o[2], o[3]) for o in outcomes}
    assert len(states) >= 2, states


def _pause_inside_refresh_lock(held: Path, go: Path) -> Callable[[], None]:
    """A child patch: once the refresh lock is held, say so (``held``) and wait for ``go``, so
    that a second refresh meets the lock however fast the first one's work is."""
    def patch() -> None:
        real = locks.hold

        @contextlib.contextmanager
        def hold(path: str | Path, what: str, *, timeout: float) -> Iterator[None]:
            with real(path, what, timeout=timeout):
                if Path(path).name == ".refresh.lock":
                    held.touch()
                    deadline = time.monotonic() + 60
                    while not go.exists() and time.monotonic() < deadline:
                        time.sleep(0.01)
                yield

        locks.hold = hold  # type: ignore[assignment]
    return patch


def test_two_refreshes_started_together_one_works_the_other_exits_3(tmp_path: Path) -> None:
    sc = refresh_scenario(tmp_path)
    held, go = tmp_path / "held", tmp_path / "go"
    first = _start(sc.base, sc.args, before=_pause_inside_refresh_lock(held, go))
    deadline = time.monotonic() + 60
    while not held.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert held.exists(), "the first refresh never took its lock"
    second = _cli(sc.base, sc.args)
    go.touch()
    done = _finish(*first)
    assert done.returncode == 0, done.stderr
    assert second.returncode == 3, second.stderr
    assert "already running" in second.stderr and f"pid {first[0]}" in second.stderr
    waited = _cli(sc.base, [*sc.args, "--wait", "60"])  # after the first: nothing changed, exit 0
    assert waited.returncode == 0, waited.stderr
