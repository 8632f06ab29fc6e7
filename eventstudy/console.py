"""What the command line prints to a person: tables sized to the terminal, times as "2 h ago", paths
as the user typed them, and progress that appears only on a terminal and only when work takes a
while (a bar left in a log file or a pipe is noise, and one that flashes for 0.1 s is too).

``rich`` is imported inside the functions that draw: `--help` and the light commands stay fast
(tests/test_startup.py checks what importing the CLI loads).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

# Tables fit this many columns unless the terminal is narrower or the user asks for all (--wide).
DEFAULT_WIDTH = 100
# Work shorter than this shows no progress at all.
PROGRESS_AFTER = 2.0


def width(cap: int | None = DEFAULT_WIDTH) -> int:
    """The terminal's width ($COLUMNS first, as shells and tests set it), at most ``cap``."""
    cols = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return min(cols, cap) if cap else cols


def ago(when: object, now: dt.datetime | None = None) -> str:
    """An ISO time as a person reads it: "just now", "5 min ago", "2 h ago", "3 d ago", else the date."""
    if not when or str(when) in ("nan", "NaT", "None"):
        return ""
    try:
        t = dt.datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        return str(when)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    secs = ((now or dt.datetime.now(dt.UTC)) - t).total_seconds()
    if secs < 0:
        return t.strftime("%Y-%m-%d")
    for limit, unit, size in ((60, "", 0), (5400, "min", 60), (129600, "h", 3600), (60 * 86400, "d", 86400)):
        if secs < limit:
            return "just now" if not unit else f"{round(secs / size)} {unit} ago"
    return t.strftime("%Y-%m-%d")


def shown_path(path: object) -> str:
    """A stored path relative to the current folder when that is shorter (how a user would type it);
    sources that are not files ("yahoo", "a.csv + b.csv") as they are."""
    text = str(path or "")
    if not os.path.isabs(text):
        return text
    try:
        rel = os.path.relpath(text)
    except ValueError:  # another drive on Windows
        return text
    return rel if len(rel) < len(text) else text


def folder(typed: str) -> str:
    """An output folder as typed, ending in one separator ("out/" stays "out/", never "out//")."""
    return typed if typed.endswith(("/", os.sep)) else typed + "/"


def _fit(natural: list[int], flexible: list[bool], room: int) -> list[int]:
    """Column widths within ``room``: fixed columns keep their natural width; the widest flexible
    column gives up a character at a time (none below 6) until the table fits."""
    widths = list(natural)
    while sum(widths) > room:
        k = max((k for k, f in enumerate(flexible) if f and widths[k] > 6), key=lambda k: widths[k], default=None)
        if k is None:
            break  # the fixed columns alone are wider than the terminal
        widths[k] -= 1
    return widths


def _cut(text: str, w: int, keep_end: bool) -> str:
    if len(text) <= w:
        return text
    # A path keeps its end (the file name); other text its beginning.
    return "…" + text[len(text) - w + 1:] if keep_end else text[: w - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, cap: int | None = DEFAULT_WIDTH,
          shrink: Sequence[str] = (), right: Sequence[str] = (), keep_end: Sequence[str] = ()) -> str:
    """Rows as a plain-text table at most :func:`width` columns wide (``cap`` None: as wide as the
    content): the ``shrink`` columns give up room, cut with an ellipsis (at the start for the
    ``keep_end`` ones, such as paths); the others never wrap; ``right`` ones are right-aligned."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    cells = [["" if v is None else str(v) for v in row] for row in rows]
    natural = [max([len(h), *(len(r[k]) for r in cells)]) for k, h in enumerate(headers)]
    gaps = 3 * (len(headers) - 1)  # a space of padding either side of the rule's blank divider
    widths = _fit(natural, [h in shrink for h in headers], width(cap) - gaps) if cap else natural
    # A header rule of plain hyphens: box-drawing characters turn to mojibake in some logs and pipes.
    rule = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)
    t = Table(box=rule, pad_edge=False, show_edge=False, padding=(0, 1))
    for h, w in zip(headers, widths, strict=True):
        t.add_column(_cut(h, w, False), no_wrap=True, overflow="ellipsis", width=w,
                     justify="right" if h in right else "left")
    for r in cells:
        t.add_row(*(_cut(c, w, h in keep_end) for c, w, h in zip(r, widths, headers, strict=True)))
    buf = io.StringIO()
    console = Console(file=buf, width=sum(widths) + gaps, color_system=None, force_terminal=False,
                      soft_wrap=False, highlight=False, emoji=False, markup=False)
    console.print(t)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())


def _after() -> float:
    # EVENTSTUDY_PROGRESS_AFTER: the delay before progress appears (tests set 0).
    try:
        return float(os.environ.get("EVENTSTUDY_PROGRESS_AFTER", PROGRESS_AFTER))
    except ValueError:
        return PROGRESS_AFTER


def _tty(stream: IO[str] | None) -> IO[str] | None:
    out = stream if stream is not None else sys.stderr
    return out if hasattr(out, "isatty") and out.isatty() else None


def _bar(what: str, total: int | None, out: IO[str]) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = ([TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
               if total else [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()])
    # transient: the bar is erased when the work is done, leaving only the command's own output.
    bar = Progress(*columns, console=Console(file=out), transient=True)
    return bar, bar.add_task(what, total=total)


@contextmanager
def progress(what: str, total: int | None = None, stream: IO[str] | None = None) -> Iterator[Callable[[], None]]:
    """Yields ``advance()``. A bar on ``stream`` (stderr) once the work has taken
    :data:`PROGRESS_AFTER` seconds, erased when done; nothing at all when ``stream`` is not a
    terminal, so logs and pipes stay clean."""
    out = _tty(stream)
    if out is None:
        yield lambda: None
        return
    bar, task = _bar(what, total, out)
    started, shown = time.monotonic(), False

    def advance() -> None:
        nonlocal shown
        bar.advance(task)
        if not shown and time.monotonic() - started >= _after():
            bar.start()
            shown = True

    try:
        if _after() <= 0:
            bar.start()
            shown = True
        yield advance
    finally:
        if shown:
            bar.stop()


@contextmanager
def working(what: str, stream: IO[str] | None = None) -> Iterator[None]:
    """A spinner for one long step without a count (a study's single vectorised pass), shown only
    on a terminal and only after :data:`PROGRESS_AFTER` seconds."""
    out = _tty(stream)
    if out is None:
        yield
        return
    import threading

    done = threading.Event()

    def spin() -> None:
        if done.wait(_after()):
            return
        bar, _ = _bar(what, None, out)
        with bar:
            done.wait()

    t = threading.Thread(target=spin, daemon=True)
    t.start()
    try:
        yield
    finally:
        done.set()
        t.join()
