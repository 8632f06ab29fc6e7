"""Startup cost: the CLI's module and every --help load no heavy library (pandas, scipy, statsmodels).

Checked in a fresh interpreter through ``sys.modules``, not by timing: the time is measured by
benchmarks/bench_scale.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "scipy", "statsmodels", "matplotlib", "yfinance")

PROBE = """
import json, sys
import eventstudy.cli as cli
loaded = {"import": [m for m in HEAVY if m in sys.modules]}
def walk(group, path):
    import click
    yield path
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            yield from walk(sub, [*path, name])
for path in list(walk(cli.cli, [])):
    try:
        cli.main([*path, "--help"])
    except SystemExit:
        pass
    loaded[" ".join(path) or "(top)"] = [m for m in HEAVY if m in sys.modules]
print("\\n" + json.dumps(loaded))
"""


def _probe() -> dict[str, list[str]]:
    code = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cli_import_and_every_help_load_no_heavy_library() -> None:
    loaded = _probe()
    assert loaded["import"] == [], loaded["import"]
    assert len(loaded) > 5  # the walk reached the subcommands
    heavy = {cmd: mods for cmd, mods in loaded.items() if mods}
    assert heavy == {}, heavy


def test_public_api_still_resolves_lazily() -> None:
    code = (
        "import sys, eventstudy as es\n"
        "before = 'pandas' in sys.modules\n"
        "print(before, es.EventStudy.__name__, es.Window(-1, 1).label, 'EventStudy' in dir(es))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "EventStudy", "[-1,+1]", "True"]


def test_a_small_study_and_its_adjusted_p_values_load_neither_scipy_stats_nor_statsmodels() -> None:
    """scipy.stats (through statsmodels' multipletests, and scipy's exact Wilcoxon test for a group
    of up to 50) was a third of a warm `eventstudy run`: the battery and the verdicts' Holm and
    Benjamini-Hochberg adjustments give the same numbers without it (tests/test_diagnostics.py,
    tests/test_multiple.py)."""
    code = """
import sys, types
import numpy as np, pandas as pd
from eventstudy import EventStudy, Window
from eventstudy.news import verdicts
rng = np.random.default_rng(3)
dates = pd.bdate_range("2024-01-01", periods=400)
data = pd.DataFrame(rng.normal(0, 0.01, (400, 9)), index=dates, columns=[f"S{i}" for i in range(8)] + ["MKT"])
events = pd.DataFrame({"symbol": [f"S{i}" for i in range(8)], "date": [dates[350]] * 8})
result = EventStudy(data, events, market="MKT", window=Window(-1, 1)).fit()
names = set(result.tests["statistic"])
vs = [types.SimpleNamespace(extra={"p_value": p}) for p in (0.01, 0.2, float("nan"), 0.04)]
verdicts.adjust(vs)
print("Wilcoxon signed-rank" in names, vs[0].extra["p_holm"] == 0.03,
      [m for m in ("scipy.stats", "statsmodels") if m in sys.modules])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "True True []", done.stdout + done.stderr


def test_heavy_imports_pause_the_collector_then_freeze_what_they_loaded() -> None:
    """The imports run without cyclic collections and what they made is frozen afterwards (no later
    collection walks it again); release() gives it back, and a host's own freeze is left alone."""
    import gc

    from eventstudy.stats import startup

    assert gc.get_freeze_count() == 0 and gc.isenabled()
    try:
        with startup.heavy_imports():
            during = gc.isenabled()
            made = [[i] for i in range(1000)]  # tracked objects alive when the block ends
        assert not during and gc.isenabled()
        assert gc.get_freeze_count() > len(made)
        young = {id(o) for o in gc.get_objects()}  # the collector's generations, not the frozen
        assert not any(id(o) in young for o in made)
        startup.release()
        assert gc.get_freeze_count() == 0
        young = {id(o) for o in gc.get_objects()}
        assert all(id(o) in young for o in made)
        startup.release()  # twice: nothing more to give back
        hosts = [[i] for i in range(1000)]
        gc.freeze()  # a host that froze its own objects
        host = gc.get_freeze_count()
        with startup.heavy_imports():
            later = [[i] for i in range(1000)]
        startup.release()
        # Neither frozen further nor unfrozen by us. By identity, not only by count: another
        # thread's frozen objects may be freed meanwhile, which lowers the count.
        young = {id(o) for o in gc.get_objects()}
        assert not any(id(o) in young for o in hosts) and all(id(o) in young for o in later)
        assert gc.get_freeze_count() <= host
    finally:
        gc.unfreeze()
        gc.enable()


def test_heavy_imports_restore_a_host_s_disabled_collector() -> None:
    import gc

    from eventstudy.stats import startup

    gc.disable()
    try:
        with startup.heavy_imports():
            pass
        assert not gc.isenabled()
    finally:
        startup.release()
        gc.enable()


STUDY_GC_PROBE = """
import gc, sys
import numpy as np, pandas as pd
dates = pd.bdate_range("2024-01-01", periods=300)
rng = np.random.default_rng(1)
frame = pd.DataFrame(rng.normal(0, 0.01, (300, 3)), index=dates, columns=["A", "B", "MKT"])
frame.index.name = "date"
frame.to_csv("r.csv")
pd.DataFrame({"symbol": ["A", "B"], "date": [dates[280].date()] * 2}).to_csv("e.csv", index=False)
from eventstudy import cli
args = ["study", "--returns", "r.csv", "--events", "e.csv", "--market", "MKT", "--out", "o"]
cli.main(args)  # in-process, argv given: the collector is given back as it was
after_in_process = gc.get_freeze_count()
sys.argv = ["eventstudy", *args]
cli.main()  # the process's own command line: it exits next, frozen
print("FROZEN", after_in_process, gc.get_freeze_count() > 50_000, gc.isenabled())
"""


def test_a_study_command_freezes_its_imports_only_as_the_process_s_own_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run([sys.executable, "-c", STUDY_GC_PROBE], capture_output=True, text=True, check=True,
                          cwd=tmp_path)
    assert done.stdout.strip().splitlines()[-1] == "FROZEN 0 True True", done.stdout + done.stderr
