"""The scheduled job and the store that defends itself: refresh, locks, damaged files, full disks."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import filelock
import numpy as np
import pandas as pd
import pytest
import synthetic
from test_cli import (
    fake_yahoo,  # noqa: F401  (the fixture, used by name)
    run_cli,
    write_history,
)

from eventstudy import atomic, runlog
from eventstudy.data.store import PriceStore

EVENT = ('jump,2024-06-03,10:00,America/New_York,AAA jumps,https://example.com/a,AAA,,'
         '"session_return(AAA) > {threshold}% ""jumped""",confirmed,\n')


@pytest.fixture
def world(tmp_path: Path, home: Path) -> dict[str, Path]:
    synthetic.make_store(home, jumps={"AAA": {"2024-06-03": 0.10}})
    synthetic.registry(tmp_path)
    events = tmp_path / "events.csv"
    events.write_text(synthetic.EVENTS_HEADER + EVENT.format(threshold=5), encoding="utf-8")
    return {"securities": tmp_path / "securities.csv", "events": events, "out": tmp_path / "reports"}


def refresh_args(world: dict[str, Path], *extra: str) -> list[str]:
    return ["--securities", str(world["securities"]), "refresh", "--offline", "--events", str(world["events"]),
            "--out", str(world["out"]), *extra]


