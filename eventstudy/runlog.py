"""The refresh run log, ``<home>/logs/refresh.jsonl``: one JSON object per line, one line per run.

Why it heals: a crash or a full disk can leave the last line cut, and a torn block can end it in
stray bytes (NUL, 0xFF). The next record starts on a new line whatever the file's last byte is, so a
cut line costs that line alone, and every reader skips (and counts) a line that is not a JSON object
instead of giving up on the log an operator reads after an unattended failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOG_FILE = Path("logs") / "refresh.jsonl"
SHOWN = 20  # runs `refresh --log` shows


@dataclass
class Log:
    """The records that parse, oldest first, and how many damaged lines were skipped."""

    records: list[dict[str, Any]] = field(default_factory=list)
    damaged: int = 0


def append(home: Path, record: Mapping[str, Any]) -> None:
    """Append one record as one line, on a line of its own even after a cut last line."""
    path = home / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(dict(record), ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # close the cut line: the new record must parse on its own
        os.write(fd, line)  # one write in append mode: a concurrent reader never sees half of it
    finally:
        os.close(fd)


def read(home: Path) -> Log:
    """Every record of the log; damaged lines (cut, stray bytes, not an object) skipped and counted."""
    log = Log()
    try:
        data = (home / LOG_FILE).read_bytes()
    except FileNotFoundError:
        return log
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            record = None
        if isinstance(record, dict):
            log.records.append(record)
        else:
            log.damaged += 1
    return log


def describe(record: Mapping[str, Any]) -> list[str]:
    """One run as a headline and, below it, its error and each failed security."""
    def count(key: str) -> int:
        value = record.get(key)
        return len(value) if isinstance(value, list) else 0

    mode = "offline" if record.get("offline") else "online"
    duration = record.get("duration")
    took = f"{duration:.1f} s" if isinstance(duration, int | float) else "? s"
    head = (f"{record.get('started', '?')}  exit {record.get('exit_code', '?')}  {took:>7}  {mode}  "
            f"fetched {count('fetched')}, failed {count('failed')}, re-imported {count('reimported')}, "
            f"verdicts changed {count('changed')}, reports {record.get('reports', '?')}")
    lines = [head]
    if record.get("error"):
        lines.append(f"    error: {record['error']}")
    for failed in record.get("failed") or []:
        if isinstance(failed, Mapping):
            lines.append(f"    failed {failed.get('symbol', '?')}: {failed.get('reason', '')}")
    return lines


def show(home: Path, last: int = SHOWN) -> list[str]:
    """What `eventstudy refresh --log` prints: the last runs, newest last, and the damage skipped."""
    log = read(home)
    path = home / LOG_FILE
    if not log.records and not log.damaged:
        return [f"no refresh has run yet ({path} does not exist or is empty)"]
    runs = log.records[-last:]
    lines = [f"last {len(runs)} of {len(log.records)} run(s) in {path}:"]
    for record in runs:
        lines += describe(record)
    if log.damaged:
        lines.append(f"{log.damaged} damaged line(s) skipped (cut or garbled, e.g. by a crash); "
                     "the records around them are intact")
    return lines
