"""The words claim extraction looks for, read from data files in ``eventstudy/data/``.

``claim_lexicon.csv`` holds one regular expression (the ``regex`` module's syntax, matched without
case) per row, with its role (``up``, ``gt``, ``session``, ``not_market``...) and language.
``aliases.csv`` maps the names a company or a group goes by to a registry symbol or group; a user's
file with the same columns extends it (``--aliases FILE``). Chinese words and names are written in
simplified characters: traditional text is read through OpenCC's conversion (``extract.simplified``),
and a traditional name in a user's file is converted the same way. Target ``=`` marks an epithet
("China's Nvidia"): read so the name inside it is not, then dropped. Target ``-`` marks a company with no
listed target (Huawei): a claim about it is not proposed, and its mention stops "the company" from
pointing back past it to an earlier name.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import regex

from eventstudy.data.bounds import MAX_ALIAS_ROWS, MAX_ALIASES_BYTES
from eventstudy.data.securities import read_csv_records
from eventstudy.errors import UserError
from eventstudy.news.extract import wordstarts
from eventstudy.news.extract.simplified import to_simplified
from eventstudy.news.extract.wordstarts import WordStarts, in_range, leading_words

LANGUAGES: tuple[str, ...] = ("en", "it", "es", "ru", "zh")
ROLES: tuple[str, ...] = (
    "market", "up", "down", "gt", "gt_after", "lt", "lt_after", "approx", "approx_after", "level",
    "session", "listing", "period", "rally", "selloff", "anaphor", "not_market", "relative", "negation", "peak",
    "intraday", "close", "measure", "size", "respectively", "record",
    "a_share", "h_share", "live", "projection", "founded",
)
NO_TARGET = "-"
# A subject that is no company: a sector or a sub-index ("il settore tecnologico", "subíndice"). Its
# number is nobody's the tool can check, like an unlisted company's, but "the company" never means it.
NOT_COMPANY = "~"
# An epithet ("China's Nvidia", "la Nvidia de China", 中国版英伟达): words that name no company of their
# own but describe the subject beside them; matched so that the name inside them is not read, then dropped.
EPITHET = "="

# A Latin or Cyrillic word must start at a word start; CJK text has no spaces, so a match that starts
# with a CJK character needs no guard ("MiniMax上市以来").
_START = r"(?:(?<![\p{Latin}\p{Cyrillic}\p{N}])|(?![\p{Latin}\p{Cyrillic}\p{N}]))"
# A name ending in a Latin or Cyrillic letter or a digit must end at a word end; one ending in a CJK
# character needs no guard ("华虹半导体A股").
_END = r"(?:(?<![\p{Latin}\p{Cyrillic}\p{N}])|(?![\p{Latin}\p{Cyrillic}\p{N}]))"
_LETTER = regex.compile(r"[\p{Latin}\p{Cyrillic}]")
_WORD_TAIL = regex.compile(r"[\p{Latin}\p{Cyrillic}]*")


def data_file(name: str) -> Traversable:
    return resources.files("eventstudy").joinpath("data").joinpath(name)


@dataclass(frozen=True, slots=True)  # one per name or word found: many in a long text
class Cue:
    """One lexicon match in a text: its role, span and words."""

    role: str
    start: int
    end: int
    text: str


class Lexicon:
    """Compiled patterns by role; every language's words are searched, so a quote in another
    language than the article's (or a misdetected short text) is still read.

    The lookups of one text reuse an index of where each role's words can start in it (see
    :mod:`eventstudy.news.extract.wordstarts`), made on the first lookup of the text: an article's
    sentences are each asked about a dozen roles."""

    def __init__(self, patterns: dict[str, list[str]]):
        # The word-start guard stands once before the alternatives, not inside each: it depends only
        # on the position, so the matches are the same, and the engine tests it once per position
        # instead of once per alternative (30 times faster on a long text).
        self._alternatives = {role: "|".join(f"(?:{p})" for p in sorted(ps, key=len, reverse=True))
                              for role, ps in patterns.items() if ps}
        self._by_role = {role: regex.compile(f"{_START}(?:{alt})", regex.IGNORECASE)
                         for role, alt in self._alternatives.items()}
        self._back = {role: regex.compile(f"(?:{p.pattern})\\s*$", regex.IGNORECASE)
                      for role, p in self._by_role.items()}
        self._unions: dict[tuple[str, ...], regex.Pattern | None] = {}
        # Roles whose every pattern starts with known words; the others are always searched.
        leading: dict[str | tuple[str, ...], list[str]] = {}
        for role, ps in patterns.items():
            found = [leading_words(p) for p in ps]
            if ps and all(found):
                leading[role] = [w for ws in found if ws for w in ws]
        self._words = WordStarts(leading)
        self._indexed_roles = frozenset(role for role in patterns if role in leading)
        # A role's alternatives tried at a place of an indexed text are only those with a word starting
        # with its character (no other can match there): the first of them to match is the first of
        # all, and a hundred alternatives cost a hundred tries at every place. In the order tried,
        # each with its words' first characters; the patterns made on first use, per character.
        self._tried = {role: [(p, {w[0].lower() for w in leading_words(p) or ()})
                              for p in sorted(patterns[role], key=len, reverse=True)] for role in self._indexed_roles}
        self._by_first: dict[str, dict[str, regex.Pattern[str]]] = {role: {} for role in self._indexed_roles}
        # Per tuple of roles asked about together, those with an index and those without (asked
        # about once per sentence: told apart once).
        self._split: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
        # The last text looked up, and where in it a cue of a role (or of one of a tuple of roles) can start.
        self._indexed: tuple[str, dict[str | tuple[str, ...], list[int]] | None] | None = None

    def _index(self, text: str) -> dict[str | tuple[str, ...], list[int]] | None:
        if len(text) < wordstarts.MIN_INDEXED_CHARS or not self._words.usable:
            return None
        last = self._indexed  # one read: another thread may replace it
        if last is None or last[0] is not text:
            last = self._indexed = (text, self._words.find(text))
        return last[1]

    def _starts(self, roles: tuple[str, ...], text: str) -> list[int] | None:
        """Where in ``text`` a cue of one of ``roles`` (all indexed) can start, sorted; None: anywhere (search)."""
        index = self._index(text)
        if index is None:
            return None
        found = index.get(roles)
        if found is None:
            found = index[roles] = sorted(set().union(*(index[r] for r in roles)))
        return found

    def _union(self, roles: tuple[str, ...]) -> regex.Pattern[str] | None:
        if roles not in self._unions:
            alts = [self._alternatives[r] for r in roles if r in self._alternatives]
            self._unions[roles] = (regex.compile(f"{_START}(?:" + "|".join(f"(?:{a})" for a in alts) + ")",
                                                 regex.IGNORECASE) if alts else None)
        return self._unions[roles]

    def any_of(self, roles: tuple[str, ...], text: str, start: int, end: int) -> bool:
        """False only when no role of ``roles`` has a cue in [start, end): one search for several
        roles, where most sentences have none of them (a search costs more to start than to run
        over a sentence). A cue of any role would be a match of the union at its place or earlier.
        In an indexed text, True where one of their words starts, even if no cue does.
        """
        if self._index(text) is not None:
            # Where a word of the indexed roles starts, a cue may: the roles' own lookups, each tried
            # at its own words' places only, then tell (the union would try every role's words
            # there). Elsewhere only a role without an index can have one: those are searched.
            split = self._split.get(roles)
            if split is None:
                indexed = tuple(r for r in roles if r in self._indexed_roles)
                split = self._split[roles] = (indexed, tuple(r for r in roles if r not in indexed))
            indexed, roles = split
            starts = self._starts(indexed, text) if indexed else []
            if starts and in_range(starts, start, end):
                return True
        union = self._union(roles)
        return union is not None and union.search(text, start, end) is not None

    def find(self, role: str, text: str, start: int = 0, end: int | None = None) -> list[Cue]:
        stop = len(text) if end is None else end
        index = self._index(text)
        # Most lookups of an indexed text find none of the role's words in the range: answered
        # by two bisections, before anything else is made.
        starts = None if index is None else index.get(role)
        if starts is not None:
            lo = bisect_left(starts, start)
            hi = bisect_left(starts, stop, lo)
            if lo == hi:
                return []
        pattern = self._by_role.get(role)
        if pattern is None:
            return []
        matches: Iterable[regex.Match[str]] = (
            pattern.finditer(text, start, stop) if starts is None
            else _matches_at(lambda at: self._pattern_at(role, text[at].lower()), text, starts[lo:hi], stop))
        out = []
        for m in matches:
            if m.end() == m.start():
                continue
            # A stem ("подорожал", "aument") stands for the whole word in quotes and messages.
            tail = _WORD_TAIL.match(text, m.end(), stop) if _LETTER.match(text[m.end() - 1]) else None
            finish = tail.end() if tail else m.end()
            out.append(Cue(role, m.start(), finish, text[m.start():finish]))
        return out

    def _pattern_at(self, role: str, first: str) -> regex.Pattern[str]:
        """The role's pattern of the alternatives with a word starting with ``first`` (lower case)."""
        made = self._by_first[role]
        found = made.get(first)
        if found is None:
            alts = "|".join(f"(?:{p})" for p, firsts in self._tried[role] if first in firsts)
            found = made[first] = regex.compile(f"{_START}(?:{alts})", regex.IGNORECASE)
        return found

    def search_back(self, role: str, text: str, end: int) -> Cue | None:
        """A cue of ``role`` ending exactly at ``end`` (after optional spaces)."""
        tail = self._back.get(role)
        if tail is None:
            return None
        lo = max(0, end - 40)
        index = self._index(text)
        starts = None if index is None else index.get(role)
        if starts is None:
            m = tail.search(text, lo, end)
        else:
            m = next((found for at in in_range(starts, lo, end) if (found := tail.match(text, at, end))), None)
        return None if m is None else Cue(role, m.start(), m.end(), m.group())