def folder(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def log(home: Path) -> list[dict]:
    read = runlog.read(home)
    assert read.damaged == 0
    return read.records


def test_a_log_cut_by_a_crash_heals_with_the_next_record(world, home: Path, capsys) -> None:
    assert run_cli(refresh_args(world), capsys)[0] == 0
    path = home / "logs" / "refresh.jsonl"
    whole = path.read_bytes()
    cut = whole + b'{"started": "2026-01-14T08:00:00Z", "offl\x00\x00\xff\xff'  # killed mid-write
    path.write_bytes(cut)
    assert run_cli(refresh_args(world), capsys)[0] == 0
    assert path.read_bytes().startswith(cut)  # the old lines stay as they were
    read = runlog.read(home)
    assert read.damaged == 1 and len(read.records) == 2
    assert read.records[-1]["exit_code"] == 0 and read.records[-1]["reports"] == "unchanged"
    code, out, err = run_cli(["refresh", "--log"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("last 2 of 2 run(s)") and "1 damaged line(s) skipped" in lines[-1]
    assert sum("exit 0" in line and "offline" in line for line in lines) == 2
    assert path.read_bytes().startswith(cut) and len(runlog.read(home).records) == 2  # --log wrote nothing


def test_refresh_log_before_any_run_and_with_a_failed_run(world, home: Path, capsys) -> None:
    code, out, _ = run_cli(["refresh", "--log"], capsys)
    assert code == 0 and out.startswith("no refresh has run yet")
    runlog.append(home, {"started": "2026-01-14T08:00:00Z", "offline": False, "exit_code": 1, "duration": 2.5,
                         "fetched": ["AAA"], "failed": [{"symbol": "BBB", "reason": "Yahoo unreachable"}],
                         "error": "could not fetch prices"})
    out = run_cli(["refresh", "--log"], capsys)[1]
    assert "exit 1" in out and "fetched 1, failed 1" in out and "failed BBB: Yahoo unreachable" in out
    assert "error: could not fetch prices" in out


def test_offline_refresh_twice_the_second_does_no_work(world, home: Path, capsys) -> None:
    code, out, err = run_cli(refresh_args(world), capsys)
    assert code == 0, err
    assert "changed jump: jumped: (new claim) -> supported (fact true, cause yes)" in out
    changes = json.loads((world["out"] / "changes.json").read_text())
    assert changes["changes"] == [{"event_id": "jump", "claim": "jumped", "old": "(new claim)",
                                   "new": "supported (fact true, cause yes)"}]
    first = folder(world["out"])
    assert {"index.html", "claims.csv", "results.csv", "changes.json"} <= set(first)

    code, out, err = run_cli(refresh_args(world), capsys)
    assert code == 0, err
    assert "nothing changed" in out
    assert folder(world["out"]) == first
    records = log(home)
    assert [r["exit_code"] for r in records] == [0, 0]
    assert [r["reports"] for r in records] == ["rewritten", "unchanged"]
    assert all({"started", "fetched", "failed", "changed", "duration"} <= set(r) for r in records)


def test_a_changed_input_rewrites_the_reports_and_names_the_verdict_change(world, capsys) -> None:
    assert run_cli(refresh_args(world), capsys)[0] == 0
    world["events"].write_text(synthetic.EVENTS_HEADER + EVENT.format(threshold=50), encoding="utf-8")
    code, out, err = run_cli(refresh_args(world), capsys)
    assert code == 0, err
    # The two answers change with the verdict: the 50% claim is false, the move still the event's.
    assert "changed jump: jumped: supported (fact true, cause yes) -> not supported (fact false, cause" in out
    changes = json.loads((world["out"] / "changes.json").read_text())["changes"]
    assert [(c["old"], c["new"].split(" (")[0]) for c in changes] == [
        ("supported (fact true, cause yes)", "not supported")]


def test_a_changed_imported_file_is_imported_again(world, tmp_path: Path, home: Path, capsys) -> None:
    src = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    assert run_cli(["prices", "import", str(src)], capsys)[0] == 0
    assert run_cli(refresh_args(world), capsys)[0] == 0
    write_history(src, "2026-01-05", [10.0, 10.5, 11.0, 12.0])
    code, out, err = run_cli(refresh_args(world), capsys)
    assert code == 0, err
    assert "re-imported 1 changed file(s): 0981.HK" in out
    assert len(PriceStore(home).read("0981.HK")) == 4
    assert "nothing changed" not in out  # a stored price changed: the reports are recomputed
    assert "nothing changed" in run_cli(refresh_args(world), capsys)[1]


def test_a_refresh_holding_the_lock_makes_the_other_exit_3(world, home: Path, capsys) -> None:
    other = filelock.FileLock(str(home / ".refresh.lock"))  # another process, as far as flock can tell
    (home / ".refresh.lock.owner").write_text(json.dumps(
        {"pid": 4242, "host": "box", "command": "eventstudy refresh", "started": 0}))
    with other:
        code, _, err = run_cli(refresh_args(world), capsys)
        assert code == 3
        assert err.count("\n") == 1 and "pid 4242 on box (eventstudy refresh)" in err
        code, _, err = run_cli(refresh_args(world, "--wait", "0.3"), capsys)
        assert code == 3 and "waiting up to 0.3 s" in err
    assert not world["out"].exists()
    assert log(home)[-1]["exit_code"] == 3
    assert run_cli(refresh_args(world, "--wait", "0.3"), capsys)[0] == 0


def test_a_held_store_lock_says_who_holds_it_and_that_it_waits(tmp_path: Path, home: Path, capsys) -> None:
    src = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    store = PriceStore(home, lock_timeout=0.2)
    (home / ".prices.lock.owner").parent.mkdir(parents=True, exist_ok=True)
    (home / ".prices.lock.owner").write_text(json.dumps(
        {"pid": 77, "host": "box", "command": "eventstudy prices import", "started": 0}))
    with filelock.FileLock(str(home / ".prices.lock")):
        from eventstudy.data.importers import read_price_file
        from eventstudy.errors import DataError

        series = read_price_file(src)
        with pytest.raises(DataError, match="locked by pid 77 on box"):
            store.write(series.symbol, series.frame, {"source": "x"})
    assert "waiting up to 0.2 s" in capsys.readouterr().err


def test_run_with_no_events_leaves_the_previous_report(world, capsys) -> None:
    args = ["--securities", str(world["securities"]), "run", "--offline", "--events", str(world["events"]),
            "--out", str(world["out"])]
    assert run_cli(args, capsys)[0] == 0
    before = folder(world["out"])
    world["events"].write_text(synthetic.EVENTS_HEADER, encoding="utf-8")
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "previous report is left alone" in err
    assert folder(world["out"]) == before


@pytest.mark.parametrize("failure", [errno.ENOSPC, errno.EROFS])
def test_a_full_disk_or_read_only_folder_is_one_line_exit_1_and_nothing_replaced(
    world, capsys, monkeypatch: pytest.MonkeyPatch, failure: int
) -> None:
    args = ["--securities", str(world["securities"]), "run", "--offline", "--events", str(world["events"]),
            "--out", str(world["out"])]
    assert run_cli(args, capsys)[0] == 0
    before = folder(world["out"])
    real = atomic.fsync_tree

    def failing(folder_: Path) -> None:
        real(folder_)
        raise OSError(failure, "simulated", str(folder_ / "report.html"))

    monkeypatch.setattr(atomic, "fsync_tree", failing)
    code, _, err = run_cli(args, capsys)
    assert code == 1 and err.count("\n") == 1 and "nothing was replaced" in err and "Traceback" not in err
    assert folder(world["out"]) == before
    assert not [p for p in world["out"].parent.iterdir() if p.name.startswith(".reports.new")]


def test_a_full_disk_during_an_import_leaves_the_store(tmp_path: Path, home: Path, capsys, monkeypatch) -> None:
    src = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    assert run_cli(["prices", "import", str(src)], capsys)[0] == 0
    before = folder(home / "prices")
    import pyarrow.parquet as pq

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "x.parquet")

    monkeypatch.setattr(pq, "write_table", full)
    other = write_history(tmp_path / "1347.HK.csv", "2026-01-05", [5.0, 5.5, 6.0])
    code, _, err = run_cli(["prices", "import", str(src), str(other)], capsys)
    assert code == 1 and err.count("\n") == 1 and "No space left" in err
    assert folder(home / "prices") == before


# -- a store that defends itself ---------------------------------------------------------------

def _damage(kind: str, store: PriceStore) -> None:
    path = store.path("BBB")
    data = path.read_bytes()
    if kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.unlink()
        path.mkdir()
    elif kind == "bit flip":
        flipped = bytearray(data)
        flipped[len(data) // 3] ^= 0x01
        path.write_bytes(bytes(flipped))
    elif kind == "bad metadata":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = dict(table.schema.metadata)
        meta[b"issues"] = b"{not json"
        path.unlink()
        pq.write_table(table.replace_schema_metadata(meta), path)
    elif kind == "foreign":
        path.unlink()
        shutil.copy(store.path("AAA"), store.dir / "ZZZ.parquet")
        shutil.copy(store.path("AAA"), path)
    elif kind == "deleted":  # the manifest lists a file that is gone
        path.unlink()
    elif kind == "odd name":  # a file no valid symbol names: ' BBB' (leading space), '-X'
        shutil.copy(path, store.dir / "%20BBB.parquet")
        shutil.copy(path, store.dir / "-X.parquet")
    elif kind == "symlink":
        path.unlink()
        path.symlink_to(store.path("AAA"))


@pytest.mark.parametrize("kind", ["truncated", "empty", "folder", "bit flip", "bad metadata", "foreign"])
def test_status_names_a_damaged_file_with_its_repair_and_lists_the_rest(home: Path, capsys, kind: str) -> None:
    store = synthetic.make_store(home)
    _damage(kind, store)
    code, out, err = run_cli(["prices", "status"], capsys)
    assert code == 1 and "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert lines and all("prices remove" in line for line in lines)
    assert any(("BBB.parquet" in line or "ZZZ.parquet" in line) for line in lines)
    for good in ("AAA", "CCC", "^BM"):
        assert good in out
    assert len(store.read("AAA")) > 100  # the rest of the store stays usable


DAMAGE = ["truncated", "empty", "folder", "bit flip", "bad metadata", "foreign", "deleted", "odd name", "symlink"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_every_repair_hint_run_as_printed_leaves_status_clean(home: Path, tmp_path: Path, capsys,
                                                               monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import shlex

    store = synthetic.make_store(home)
    _damage(kind, store)
    code, out, err = run_cli(["prices", "status"], capsys)
    assert code == 1, (kind, out, err)
    hints = [line.split("(repair: ", 1)[1].split(";", 1)[0] for line in err.strip().splitlines()]
    assert hints and all(h.startswith("eventstudy ") for h in hints), err
    for hint in hints:
        argv = shlex.split(hint)[1:]
        assert run_cli(argv, capsys)[0] == 0, (kind, hint)
    code, out, err = run_cli(["prices", "status"], capsys)
    assert (code, err) == (0, ""), (kind, err)
    assert {"AAA", "CCC", "^BM"} <= set(PriceStore(home).symbols())
    # run elsewhere, a hint names the data directory it repairs
    monkeypatch.setenv("EVENTSTUDY_HOME", str(tmp_path / "elsewhere"))
    PriceStore(home).path("AAA").write_bytes(b"")
    code, _, err = run_cli(["--home", str(home), "prices", "status"], capsys)
    hint = err.split("(repair: ", 1)[1].split(";", 1)[0]
    assert f"--home {home}" in hint and run_cli(shlex.split(hint)[1:], capsys)[0] == 0
    assert run_cli(["--home", str(home), "prices", "status"], capsys)[0] == 0


def test_a_damaged_file_is_repaired_by_the_named_command(home: Path, capsys) -> None:
    store = synthetic.make_store(home)
    _damage("folder", store)
    assert run_cli(["prices", "remove", "BBB"], capsys)[0] == 0
    assert run_cli(["prices", "status"], capsys)[0] == 0
    assert store.symbols() == ["AAA", "CCC", "^BM"]
    assert store.verify() == []


def test_readers_racing_a_writer_always_see_a_whole_file(home: Path) -> None:
    """Writes switch whole generations; a reader between them reads one complete file."""
    import threading

    store = synthetic.make_store(home, symbols=("AAA",))
    frames = [synthetic.bars(np.full(50, float(k + 1)), synthetic.sessions()[:50]) for k in range(3)]
    stop = threading.Event()
    failures: list[str] = []

    def reader() -> None:
        reads = 0
        while not stop.is_set() or reads < 20:
            try:
                frame = store.read("AAA")
            except Exception as exc:  # pragma: no cover - what this test exists to catch
                failures.append(repr(exc))
                return
            assert frame["close"].nunique() == 1 or len(frame) > 50  # never a mix
            reads += 1

    thread = threading.Thread(target=reader)
    thread.start()
    for k in range(30):
        store.write("AAA", frames[k % 3], {"source": "test"})
    stop.set()
    thread.join()
    assert failures == []


def test_prices_source_moves_an_import_to_yahoo_keeping_history(tmp_path: Path, home: Path, capsys,
                                                               monkeypatch) -> None:
    from yahoo_fakes import FakeYahoo, make_series

    from eventstudy.data import calendars

    fake = FakeYahoo().install(monkeypatch)
    days = calendars.sessions("HKEX", "2025-01-02", "2025-03-31")
    series = make_series("0981.HK", "HKEX", days[20:], seed=1)
    fake.add(series)
    # A file whose overlap agrees with Yahoo: Yahoo's own bars, plus 20 earlier sessions it lacks.
    from eventstudy.data import yahoo

    yahoo_frame, _ = yahoo.fetch_history("0981.HK", "HKEX", "2025-01-02", "2025-03-31", home=home)
    store = PriceStore(home)
    early = synthetic.bars(np.linspace(10, 11, 20), pd.DatetimeIndex(days[:20]))
    imported = pd.concat([early, yahoo_frame]).sort_index()
    store.write("0981.HK", imported, {"source": "/data/0981.HK.csv", "exchange": "HKEX"})

    code, out, err = run_cli(["prices", "source", "0981.HK", "yahoo"], capsys)
    assert code == 0, err
    assert "kept 20 earlier stored bars" in out
    frame, meta = store.read_with_meta("0981.HK")
    assert meta["source"] == "yahoo" and meta["previous_source"] == "/data/0981.HK.csv"
    assert len(frame) == len(imported)

    # A series whose closes disagree (another adjustment basis) is refused, unchanged.
    shifted = imported.assign(close=imported["close"] * 2)
    store.write("0981.HK", shifted, {"source": "/data/0981.HK.csv", "exchange": "HKEX"})
    before = store.path("0981.HK").read_bytes()
    code, _, err = run_cli(["prices", "source", "0981.HK", "yahoo"], capsys)
    assert code == 2 and "disagree" in err and "nothing was changed" in err
    assert store.path("0981.HK").read_bytes() == before


def test_schedule_examples_run_the_refresh_and_document_exit_codes() -> None:
    folder_ = Path(__file__).resolve().parents[1] / "examples" / "schedule"
    texts = {p.name: p.read_text(encoding="utf-8") for p in folder_.iterdir()}
    assert set(texts) == {"crontab", "eventstudy-refresh.service", "eventstudy-refresh.timer", "github-actions.yml"}
    for name in ("crontab", "eventstudy-refresh.service", "github-actions.yml"):
        assert "eventstudy refresh" in texts[name] and "3 another refresh" in " ".join(texts[name].split()), name
    cron = [line for line in texts["crontab"].splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1 and len(cron[0].split()) > 5
    assert "SuccessExitStatus=3" in texts["eventstudy-refresh.service"]
    assert "OnCalendar=" in texts["eventstudy-refresh.timer"]
    import yaml

    workflow = yaml.safe_load(texts["github-actions.yml"])
    steps = workflow["jobs"]["refresh"]["steps"]
    assert any("eventstudy refresh" in step.get("run", "") for step in steps)
    assert any("git commit" in step.get("run", "") for step in steps)


def test_exit_codes_are_in_help(capsys) -> None:
    for args in (["--help"], ["refresh", "--help"]):
        code, out, _ = run_cli(args, capsys)
        assert code == 0 and "Exit codes: 0 done" in out and "3 another refresh holds the lock" in " ".join(
            out.split())


ONLINE_EVENTS = ("id,date,time,timezone,title,source,targets,offer_price,claims,certainty,notes\n"
                 'news,2026-11-03,08:00,Asia/Hong_Kong,Something,https://example.com/a,2513.HK,,'
                 '"session_return(2513.HK) > 1% ""rose""",confirmed,\n')


def test_online_refresh_fetches_once_then_asks_nothing(fake_yahoo, tmp_path: Path, home: Path,  # noqa: F811
                                                       capsys) -> None:
    events = tmp_path / "events.csv"
    events.write_text(ONLINE_EVENTS, encoding="utf-8")
    args = ["refresh", "--events", str(events), "--out", str(tmp_path / "r")]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert {c.symbol for c in fake_yahoo.history_calls()} == {"2513.HK", "^HSI"}
    assert log(home)[-1]["fetched"] == ["2513.HK", "^HSI"]
    calls = len(fake_yahoo.calls)
    code, out, err = run_cli(args, capsys)
    assert code == 0 and "nothing changed" in out
    assert len(fake_yahoo.calls) == calls  # nothing closed since: no request at all


def test_online_refresh_with_one_failure_is_partial_exit_1_and_names_stale_data(
    fake_yahoo, tmp_path: Path, home: Path, capsys  # noqa: F811
) -> None:
    events = tmp_path / "events.csv"
    events.write_text(ONLINE_EVENTS.replace(",2513.HK,,", ",2513.HK;0100.HK,,"), encoding="utf-8")
    fake_yahoo.rate_limited["0100.HK"] = 100
    code, _, err = run_cli(["refresh", "--events", str(events), "--out", str(tmp_path / "r")], capsys)
    assert code == 1
    assert "failed 0100.HK" in err
    stale = json.loads((tmp_path / "r" / "changes.json").read_text())["stale"]
    assert [s["symbol"] for s in stale] == ["0100.HK"]
    assert log(home)[-1]["exit_code"] == 1 and log(home)[-1]["failed"][0]["symbol"] == "0100.HK"


def test_a_lock_that_cannot_be_created_is_an_environment_failure_not_a_wait(tmp_path: Path) -> None:
    from eventstudy import locks

    blocked = tmp_path / "file"
    blocked.write_text("x")
    started = pd.Timestamp.now()
    with pytest.raises(OSError) as err, locks.hold(blocked / ".x.lock", "x", timeout=30):
        pass
    assert not isinstance(err.value, locks.LockHeld)
    assert pd.Timestamp.now() - started < pd.Timedelta(seconds=5)


def test_a_killed_runs_temporary_files_go_with_the_next_writing_command(world, home: Path, tmp_path: Path,
                                                                         capsys) -> None:
    orphan = home / ".refresh-state.json.k1ll3d.tmp"  # what a refresh killed before its rename leaves
    orphan.write_text("{}", encoding="utf-8")
    # while a refresh runs (its lock held elsewhere) the file may be its own: left alone
    with filelock.FileLock(str(home / ".refresh.lock")):
        run_cli(["prices", "remove", "CCC"], capsys)
        assert orphan.exists()
    src = write_history(tmp_path / "DDD.csv", "2024-06-03", [5.0, 5.5, 6.0])
    assert run_cli(["--securities", str(world["securities"]), "prices", "import", str(src)], capsys)[0] == 0
    assert not orphan.exists()
    orphan.write_text("{}", encoding="utf-8")
    assert run_cli(refresh_args(world), capsys)[0] == 0  # refresh, even when it writes nothing to the store
    assert not orphan.exists()
