"""Matches of one pattern in text order, looked up by position in logarithmic time.

The matches of one pattern never overlap (a search resumes where the last match ended; a cue's word
tail stops at the next word start, where the next match can begin), so their starts and their ends
both ascend, and "the cues near this number" is two binary searches instead of a scan of the
sentence. Without these lookups, a sentence of a thousand numbers and a thousand names cost a
million comparisons. Should a list ever not be in that order, every lookup falls back to a scan, with
the same answers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar


class _Located(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


T = TypeVar("T", bound=_Located)


class Ordered(Generic[T]):
    """Located items (cues, mentions) in text order."""

    __slots__ = ("ends", "items", "monotone", "starts")

    def __init__(self, items: Sequence[T]):
        self.items = list(items)
        self.starts = [x.start for x in self.items]
        self.ends = [x.end for x in self.items]
        # Most lists of a sentence are empty or hold one cue: nothing to check.
        self.monotone = len(self.items) < 2 or (
            all(a <= b for a, b in zip(self.starts, self.starts[1:], strict=False))
            and all(a <= b for a, b in zip(self.ends, self.ends[1:], strict=False)))

    def __bool__(self) -> bool:
        return bool(self.items)

    def overlapping(self, lo: int, hi: int) -> list[T]:
        """The items that end after ``lo`` and start before ``hi``, in order."""
        if not self.monotone:
            return [x for x in self.items if x.end > lo and x.start < hi]
        return self.items[bisect_right(self.ends, lo):bisect_left(self.starts, hi)]

    def within(self, lo: int, hi: int) -> list[T]:
        """The items that lie wholly inside [lo, hi), in order."""
        if not self.monotone:
            return [x for x in self.items if x.start >= lo and x.end <= hi]
        return self.items[bisect_left(self.starts, lo):bisect_right(self.ends, hi)]

    def count_ending_by(self, at: int) -> int:
        """How many items end at or before ``at`` (they are the first ones, in order)."""
        return bisect_right(self.ends, at) if self.monotone else sum(1 for x in self.items if x.end <= at)

    def first_starting_from(self, at: int) -> T | None:
        if not self.monotone:
            return next((x for x in self.items if x.start >= at), None)
        i = bisect_left(self.starts, at)
        return self.items[i] if i < len(self.items) else None

    def last_starting_by(self, at: int) -> T | None:
        if not self.monotone:
            return next((x for x in reversed(self.items) if x.start <= at), None)
        i = bisect_right(self.starts, at)
        return self.items[i - 1] if i else None

    def any_start_between(self, lo: int, hi: int) -> bool:
        """Whether an item starts in [lo, hi]."""
        if not self.monotone:
            return any(lo <= x.start <= hi for x in self.items)
        i = bisect_left(self.starts, lo)
        return i < len(self.starts) and self.starts[i] <= hi

    def any_end_between(self, lo: int, hi: int) -> bool:
        """Whether an item ends in [lo, hi]."""
        if not self.monotone:
            return any(lo <= x.end <= hi for x in self.items)
        i = bisect_left(self.ends, lo)
        return i < len(self.ends) and self.ends[i] <= hi

    def nearest_candidates(self, start: int, end: int) -> list[T]:
        """The item ending last at or before ``start`` and the one starting first at or after ``end``:
        the only ones that can be nearest to [start, end) from either side."""
        if not self.monotone:
            return self.items
        out = []
        i = bisect_right(self.ends, start)
        if i:
            out.append(self.items[i - 1])
        j = bisect_left(self.starts, end)
        if j < len(self.items):
            out.append(self.items[j])
        return out
