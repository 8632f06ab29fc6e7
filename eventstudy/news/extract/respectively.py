"""Lists read "respectively": "A and B rose 5% and 7%, respectively", "A与B分别上涨5%和7%".

The k numbers of such a list belong to the k names coordinated before it, in order. The nearest
name (what a number binds to otherwise) would give every number to the last name. A list is paired
only when its names are certain: exactly k names joined by "and" / "e" / "y" / "и" / 与 / 和 / a
comma, and no name the tool does not know at the head of the chain ("X与Y分别": when X is unknown,
the chain is incomplete and nothing is paired). An unpaired list proposes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from eventstudy.news.extract.lexicon import Cue, Mention
from eventstudy.news.extract.text import Percent

# What joins two numbers of one list: "5% and 7%", "6% e il 9,9%", "45.94%、22.11%", "5% и 7%".
_NUMBER_JOIN = regex.compile(r"\s*(?:[,，、]\s*)?(?:and|e|y|и|et|与|和|及|以及)?\s*"
                             r"(?:il|l'|lo|el|del|dell'|de|un|una|на)?\s*", regex.IGNORECASE)
# What joins two names of one list: "SMIC and Hua Hong", "SMIC e Hua Hong", "摩尔线程和沐曦股份".
_NAME_JOIN = regex.compile(r"[)）]?\s*(?:[,，、]|,?\s*(?:and|e|y|и|et)\s|与|和|及|以及|&)\s*", regex.IGNORECASE)
# A chain that starts right after a conjunction has a name before it that the tool does not know.
_DANGLING = regex.compile(r"(?:、|\b(?:and|e|y|и|et)|与|和|及)\s*$", regex.IGNORECASE)
_NEAR = 45  # how far the "respectively" word may be from its list, in characters


@dataclass(frozen=True)
class Paired:
    """The numbers of a "respectively" list: each number's name, or None when the list is unsure."""

    percents: tuple[int, ...]  # indices into the sentence's percents
    names: tuple[Mention | None, ...] | None  # None for a name the tool does not know


def _runs(text: str, pcts: Sequence[Percent]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, p in enumerate(pcts):
        if runs and _NUMBER_JOIN.fullmatch(text, pcts[runs[-1][-1]].end, p.start):
            runs[-1].append(i)
        else:
            runs.append([i])
    return [r for r in runs if len(r) >= 2]


def _merge_codes(mentions: Sequence[Mention], text: str) -> list[Mention]:
    """A name and its exchange code in brackets right after it are one name: "SMIC (00981)"."""
    out: list[Mention] = []
    for m in mentions:
        if out and out[-1].target == m.target and not text[out[-1].end:m.start].strip():
            continue
        out.append(m)
    return out


def _chain(text: str, mentions: list[Mention], before: int, lo: int) -> list[Mention]:
    """The names coordinated right before ``before``: the last name, and each name joined to it."""
    names = [m for m in mentions if m.end <= before and m.start >= lo]
    if not names:
        return []
    chain = [names[-1]]
    for m in reversed(names[:-1]):
        if _NAME_JOIN.fullmatch(text, m.end, chain[0].start) is None:
            break
        chain.insert(0, m)
    return chain


def pair(text: str, lo: int, mentions: Sequence[Mention], pcts: Sequence[Percent],
         cues: Sequence[Cue]) -> list[Paired]:
    """The "respectively" lists of one sentence (``lo`` its start): each with its names when sure."""
    if not cues:
        return []
    merged = _merge_codes(mentions, text)
    out = []
    for run in _runs(text, pcts):
        first, last = pcts[run[0]], pcts[run[-1]]
        cue = next((c for c in cues if first.start - _NEAR <= c.end <= first.start or
                    last.end <= c.start <= last.end + _NEAR), None)
        if cue is None:
            continue
        before = min(first.start, cue.start)
        chain = _chain(text, merged, before, lo)
        names: tuple[Mention | None, ...] | None = None
        if chain and all(a.target != b.target for a, b in itertools.pairwise(chain)):
            dangling = _DANGLING.search(text, lo, chain[0].start) is not None
            if len(chain) == len(run) and not dangling:
                names = tuple(chain)
            elif len(chain) == len(run) - 1 and dangling:
                # "X与Y分别上涨5%与7%" with X unknown: the first number is X's, the second Y's
                names = (None, *chain)
        out.append(Paired(tuple(run), names))
    return out
