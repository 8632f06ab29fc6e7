"""The command line fits a terminal: `prices status` within 100 columns with names, relative paths and
human times; progress shown on a terminal (a pty) and absent when the output is piped; each fetch
failure printed once; output folders printed as typed."""

from __future__ import annotations

import datetime as dt
import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
import synthetic
from clirun import run_cli
from report_world import EV1, EV2, EV3

from eventstudy import console

REPO = Path(__file__).resolve().parents[1]


def test_times_read_as_a_person_says_them() -> None:
    now = dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC)
    assert console.ago("2026-01-14T11:59:50+00:00", now) == "just now"
    assert console.ago("2026-01-14T11:55:00+00:00", now) == "5 min ago"
    assert console.ago("2026-01-14T10:00:00.123456+00:00", now) == "2 h ago"
    assert console.ago("2026-01-11T12:00:00Z", now) == "3 d ago"
    assert console.ago("2025-06-01T00:00:00+00:00", now) == "2025-06-01"
    assert console.ago(None, now) == "" and console.ago("yesterday", now) == "yesterday"


def test_folders_print_as_typed() -> None:
    assert console.folder("out/") == "out/" and console.folder("out") == "out/"
    assert console.folder("../reports") == "../reports/"


def test_tables_fit_the_width_and_keep_a_path_s_file_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    text = console.table(["symbol", "source", "rows"], [["AAA", "/very/long/folder/" * 5 + "AAA.csv", 12]],
                         shrink=("source",), right=("rows",), keep_end=("source",))
    lines = text.splitlines()
    assert max(len(x) for x in lines) <= 60 and lines[-1].rstrip().endswith("12")
    assert "AAA.csv" in lines[-1] and "…" in lines[-1]
    assert all(ord(ch) < 128 or ch == "…" for ch in text)  # plain hyphens, no box drawing


def test_status_fits_100_columns(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    synthetic.make_store(home)
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    deep.mkdir(parents=True)
    dates = synthetic.sessions()[:30]
    (deep / "QQQ.csv").write_text("Date,Close\n" + "".join(f"{d.date()},{10 + k}\n" for k, d in enumerate(dates)),
                                  encoding="utf-8")
    assert run_cli(["prices", "import", str(deep / "QQQ.csv")], capsys)[0] == 0
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run_cli(["prices", "status"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert max(len(x) for x in lines) <= 100, out
    assert any(x.startswith("QQQ ") and "QQQ.csv" in x for x in lines)
    assert "ago" in out or "just now" in out
    assert "T" not in next(x for x in lines if x.startswith("AAA"))[40:]  # no ISO timestamp by default
    code, wide, _ = run_cli(["prices", "status", "--wide"], capsys)
    assert code == 0 and (str(deep / "QQQ.csv") in wide or os.path.relpath(deep / "QQQ.csv") in wide)


@pytest.mark.shared
def test_status_of_the_real_store_fits_100_columns(real_dir: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(str(p) for p in [*real_dir.glob("*.csv"), *(real_dir / "more").glob("*.csv")])
    assert run_cli(["prices", "import", *files], capsys)[0] == 0
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run_cli(["prices", "status"], capsys)
    assert code == 0 and max(len(x) for x in out.splitlines()) <= 100
    assert "Hygon" in out and "Cambricon" in out  # names beside tickers


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTSTUDY_PROGRESS_AFTER", "0")
    piped = io.StringIO()
    with console.progress("studying events", 3, piped) as advance:
        for _ in range(3):
            advance()
    assert piped.getvalue() == ""
    master, slave = pty.openpty()
    with open(slave, "w", encoding="utf-8", closefd=True) as tty:
        assert tty.isatty()
        with console.progress("studying events", 3, tty) as advance:
            for _ in range(3):
                advance()
        tty.flush()
    shown = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert b"studying events" in shown


def _run_report(tmp_path: Path, tty: bool) -> bytes:
    """`eventstudy run --offline` on the synthetic store in a child process, its stderr a pty or a pipe."""
    home = tmp_path / ("home-tty" if tty else "home-pipe")
    synthetic.make_store(home)
    synthetic.registry(tmp_path)
    (tmp_path / "events.csv").write_text(synthetic.EVENTS_HEADER + EV1 + EV2 + EV3, encoding="utf-8")
    env = {**os.environ, "EVENTSTUDY_HOME": str(home), "EVENTSTUDY_PROGRESS_AFTER": "0", "COLUMNS": "100"}
    args = [sys.executable, "-m", "eventstudy.cli", "--securities", str(tmp_path / "securities.csv"), "run",
            "--offline", "--events", str(tmp_path / "events.csv"), "--out", str(tmp_path / ("o1" if tty else "o2"))]
    if not tty:
        done = subprocess.run(args, env=env, capture_output=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return done.stderr + done.stdout
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, env=env, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        ready = select.select([master], [], [], 1.0)[0]
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=300)
    os.close(master)
    assert proc.returncode == 0, seen[-2000:]
    return seen


def test_run_shows_progress_on_a_terminal_and_none_when_piped(tmp_path: Path) -> None:
    assert b"studying events" in _run_report(tmp_path, tty=True)
    piped = _run_report(tmp_path, tty=False)
    assert b"studying events" not in piped and b"\x1b[" not in piped