def _matches_at(pattern_at: Callable[[int], regex.Pattern[str]], text: str, starts: list[int],
                stop: int) -> Iterator[regex.Match[str]]:
    """The matches a search of a pattern through the text up to ``stop`` finds, when it can match
    only at ``starts`` (sorted): tried there in order, each after the end of the last match
    (``pattern_at``: the pattern, or the part of it that can match at a place)."""
    after = 0
    for at in starts:
        if at >= after and (m := pattern_at(at).match(text, at, stop)) is not None and m.end() > m.start():
            after = m.end()
            yield m


def read_lexicon(path: Path | Traversable, roles: tuple[str, ...] = ROLES,
                 what: str = "claim lexicon") -> dict[str, list[str]]:
    """A lexicon file's patterns by role (``role,language,pattern``); the timing lexicon uses the same format."""
    patterns: dict[str, list[str]] = {role: [] for role in roles}
    for rec in read_csv_records(path, ("role", "language", "pattern"), (), what):
        role, lang, pattern = rec.values["role"], rec.values["language"], rec.values["pattern"]
        if role not in patterns:
            raise rec.error("role", f"unknown role {role!r}", "roles: " + ", ".join(roles))
        if lang not in LANGUAGES:
            raise rec.error("language", f"unknown language {lang!r}", "languages: " + ", ".join(LANGUAGES))
        try:
            regex.compile(pattern)
        except regex.error as exc:
            raise rec.error("pattern", f"not a regular expression: {exc}") from None
        patterns[role].append(pattern)
    return patterns


