"""Concurrency harness: writers that serialise, readers that see one generation.

Processes are forked children of the test process as in tests/test_crash.py (its ``_start`` and
``_finish``), started together behind a barrier file so that they meet inside the store:

- two imports of one symbol, 20 trials: the store holds the merge of both files every time;
- a run started during an import, 20 trials: its report is the one of the old store or of the new
  one, never of a mix;
- 1,000 reads of every series through the API under a writer that keeps switching generations: no
  pass mixes two generations.

Small synthetic files keep a trial to a fraction of a second.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import synthetic
from test_crash import EVENT, _finish, _start, _world, report_state

from eventstudy.data.store import PriceStore

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]

TRIALS = 20
PASSES = 1000
SEED = 20261207


def _barrier(go: Path) -> Callable[[], None]:
    """A child patch: wait for ``go`` before starting, so that both children start at once."""
    def wait() -> None:
        deadline = time.monotonic() + 30
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
    return wait


def _late(go: Path, delay: float) -> Callable[[], None]:
    """A child patch: start ``delay`` seconds after ``go``."""
    def wait() -> None:
        _barrier(go)()
        time.sleep(delay)
    return wait


def _bars_csv(path: Path, dates: pd.DatetimeIndex, start: float) -> None:
    closes = start + np.arange(len(dates)) * 0.01
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Open": closes, "High": closes * 1.01, "Low": closes * 0.99,
                  "Close": closes, "Volume": 1e6}).to_csv(path, index=False)


def test_two_imports_of_one_symbol_started_together_keep_both_files(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    _world(base)
    days = synthetic.sessions()
    # Two sources of one symbol over different stretches: the merge holds every date of both.
    _bars_csv(base / "XXX.first.csv", days[:200], 20.0)
    _bars_csv(base / "XXX.second.csv", days[200:400], 22.0)
    union = days[:400]
    orders = []
    for k in range(TRIALS):
        trial = tmp_path / f"t{k}"
        shutil.copytree(base, trial)
        go = trial / "go"
        first = _start(trial, ["prices", "import", "XXX.first.csv"], before=_barrier(go))
        second = _start(trial, ["prices", "import", "XXX.second.csv"], before=_barrier(go))
        go.touch()
        outcomes = [_finish(*first), _finish(*second)]
        assert [o.returncode for o in outcomes] == [0, 0], [o.stderr for o in outcomes]
        frame, meta = PriceStore(trial / "home").read_with_meta("XXX")
        labels = sorted(s["label"] for s in meta["sources"])
        assert labels == ["XXX.first.csv", "XXX.second.csv"], (k, labels)
        assert frame.index.equals(pd.DatetimeIndex(union, name="date")), (k, len(frame))
        orders.append("waited" if any("waiting" in o.stderr for o in outcomes) else "serial")
        shutil.rmtree(trial)
    print(f"two imports of one symbol: {TRIALS} trials, merge of both every time ({orders.count('waited')} "
          "met at the lock)")


def test_a_run_started_during_an_import_sees_one_generation(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    _world(base)
    (base / "events.csv").write_text(synthetic.EVENTS_HEADER + EVENT.format(threshold=5), encoding="utf-8")
    # The import extends the event's security and its benchmark in one switch: the report's
    # provenance (each series' last price date) tells which store the run read, and a mix of the two.
    later = pd.bdate_range("2024-08-01", "2024-10-31")
    stored = PriceStore(base / "home")
    for sym in ("AAA", "^BM"):
        last = float(stored.read(sym)["close"].iloc[-1])
        _bars_csv(base / f"{sym}.later.csv", later, last)
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    run = ["run", "--offline", "--out", "reports"]
    imp = ["prices", "import", "AAA.later.csv", "^BM.later.csv"]

    def reference(with_import: bool) -> tuple[str, float, float]:
        trial = tmp_path / f"ref-{with_import}"
        shutil.copytree(base, trial)
        started = time.monotonic()
        if with_import:
            assert _finish(*_start(trial, imp, **env)).returncode == 0
        imported = time.monotonic()
        done = _finish(*_start(trial, run, **env))
        assert done.returncode == 0, done.stderr
        state = report_state(trial / "reports")
        shutil.rmtree(trial)
        return state, imported - started, time.monotonic() - imported

    old, _, run_took = reference(False)
    new, import_took, _ = reference(True)
    assert old != new
    rng = random.Random(SEED)
    seen = {"old": 0, "new": 0}
    for k in range(TRIALS):
        trial = tmp_path / f"t{k}"
        shutil.copytree(base, trial)
        go = trial / "go"
        # The run starts anywhere from a run's length before the import to the import's end.
        delay = rng.uniform(-run_took, import_took)
        writer = _start(trial, imp, before=_late(go, max(0.0, -delay)), **env)
        reader = _start(trial, run, before=_late(go, max(0.0, delay)), **env)
        go.touch()
        ran, imported = _finish(*reader), _finish(*writer)
        assert (ran.returncode, imported.returncode) == (0, 0), (ran.stderr, imported.stderr)
        state = report_state(trial / "reports")
        assert state in (old, new), f"trial {k}: the run mixed two generations of the store"
        seen["old" if state == old else "new"] += 1
        shutil.rmtree(trial)
    print(f"run during an import: {TRIALS} trials, one generation every time ({seen})")


@contextlib.contextmanager
def _writer(base: Path, symbols: tuple[str, ...], stop: Path) -> Iterator[None]:
    """A child that writes generation after generation (each series carries its number) until ``stop``."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            store = PriceStore(base / "home")
            dates = synthetic.sessions()[:60]
            k = 0
            while not stop.exists():
                k += 1
                frame = synthetic.bars(np.full(len(dates), 10.0 + k), dates)
                store.write_many({s: (frame, {"source": "test", "generation": str(k)}) for s in symbols})
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    try:
        yield
    finally:
        stop.touch()
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def test_api_reads_under_a_writer_never_mix_generations(tmp_path: Path) -> None:
    base = tmp_path / "api"
    symbols = ("AAA", "BBB", "CCC", "^BM")
    dates = synthetic.sessions()[:60]
    store = PriceStore(base / "home")
    store.write_many({s: (synthetic.bars(np.full(len(dates), 10.0), dates), {"source": "test", "generation": "0"})
                      for s in symbols})
    torn, generations = 0, set()
    with _writer(base, symbols, tmp_path / "stop"):
        for _ in range(PASSES):
            with store.pinned() as prices:
                # The metadata and the bars of every series, as a run reads them.
                seen = {prices.meta(s)["generation"] for s in prices.symbols()}
                closes = {float(prices.read(s)["close"].iloc[0]) for s in prices.symbols()}
            torn += len(seen) != 1 or len(closes) != 1
            generations |= seen
    print(f"API under a writer: {PASSES} passes over {len(generations)} generations, {torn} torn")
    assert torn == 0
    assert len(generations) >= 3, "the writer switched generations during the passes"
    store.write_many({})  # the next writer removes the generations the passes had pinned
    assert [p.name for p in store.home.iterdir() if p.name.startswith(".prices.")] == [".prices.lock"]
