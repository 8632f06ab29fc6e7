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


def test_a_file_set_changes_together_or_not_at_all(tmp_path: Path) -> None:
    """FileSet: nothing in place until commit, then all of it (in the order asked); a failure while
    writing leaves the old files and no temporary one."""
    from eventstudy.atomic import FileSet

    for name in ("a.csv", "b.csv", "c.csv"):
        (tmp_path / name).write_text("old")
    files = FileSet(tmp_path, ["a.csv", "b.csv"])
    files.write("b.csv", lambda p: p.write_text("new b"))
    files.write("a.csv", lambda p: p.write_text("new a"))
    assert (tmp_path / "a.csv").read_text() == "old" and (tmp_path / "b.csv").read_text() == "old"
    with pytest.raises(RuntimeError):
        files.write("c.csv", lambda p: (p.write_text("half"), (_ for _ in ()).throw(RuntimeError("disk"))))
    assert [p.name for p in files.commit()] == ["a.csv", "b.csv"]
    assert [(tmp_path / n).read_text() for n in ("a.csv", "b.csv", "c.csv")] == ["new a", "new b", "old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "c.csv"]  # no temporary left

    failed = FileSet(tmp_path)
    failed.write("a.csv", lambda p: p.write_text("newer a"))
    failed.discard()
    assert (tmp_path / "a.csv").read_text() == "new a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "c.csv"]


def test_files_written_into_a_generation_are_written_once(tmp_path: Path, monkeypatch) -> None:
    """Inside a folder new_generation fills, write_text writes the file itself (no temporary file,
    fsync and rename of its own: the folder is flushed and switched whole); outside, as before."""
    from eventstudy import atomic

    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old")

    def no_temp(*args, **kwargs):
        raise AssertionError("a temporary file inside a generation")

    with monkeypatch.context() as m:
        m.setattr(atomic, "temp_file", no_temp)
        with atomic.new_generation(target) as staged:
            atomic.write_text(staged / "sub" / "a.txt", "new")
            assert not (target / "sub").exists()  # nothing in place before the switch
    assert (target / "sub" / "a.txt").read_text() == "new" and not (target / "old.txt").exists()
    assert not atomic._staging
    atomic.write_text(tmp_path / "plain.txt", "x")  # outside a generation: the atomic path
    assert (tmp_path / "plain.txt").read_text() == "x"


@pytest.mark.parametrize("proc", [True, False], ids=["proc-status", "set-and-restore"])
def test_files_written_from_many_threads_keep_the_umask(tmp_path: Path, monkeypatch, proc: bool) -> None:
    """FileSet.write runs in several threads (the study writes ar.csv in one, car.csv in another):
    reading the umask never leaves the process with another thread's temporary 0, and every
    temporary file gets the permissions the umask gives."""
    import os
    import threading

    if not proc:  # a system without /proc: the umask is read by setting it, under a lock
        real_open = open

        def no_proc(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if str(path) == "/proc/self/status":
                raise FileNotFoundError(path)
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("builtins.open", no_proc)
    import sys

    old, interval = os.umask(0o027), sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two bytecodes: a race shows
    try:
        modes: list[int] = []
        lock = threading.Lock()

        def work(k: int) -> None:
            for i in range(400):
                fd, name = atomic.temp_file(tmp_path, f".t{k}-{i}.")
                mode = os.fstat(fd).st_mode & 0o777
                os.close(fd)
                name.unlink()
                with lock:
                    modes.append(mode)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert os.umask(0o027) == 0o027
        assert set(modes) == {0o640} and len(modes) == 2400
    finally:
        sys.setswitchinterval(interval)
        os.umask(old)
