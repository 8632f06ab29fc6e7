"""Which line of a company listed twice a sentence means: SMIC trades in Hong Kong (0981.HK) and on
Shanghai's STAR Market (688981.SS), and "SMIC" alone names the H share (aliases.csv). A
sentence that places the move in Shanghai ("A shares", "科创板", "Shanghai-listed", a price in yuan)
means the A line; the marker nearest the number decides, and Hong Kong wins a tie.
"""

from __future__ import annotations

import functools

from eventstudy.data.securities import default_registry
from eventstudy.news.extract.lexicon import Cue

_H, _A = " (H)", " (A)"


@functools.cache
def a_lines() -> dict[str, str]:
    """H-share symbol -> A-share symbol, for the registry's companies listed in both places (their
    names end in " (H)" and " (A)")."""
    by_name = {s.name: s.symbol for s in default_registry()}
    return {sym: by_name[name[: -len(_H)] + _A] for name, sym in by_name.items()
            if name.endswith(_H) and name[: -len(_H)] + _A in by_name}


def line(target: str, at: int, a_marks: list[Cue], h_marks: list[Cue]) -> str:
    """``target``, or its A line when an A-share marker is nearer to ``at`` than any Hong Kong one."""
    a_line = a_lines().get(target)
    if a_line is None or not a_marks:
        return target

    def gap(c: Cue) -> int:
        return at - c.end if c.end <= at else max(0, c.start - at)

    nearest_a = min(gap(c) for c in a_marks)
    return a_line if not h_marks or nearest_a < min(gap(c) for c in h_marks) else target