@functools.cache
def default_lexicon() -> Lexicon:
    return Lexicon(read_lexicon(data_file("claim_lexicon.csv")))


# --------------------------------------------------------------------------------------------------
# Aliases


@dataclass(frozen=True, slots=True)  # one per name or word found: many in a long text
class Mention:
    """A name found in a text and the registry symbol or group it stands for (``-``: none)."""

    target: str
    start: int
    end: int
    text: str


# A listed company's exchange code in brackets beside its name: (00981), (HK:1347), (02513.HK), （688256.SH）.
_CODE = regex.compile(r"[(（]\s*(?:(?:HK|SH|SZ|SSE|SZSE|HKEX)\s*[:：]\s*)?(?P<digits>\d{4,6})"
                      r"(?:\.(?:HK|SH|SS|SZ))?\s*[)）]", regex.IGNORECASE)


class AliasTable:
    """Names -> targets; the longest name wins where names overlap ("Zhipu AI" over "Zhipu")."""

    def __init__(self, aliases: dict[str, str]):
        self.aliases = dict(aliases)
        parts = []
        for name in sorted(self.aliases, key=len, reverse=True):
            # "*" stands for any word ending: "производител* чипов", "Камбрикон*"
            words = "".join(r"\s+" if ch.isspace() else r"\w*" if ch == "*" else regex.escape(ch) for ch in name)
            parts.append(words + ("" if name.endswith("*") else _END))
        # One word-start guard before all the names (see Lexicon): one group per name, in order.
        self._pattern = (regex.compile(_START + "(?:" + "|".join(f"({p})" for p in parts) + ")", regex.IGNORECASE)
                         if parts else None)
        self._names = sorted(self.aliases, key=len, reverse=True)
        # A name is read from its first word (up to a space or a "*"): a match starts only where one is.
        firsts = [regex.split(r"[\s*]", name, maxsplit=1)[0] for name in self._names]
        self._words = WordStarts({"names": firsts} if all(firsts) else {})
        # At a place of an indexed text only the names whose first word starts with its character are
        # tried (see Lexicon): per character, their pattern and their indices in ``_names``.
        self._parts, self._first_chars = parts, [w[:1].lower() for w in firsts]
        self._by_first: dict[str, regex.Pattern[str]] = {}
        self._names_of: dict[regex.Pattern[str], list[int]] = {}
        if self._pattern is not None:
            self._names_of[self._pattern] = list(range(len(self._names)))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.aliases.items())

    def find(self, text: str) -> list[Mention]:
        """The names in ``text`` and the stock codes written beside names ("(00981)", "(HK:1347)",
        "（688256）"), in text order: a code of a registry symbol names it, any other code names a
        company outside the registry (target ``-``), so a number after it is not given to an earlier name."""
        out = []
        if (pattern := self._pattern) is not None:
            index = self._words.find(text) if len(text) >= wordstarts.MIN_INDEXED_CHARS else None
            matches = (pattern.finditer(text) if index is None
                       else _matches_at(lambda at: self._pattern_at(text[at].lower()), text, index["names"], len(text)))
            for m in matches:
                name = self._names[self._names_of[m.re][m.lastindex - 1]] if m.lastindex else ""
                out.append(Mention(self.aliases[name], m.start(), m.end(), m.group()))
        out = [m for m in out if m.target != EPITHET]
        codes = self._codes
        for m in _CODE.finditer(text):
            digits = m.group("digits")
            out.append(Mention(codes.get(digits.lstrip("0") or "0", NO_TARGET), m.start(), m.end(), m.group()))
        return sorted(out, key=lambda x: x.start) if codes else out

    def _pattern_at(self, first: str) -> regex.Pattern[str]:
        found = self._by_first.get(first)
        if found is None:
            which = [i for i, ch in enumerate(self._first_chars) if ch == first]
            found = regex.compile(_START + "(?:" + "|".join(f"({self._parts[i]})" for i in which) + ")",
                                  regex.IGNORECASE)
            self._names_of[found] = which  # before another thread can match with it
            self._by_first[first] = found
        return found

    @functools.cached_property
    def _codes(self) -> dict[str, str]:
        """Exchange code (leading zeros dropped) -> registry symbol, for the symbols the names point at."""
        found: dict[str, str] = {}
        for target in self.targets():
            head, _, market = target.partition(".")
            if head.isdigit() and market in ("HK", "SS", "SZ"):
                found[head.lstrip("0")] = target
        return found

    def targets(self) -> set[str]:
        return set(self.aliases.values()) - {NO_TARGET, NOT_COMPANY, EPITHET}


