"""Temporary files a killed run left in the data directory, removed by the next writing command.

Every single file the tool writes goes through a temporary file beside it (``.NAME.<random>.tmp``,
:func:`eventstudy.atomic.temp_file`) that is renamed into place; a run killed in between leaves the
temporary file behind. Folders switched whole clean up after themselves (``atomic.recover_dir``);
these are the single files of ``<home>``. A temporary file may belong to a writer running right now,
so each kind is removed only while holding the lock that guards its file, and left for a later run
when that lock is busy.
"""

from __future__ import annotations

import glob
from pathlib import Path

from eventstudy import locks

# file in <home> -> the lock its writer holds while writing it
GUARDED = {"refresh-state.json": ".refresh.lock"}


def sweep(home: Path) -> list[Path]:
    """Remove the temporary files of killed writers from ``home``; the paths removed."""
    removed: list[Path] = []
    for name, lock in GUARDED.items():
        temps = sorted(home.glob(f".{glob.escape(name)}.*.tmp"))
        if not temps:
            continue  # the common case: no lock file is created just to look
        try:
            with locks.hold(home / lock, f"the writer of {name}", timeout=0):
                for temp in temps:
                    temp.unlink(missing_ok=True)
                    removed.append(temp)
        except locks.LockHeld:
            continue  # its writer is running now: the temporary file may be its own
    return removed
