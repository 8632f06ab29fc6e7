"""The time of day an article says an announcement came out: "after the close on Wednesday",
"before the open", "premarket", "midday", 收盘后, 盘前, "tras el cierre", "dopo la chiusura",
"до открытия".

A phrase counts only when it is about the announcement, not about a price move: its sentence (or
the sentence before) holds an announcement word (released, announced, results, 发布, 公布...) and,
in its own sentence, that word is closer to the phrase than any price move (a direction word or a
percentage), so "shares fell 5% after hours" sets nothing. The words are in
``eventstudy/data/timing_lexicon.csv`` (same format as the claim lexicon); every pattern is a plain
alternation without nested repeats, so matching stays linear in the text's length.

Where the phrase names its own day ("after the close on Wednesday", "周三收盘后"), that day word is
kept, to be resolved against the article's date. The mapping to a clock time on the target's
exchange is in :mod:`eventstudy.news.extract.to_events`.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

import regex

from eventstudy.news.extract.lexicon import Cue, Lexicon, data_file, default_lexicon, read_lexicon
from eventstudy.news.extract.text import percents, sentences

SLOTS: tuple[str, ...] = ("before_open", "after_close", "midday", "during")
ROLES: tuple[str, ...] = ("announce", *SLOTS)
SLOT_WORDS = {"before_open": "before the open", "after_close": "after the close", "midday": "midday",
              "during": "during trading"}
_MOVE_ROLES = ("up", "down", "rally", "selloff")  # of the claim lexicon
# A day word next to the phrase is its day: "after the close on Wednesday", "周三收盘后", "dopo la
# chiusura di mercoledì", "tras el cierre del miércoles", "после закрытия торгов в среду".
_CONNECTOR = regex.compile(r"[\s,]*(?:(?:on|of|di|del|de)\s+)?", regex.IGNORECASE)


@dataclass(frozen=True)
class StatedTime:
    """A time of day the article gives for the announcement."""

    slot: str  # one of SLOTS
    phrase: str  # the words as written ("after the close")
    start: int
    end: int
    day: str = ""  # a day word next to the phrase ("on Wednesday", "周三"), "" if none
    announcement: str = ""  # the announcement word it was read with ("reported")

    @property
    def quote(self) -> str:
        """The phrase with its day word, as short as the article allows."""
        return f"{self.phrase} {self.day}".strip() if self.day else self.phrase


@functools.cache
def default_timing_lexicon() -> Lexicon:
    return Lexicon(read_lexicon(data_file("timing_lexicon.csv"), ROLES, "timing lexicon"))


class _Nearest:
    """The span nearest to a given one among many, by bisection: a sentence with thousands of cues
    (a hostile or garbled text with no full stops) still costs n log n, not n squared."""

    def __init__(self, spans: list[tuple[int, int, str]]):
        self._spans = sorted(spans)
        self._starts = [s for s, _, _ in self._spans]
        # reach[i]: the span among the first i + 1 that ends last (the nearest one before a point)
        self._reach: list[int] = []
        for i, (_, e, _) in enumerate(self._spans):
            self._reach.append(i if not self._reach or e > self._spans[self._reach[-1]][1] else self._reach[-1])

    def __bool__(self) -> bool:
        return bool(self._spans)

    def nearest(self, start: int, end: int) -> tuple[int, str] | None:
        """(gap in characters, text) of the nearest span; gap 0 when one overlaps."""
        best: tuple[int, str] | None = None
        i = bisect.bisect_left(self._starts, end)
        if i > 0:
            _, e, text = self._spans[self._reach[i - 1]]
            best = (max(0, start - e), text)
        if i < len(self._spans) and (best is None or self._starts[i] - end < best[0]):
            best = (self._starts[i] - end, self._spans[i][2])
        return best


def stated_times(text: str, lexicon: Lexicon | None = None, claims_lexicon: Lexicon | None = None
                 ) -> list[StatedTime]:
    """Every phrase in ``text`` that times an announcement, in text order."""
    lex = lexicon or default_timing_lexicon()
    claims = claims_lexicon or default_lexicon()
    out: list[StatedTime] = []
    announced_before = False  # the previous sentence held an announcement word
    for span in sentences(text):
        lo, hi = span.start, span.end
        announce = _Nearest([(c.start, c.end, c.text) for c in lex.find("announce", text, lo, hi)])
        # one lookup tells the many sentences without any slot word
        slots = (sorted((c for role in SLOTS for c in lex.find(role, text, lo, hi)), key=lambda c: c.start)
                 if lex.any_of(SLOTS, text, lo, hi) else [])
        if slots:
            moves = _Nearest([(c.start, c.end, c.text) for r in _MOVE_ROLES for c in claims.find(r, text, lo, hi)]
                             + [(p.start, p.end, "") for p in percents(text, lo, hi)])
            days = _Nearest([(c.start, c.end, c.text.strip()) for c in claims.find("relative", text, lo, hi)])
            for cue in slots:
                # "during trading" holds no move word, but "rose during trading" does: the nearest word decides.
                move = moves.nearest(cue.start, cue.end)
                word = announce.nearest(cue.start, cue.end)
                if word is not None:
                    if move is not None and move[0] <= word[0]:
                        continue
                    said = word[1]
                elif announced_before and move is None:
                    said = "(the sentence before)"
                else:
                    continue
                out.append(StatedTime(cue.role, cue.text, cue.start, cue.end, _day(days, text, cue), said))
        announced_before = bool(announce)
    return out


def _day(days: _Nearest, text: str, cue: Cue) -> str:
    """A relative day word right after or right before the phrase, else ""."""
    found = days.nearest(cue.start, cue.end)
    if found is None:
        return ""
    gap, word = found
    # Only what separates them may differ: "after the close on Wednesday", "周三收盘后", "di mercoledì".
    after = text.find(word, cue.end, cue.end + gap + len(word))
    if after == cue.end + gap and _CONNECTOR.fullmatch(text, cue.end, after):
        return word
    before = text.rfind(word, max(0, cue.start - gap - len(word)), cue.start - gap)
    if before >= 0 and _CONNECTOR.fullmatch(text, before + len(word), cue.start):
        return word
    return ""


def stated_time(text: str, lexicon: Lexicon | None = None) -> tuple[StatedTime | None, list[StatedTime]]:
    """The article's one stated announcement time, and every phrase found. None when there is none,
    or when the phrases disagree (one says before the open, another after the close): the reader,
    not the rules, must then decide."""
    found = stated_times(text, lexicon)
    if not found:
        return None, found
    first = found[0]
    if any(t.slot != first.slot or (t.day and first.day and t.day.lower() != first.day.lower()) for t in found):
        return None, found
    # A phrase that names its day says more than one that does not ("after the bell" ... "after the
    # close on Wednesday").
    return next((t for t in found if t.day), first), found
