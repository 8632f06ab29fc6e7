"""Folders switched whole: the atomic exchange, the two-rename fallback and recovery after a kill."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventstudy import atomic


def fill(folder: Path, tag: str) -> None:
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    (folder / "a.csv").write_text(tag)
    (folder / "charts" / "b.png").write_text(tag)


def content(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_new_generation_replaces_the_folder_whole(tmp_path: Path, monkeypatch, exchange: bool) -> None:
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "reports"
    with atomic.new_generation(out) as staged:
        fill(staged, "old")
    (out / "stale.png").write_text("old only")
    with atomic.new_generation(out) as staged:
        fill(staged, "new")
    assert content(out) == {"a.csv": "new", "charts/b.png": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_a_failure_inside_leaves_the_old_folder_and_no_leftover(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with atomic.new_generation(out) as staged:
        fill(staged, "old")
    with pytest.raises(OSError), atomic.new_generation(out) as staged:
        fill(staged, "new")
        raise OSError(28, "No space left on device")
    assert content(out) == {"a.csv": "old", "charts/b.png": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_recovery_installs_a_ready_generation_left_between_the_two_renames(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    ready, old = tmp_path / ".reports.ready-x", tmp_path / ".reports.old-x"
    fill(ready, "new")
    fill(old, "old")
    atomic.recover_dir(out)
    assert content(out)["a.csv"] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_recovery_restores_the_old_generation_when_none_is_ready(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    fill(tmp_path / ".reports.old-x", "old")
    fill(tmp_path / ".reports.new-y", "half")
    atomic.recover_dir(out)
    assert content(out)["a.csv"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
