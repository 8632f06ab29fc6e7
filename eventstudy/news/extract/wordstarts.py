"""Where in a text the lexicon's patterns can match: found once per text, so that each sentence's
lookups try the patterns only there.

A role's pattern is an alternation of a hundred words tried at every position of every sentence it
is asked about; most of those positions start none of its words. Almost every pattern begins with
plain characters ("share" in ``shares?\\b``; "in" or "over" in ``(?:in|over) a session``): a match
can start only where one of those leading words occurs. One Aho-Corasick pass over the text finds
them all, for every role at once; a lookup then runs the role's own pattern at those positions
only, with the same matches as a search through the sentence (the search could have matched
nowhere else).

The patterns are matched without case, by the ``regex`` module's rules; the pass reads the text
and the words in lower case, which finds every place the pattern could match as long as no
character of the text equals a word's character without case but lowers to another character (or
to several). The ``regex`` module itself says, once per character, whether that holds; a text
with a character for which it does not is not indexed, and its lookups search as before.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

import ahocorasick
import regex

K = TypeVar("K", bound=Hashable)

# A text shorter than this is searched sentence by sentence without an index of where words start:
# building one costs more than it saves there, and the short texts asked about between lookups in
# an article (a claim's sentence) would otherwise replace the article's index.
MIN_INDEXED_CHARS = 1_000

_SPECIAL = frozenset("\\.^$*+?{}[]|()")
_QUANTIFIER = frozenset("?*+{")
# Inline flags ((?x) reads spaces otherwise, (?-i:...) case, (?V1) sets) and comments (which may
# hold brackets): a pattern with any of them is not read for its leading words.
_NOT_PLAIN = regex.compile(r"\(\?(?:#|[-^aiLmsuxbefprwV])")
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
_MAX_WORDS = 64  # a pattern with more leading words than this is searched instead


def leading_words(pattern: str) -> list[str] | None:
    """Words one of which starts every match of ``pattern`` ("share" for ``shares?\\b``; "in" and
    "over" for ``(?:in|over) (?:a|one) session``), or None when a match may start otherwise or the
    pattern is not plain enough to tell. Only plain characters, escaped punctuation and
    non-capturing groups of those are read; anything else (a class, a quantified character, a
    lookaround, an escape such as ``\\s``) ends the words there."""
    if _NOT_PLAIN.search(pattern):
        return None
    found = _alternation(pattern, 0, len(pattern))
    if found is None or any(not w for w in found[0]):
        return None
    return sorted(set(found[0]))


def _alternation(p: str, lo: int, hi: int) -> tuple[list[str], bool] | None:
    """The leading words of ``p[lo:hi]``, and whether they are the whole of what it matches."""
    bounds = _branches(p, lo, hi)
    if bounds is None:
        return None
    words: list[str] = []
    whole = True
    for a, b in bounds:
        found = _sequence(p, a, b)
        if found is None:
            return None
        words += found[0]
        whole = whole and found[1]
    return (words, whole) if len(words) <= _MAX_WORDS else None


def _sequence(p: str, lo: int, hi: int) -> tuple[list[str], bool] | None:
    """The leading words of a branch without ``|`` at its own level."""
    words = [""]
    i = lo
    while i < hi:
        item = _item(p, i, hi)
        if item is None:
            return words, False
        found, whole, i = item
        if i < hi and p[i] == "?":  # "(?:el )?lunes", "上?周": with the item or without it
            i += 2 if i + 1 < hi and p[i + 1] in "?+" else 1
            rest = _sequence(p, i, hi)
            if rest is None:
                return words, False
            after = rest[0] if whole else [""]
            both = [w + x + r for w in words for x in found for r in after] + [w + r for w in words for r in rest[0]]
            if len(both) > _MAX_WORDS:
                return words, False
            return both, whole and rest[1]
        if i < hi and p[i] in _QUANTIFIER:
            return words, False  # "shares+", "(?:ab)*": a repeat
        if len(words) * len(found) > _MAX_WORDS:
            return words, False
        words = [w + x for w in words for x in found]
        if not whole:
            return words, False
    return words, True


def _item(p: str, i: int, hi: int) -> tuple[list[str], bool, int] | None:
    """The words of the item at ``p[i]`` (a character, an escaped punctuation mark, a class of
    plain characters, or a non-capturing group), whether they are all it matches, and where it ends;
    None for any other item."""
    ch = p[i]
    if p.startswith(_LOOKAROUNDS, i):  # tests the place, reads nothing: no word of its own
        end = _group_end(p, i)
        return None if end is None or end >= hi else ([""], True, end + 1)
    if p.startswith("(?:", i):
        end = _group_end(p, i)
        if end is None or end >= hi:
            return None
        inner = _alternation(p, i + 3, end)
        return None if inner is None else (inner[0], inner[1], end + 1)
    if ch == "[":
        end = _skip(p, i)
        if end is None or end > hi:
            return None
        chars = p[i + 1:end - 1]
        if not chars or any(c in _SPECIAL or c in "-^&~" for c in chars):
            return None
        return sorted(set(chars)), True, end
    if ch == "\\":
        if i + 1 >= hi or not p[i + 1].isascii() or p[i + 1].isalnum():
            return None
        return [p[i + 1]], True, i + 2
    if ch in _SPECIAL:
        return None
    return [ch], True, i + 1


def _skip(p: str, i: int) -> int | None:
    """The index after the escape or character class starting at ``p[i]``, or after ``p[i]``."""
    if p[i] == "\\":
        return i + 2
    if p[i] != "[":
        return i + 1
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p):
        if p[j] == "\\":
            j += 2
        elif p[j] == "[":
            return None  # a nested set or a POSIX class: not read
        elif p[j] == "]":
            return j + 1
        else:
            j += 1
    return None


def _group_end(p: str, i: int) -> int | None:
    """The index of the ``)`` closing the group opened at ``p[i]``."""
    depth = 0
    j: int | None = i
    while j is not None and j < len(p):
        if p[j] == "(":
            depth += 1
        elif p[j] == ")":
            depth -= 1
            if depth == 0:
                return j
        j = _skip(p, j)
    return None


def _branches(p: str, lo: int, hi: int) -> list[tuple[int, int]] | None:
    """The spans of ``p[lo:hi]`` between the ``|`` at its own level."""
    out = []
    depth, start = 0, lo
    j: int | None = lo
    while j is not None and j < hi:
        if p[j] == "(":
            depth += 1
        elif p[j] == ")":
            depth -= 1
            if depth < 0:
                return None
        elif p[j] == "|" and depth == 0:
            out.append((start, j))
            start = j + 1
        j = _skip(p, j)
    if j is None or j > hi or depth != 0:
        return None
    out.append((start, hi))
    return out


class WordStarts(Generic[K]):
    """Where the words of each key (a role, the alias table) occur in a text, without case."""

    def __init__(self, words: Mapping[K, Iterable[str]]):
        alphabet = sorted({ch for ws in words.values() for w in ws for ch in w})
        self.alphabet = alphabet
        # lowering must keep every word's length (so a place in the lowered text is one in the text)
        self.usable = bool(alphabet) and all(len(ch.lower()) == 1 for ch in alphabet)
        self._keys: list[K] = list(words)
        self._checked: set[str] = set()  # the characters of texts seen so far, and those not read right
        self._unsafe: set[str] = set()
        self._automaton = ahocorasick.Automaton()
        if not self.usable:
            return
        # The first character of the words that a character matches without case (by the regex
        # module's rules), and per such character the one lower case its whole case class shares
        # (None: its class lowers to several, so a text holding one of them is not indexed).
        self._fold = regex.compile("|".join(f"({regex.escape(a)})" for a in alphabet), regex.IGNORECASE)
        lowers: dict[int, set[str]] = {}
        for a in alphabet:
            lowers.setdefault(self._first_like(a), set()).add(a.lower())
        self._class_lower = {k: next(iter(low)) if len(low) == 1 else None for k, low in lowers.items()}
        keyed: dict[str, set[int]] = {}
        for k, key in enumerate(self._keys):
            for w in words[key]:
                keyed.setdefault(w.lower(), set()).add(k)
        for w, keys in keyed.items():
            self._automaton.add_word(w, (len(w), tuple(sorted(keys))))
        self._automaton.make_automaton()

    def _first_like(self, ch: str) -> int:
        m = self._fold.fullmatch(ch)
        return -1 if m is None or m.lastindex is None else m.lastindex

    def _reads_right(self, ch: str) -> bool:
        """Whether every character of the words that ``ch`` matches without case lowers as ``ch`` does."""
        low = ch.lower()
        if len(low) != 1:
            return False
        k = self._first_like(ch)
        # The regex module's case classes are equivalence classes: a character like one of a class
        # is like all of it (tests/test_wordstarts.py checks this for every character).
        return k < 0 or self._class_lower[k] == low

    def find(self, text: str) -> dict[K, list[int]] | None:
        """Per key, the sorted places in ``text`` where one of its words starts (lower case against
        lower case); None when the text cannot be read so (see the module's doc)."""
        if not self.usable:
            return None
        chars = _characters(text)
        for ch in chars - self._checked:
            if not self._reads_right(ch):
                self._unsafe.add(ch)
            self._checked.add(ch)
        if not chars.isdisjoint(self._unsafe):
            return None
        found: list[list[int]] = [[] for _ in self._keys]
        for end, (length, keys) in self._automaton.iter(text.lower()):
            for k in keys:
                found[k].append(end - length + 1)
        return {key: sorted(set(at)) for key, at in zip(self._keys, found, strict=True)}


@functools.lru_cache(maxsize=2)  # an article's characters, for the claim words, the timing words and the names
def _characters(text: str) -> frozenset[str]:
    return frozenset(text)


def in_range(starts: list[int], lo: int, hi: int) -> list[int]:
    """The places of ``starts`` in [lo, hi)."""
    return starts[bisect_left(starts, lo):bisect_left(starts, hi)]
