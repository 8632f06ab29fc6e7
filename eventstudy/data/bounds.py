"""The largest inputs the tool accepts, and reading a file no further than its limit.

A scheduled job must not stall on one runaway file: each input is either read in time proportional
to its size under a documented limit, or refused up front with one line. The limits sit far above
real inputs (a news article is a few kilobytes, an events file a few hundred rows), so only a
runaway export, a wrong file or a deliberate attack meets them. Price files have their own limit
(``eventstudy.data.admission.MAX_ROWS``, 100,000 rows), checked while they are read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from eventstudy.errors import UserError

MAX_ARTICLE_BYTES = 5_000_000  # 5 MB; real articles are under 100 kB
MAX_SENTENCE_CHARS = 2_000  # a longer "sentence" (no full stop, no line break) is read in pieces
MAX_EVENTS_BYTES = 50_000_000  # 50 MB
MAX_EVENT_ROWS = 100_000
# `run` and `refresh` study each event with a page, its overlaps and its claims' verdicts: 2,000 events
# take about 15 s and 400 MB on a development machine (one security, dates over three months). A
# larger set is a study, not a news report: `eventstudy study` writes the tables for a million events
# in bounded memory.
MAX_RUN_EVENTS = 2_000
# Every alias becomes a branch of one pattern tried at every word start: 1,000 names of your own
# cost about a second per megabyte of article, 5,000 twenty times that.
MAX_ALIAS_ROWS = 1_000
MAX_ALIASES_BYTES = 100_000


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} bytes"


def read_capped(path: Path, limit: int, what: str, hint: str) -> bytes:
    """The bytes of ``path``, refused (UserError) when there are more than ``limit``.

    A regular file is judged by its size before a byte is read; anything else (a pipe, a device)
    is read in pieces and refused as soon as it passes the limit, so memory stays bounded.
    """
    with open(path, "rb") as fh:
        info = os.fstat(fh.fileno())
        if stat.S_ISREG(info.st_mode):
            if info.st_size > limit:
                raise _too_big(path, f"{info.st_size:,} bytes", limit, what, hint)
            data = fh.read(limit + 1)
            if len(data) > limit:  # it grew since
                raise _too_big(path, f"more than {_size(limit)}", limit, what, hint)
            return data
        parts, total = [], 0
        while chunk := fh.read(1 << 20):
            total += len(chunk)
            if total > limit:
                raise _too_big(path, f"more than {_size(limit)}", limit, what, hint)
            parts.append(chunk)
        return b"".join(parts)


def _too_big(path: Path, size: str, limit: int, what: str, hint: str) -> UserError:
    return UserError(f"{what} of {size} is larger than the limit of {_size(limit)}", file=str(path), hint=hint)