def _read_aliases(path: Path | Traversable, into: dict[str, str]) -> None:
    for rec in read_csv_records(path, ("alias", "target"), ("language", "note"), "aliases",
                                max_bytes=MAX_ALIASES_BYTES, max_rows=MAX_ALIAS_ROWS,
                                too_big=f"at most {MAX_ALIAS_ROWS:,} names of your own"):
        alias, target = rec.values["alias"], rec.values["target"]
        if not alias.replace("*", "").strip():
            raise rec.error("alias", "empty alias")
        if not target:
            raise rec.error("target", "empty target",
                            "a symbol or group of the registry, - for an unlisted company or index, ~ for a sector")
        # Articles are read in simplified characters (extract.simplified), so a traditional name is too.
        into[to_simplified(alias)] = target


def load_aliases(extra: str | Path | None = None) -> AliasTable:
    """The shipped aliases, extended (and, name by name, overridden) by the user's file."""
    if extra is None:
        return _shipped_aliases()
    return _load_aliases(extra)


@functools.cache
def _shipped_aliases() -> AliasTable:
    # Read and compiled once per process: a batch of articles would otherwise pay 5 ms each.
    return _load_aliases(None)


def _load_aliases(extra: str | Path | None) -> AliasTable:
    aliases: dict[str, str] = {}
    _read_aliases(data_file("aliases.csv"), aliases)
    if extra is not None:
        path = Path(extra)
        if not path.is_file():
            raise UserError("aliases file not found", file=str(path), field="--aliases", hint="check the path")
        _read_aliases(path, aliases)
    return AliasTable(aliases)

