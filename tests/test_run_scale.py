"""`run` at scale (issue 28 item 2): more events than a report of pages serves is refused at once with
the pointer to `eventstudy study`; below the limit, the overlaps of many events are found quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from clirun import run_cli
from synthetic import EVENTS_HEADER, make_store, registry

from eventstudy.data.bounds import MAX_RUN_EVENTS


def _events(path: Path, n: int) -> Path:
    rows = [f"e{k},2024-0{5 + k % 2}-{1 + k % 28:02d},10:00,America/New_York,event {k},https://example.com/{k},AAA,,,"
            "confirmed," for k in range(n)]
    path.write_text(EVENTS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_too_many_events_are_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_store(tmp_path / "home")
    registry(tmp_path)  # writes securities.csv
    events = _events(tmp_path / "events.csv", MAX_RUN_EVENTS + 1)
    started = time.perf_counter()
    code, _, err = run_cli(["--home", str(tmp_path / "home"), "--securities", str(tmp_path / "securities.csv"),
                            "run", "--offline", "--events", str(events), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "eventstudy study" in err and f"{MAX_RUN_EVENTS + 1:,} events" in err
    assert time.perf_counter() - started < 30  # refused before any study
    assert not (tmp_path / "out").exists()


def test_many_events_in_one_window_each_list_the_others(tmp_path: Path) -> None:
    from eventstudy.news import pipeline
    from eventstudy.news.events import load_events

    store = make_store(tmp_path / "home")
    reg = registry(tmp_path)
    evs = load_events(_events(tmp_path / "events.csv", 120), reg)
    run = pipeline.run(evs, store, reg, pipeline.Settings(bootstrap=0))
    for a in run.analyses[:5]:
        offsets = {o.event.id: o.offset for o in a.overlaps}
        assert a.event.id not in offsets and offsets  # the others of the window, never itself
        assert all(-5 <= d <= 5 for d in offsets.values())
        same_day = [e.id for e in evs if e.id != a.event.id and e.date == a.event.date]
        assert all(offsets.get(i) == 0 for i in same_day)
