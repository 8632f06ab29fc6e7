"""Readers that pin one generation of a folder switched whole (:func:`eventstudy.atomic.new_generation`).

A reader opens the folder once and reads every file through that open directory: whatever a writer
switches in meanwhile, the reader goes on seeing the generation it opened, so a run or a status sees
a concurrent import entirely or not at all. The open directory carries a shared ``flock``; a writer
removes a generation it has switched out only when it can lock it exclusively, that is when no
reader holds it, and otherwise sets it aside (``.NAME.retired-*``) for a later writer to remove.
Where the system has no ``flock`` or cannot open a folder (Windows), reads go by path as before.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# The two-rename fallback leaves the folder missing for microseconds: a reader retries this long.
_MISSING_WAIT = 2.0


class Pinned:
    """One generation of a folder, open for reading: names are looked up in it, not by path."""

    def __init__(self, folder: Path, fd: int | None):
        self.folder, self.fd = folder, fd

    def names(self) -> list[str]:
        if self.fd is None:
            return os.listdir(self.folder) if self.folder.is_dir() else []
        return os.listdir(self.fd)

    def stat(self, name: str) -> os.stat_result | None:
        try:
            if self.fd is None:
                return os.stat(self.folder / name)
            return os.stat(name, dir_fd=self.fd)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def exists(self, name: str) -> bool:
        return self.stat(name) is not None

    def is_dir(self, name: str) -> bool:
        st = self.stat(name)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def open(self, name: str) -> int:
        """A read-only descriptor of ``name`` (FileNotFoundError, IsADirectoryError as ``open`` gives)."""
        if self.fd is None:
            return os.open(self.folder / name, os.O_RDONLY)
        return os.open(name, os.O_RDONLY, dir_fd=self.fd)

    def read_bytes(self, name: str) -> bytes:
        with os.fdopen(self.open(name), "rb") as fh:
            return fh.read()


class Absent(Pinned):
    """A folder that did not exist when it was pinned: empty for the whole block."""

    def __init__(self, folder: Path):
        super().__init__(folder, None)

    def names(self) -> list[str]:
        return []

    def stat(self, name: str) -> os.stat_result | None:
        return None

    def open(self, name: str) -> int:
        raise FileNotFoundError(2, "No such file or directory", str(self.folder / name))


def _same(fd: int, folder: Path) -> bool:
    try:
        now = os.stat(folder)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)


@contextlib.contextmanager
def pin(folder: str | Path) -> Iterator[Pinned]:
    """The current generation of ``folder`` for the block (:class:`Absent` when there is none)."""
    folder = Path(folder)
    if fcntl is None or not _O_DIRECTORY:
        yield Pinned(folder, None) if folder.is_dir() else Absent(folder)
        return
    deadline = time.monotonic() + _MISSING_WAIT
    while True:
        try:
            fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY)
        except FileNotFoundError:
            if folder.parent.is_dir() and any(folder.parent.glob(f".{folder.name}.ready-*")) \
                    and time.monotonic() < deadline:
                time.sleep(0.005)  # a two-rename switch is installing the next generation
                continue
            yield Absent(folder)
            return
        # Blocks only while a writer removes this very generation; then it is no longer current.
        fcntl.flock(fd, fcntl.LOCK_SH)
        if _same(fd, folder):
            break  # current and locked: no writer removes it before we close it
        os.close(fd)
    try:
        yield Pinned(folder, fd)
    finally:
        os.close(fd)  # releases the shared lock


def remove_unless_pinned(path: Path) -> bool:
    """Remove a generation no reader holds; one a reader holds is renamed ``.NAME.retired-*`` for a
    later writer (the name keeps the part after the kind, so it stays unique). True when removed."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(OSError):
            path.unlink()
        return True
    if fcntl is None or not _O_DIRECTORY:
        shutil.rmtree(path, ignore_errors=True)
        return True
    try:
        fd = os.open(path, os.O_RDONLY | _O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _retire(path)
            return False
        shutil.rmtree(path, ignore_errors=True)  # holding the lock: a late reader waits, then moves on
        return True
    finally:
        os.close(fd)


_KINDS = re.compile(r"^\.(?P<name>.+)\.(?:new|ready|old)-(?P<tail>[^-]+)$")


def _retire(path: Path) -> None:
    match = _KINDS.match(path.name)
    if match is None:
        return  # already set aside
    with contextlib.suppress(OSError):
        os.rename(path, path.with_name(f".{match['name']}.retired-{match['tail']}"))
