"""Sentences and percentages in a text, with their character offsets in it.

Numbers are read as the five languages write them: ``17%``, ``17 %`` (with a no-break space),
``17,5%``, ``17.5%``, ``+17%``, ``l'80%``, ``17 per cento``, ``80 процентов``, ``17％``. A comma or
point followed by one or two digits is a decimal mark; followed by three, a thousands separator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

import regex

from eventstudy.news.extract.multiples import multiple_moves

_ABBREVIATIONS = frozenset({"ltd", "corp", "inc", "co", "mr", "mrs", "ms", "dr", "st", "vs", "ecc", "etc", "sr",
                            "jr", "no", "n", "nr", "sa", "spa", "s.p.a", "г", "т.е", "т.д", "им", "u.s", "e.g",
                            "i.e", "sig", "dott", "av", "pág", "núm"})
# A run of stops is tried only from its first character and never given back: tried from every
# dot of "......" (a million of them), the old pattern scanned the run once per dot.
_BREAK = regex.compile(r"(?<![.!?…])[.!?…]++[\"»”’)]*+\s+|[。！？；]+|\n\s*")
_LAST_SPACE = regex.compile(r"\s", regex.REVERSE)  # searched from the end: the last space of a range
_WORD_BEFORE = regex.compile(r"([\p{L}.]+)\.$")

_PERCENT = regex.compile(
    r"(?:(?<![\p{L}\p{N}])(?P<sign>[+\-−])\s?)?(?<![\p{N}.,])"
    r"(?P<int>\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d+)(?:[.,](?P<frac>\d{1,2})(?!\d))?"
    r"[\s\u00a0\u202f]*(?P<unit>%|％|per\s?cento\b|percent\b|per\s+cent\b|por\s+ciento\b|процент\w*|проц\b\.?)",
    regex.IGNORECASE,
)


_UNITS = (Decimal(1), Decimal(1).scaleb(-1), Decimal(1).scaleb(-2))  # by the number of decimals written (0-2)
# 百分之二十 (20%), 百分之一百二十 (120%), 百分之一二○ (120%, written digit by digit as some papers do)
_CN_PERCENT = regex.compile(r"百分之(?P<n>[〇○零一二两三四五六七八九十百千]+)"
                            r"(?:[点點](?P<frac>[〇○零一二三四五六七八九]{1,2}))?")
_CN_DIGITS = {ch: i for i, chars in enumerate(("〇○零", "一", "二两", "三", "四", "五", "六", "七", "八", "九"))
              for ch in chars}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _cn_number(word: str) -> int:
    """A Chinese numeral: 二十 20, 一百二十 120, 十五 15; without 十/百/千, digit by digit (一二○ 120)."""
    if not any(ch in _CN_UNITS for ch in word):
        return int("".join(str(_CN_DIGITS[ch]) for ch in word))
    total, digit = 0, 0
    for ch in word:
        if ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            digit = _CN_DIGITS[ch]
    return total + digit


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Percent:
    """A percentage in the text: ``value`` in percent (17.5), ``sign`` +1/-1/0 (written or not),
    ``unit`` the smallest step of the written number (1 for ``17%``, 0.1 for ``17,5%``)."""

    value: Decimal
    sign: int
    unit: Decimal
    start: int
    end: int


def sentences(text: str) -> list[Span]:
    """Sentence spans: ends at . ! ? … and the CJK full stops, or a line break; not after an
    abbreviation such as ``Ltd.``; a decimal point has no space after it, so it never ends one."""
    return list(_sentences(text))


@functools.lru_cache(maxsize=2)  # an article is split for its claims, then again for its stated time
def _sentences(text: str) -> tuple[Span, ...]:
    out: list[Span] = []
    start = 0
    for m in _BREAK.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.start() + 1)
        if m.group().startswith(".") and before and before.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if text[start:m.end()].strip():
            out.append(_trim(text, start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append(_trim(text, start, len(text)))
    return tuple(out)


def bounded_sentences(text: str, max_chars: int) -> tuple[list[Span], list[Span]]:
    """Sentence spans of at most ``max_chars`` characters, and the longer sentences that were cut.

    A longer one (a run of text without a full stop or a line break: a table, a list, a page's
    navigation, or an attack) is cut at the last space before each limit (else at the limit), so
    no sentence's work grows with the size of the article.
    """
    out: list[Span] = []
    cut: list[Span] = []
    for span in sentences(text):
        if span.end - span.start <= max_chars:
            out.append(span)
            continue
        cut.append(span)
        start = span.start
        while span.end - start > max_chars:
            limit = start + max_chars
            space = _LAST_SPACE.search(text, start + max_chars // 2, limit + 1)
            stop = space.start() if space else limit
            out.append(_trim(text, start, stop))
            start = stop
            while start < span.end and text[start].isspace():
                start += 1
        if start < span.end:
            out.append(_trim(text, start, span.end))
    return out, cut


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def percents(text: str, start: int = 0, end: int | None = None) -> list[Percent]:
    out = []
    for m in _PERCENT.finditer(text, start, len(text) if end is None else end):
        digits = m.group("int").replace(".", "").replace(",", "")
        frac = m.group("frac") or ""
        value = Decimal(digits + ("." + frac if frac else ""))
        unit = _UNITS[len(frac)]
        sign_text = m.group("sign") or ""
        sign = 0 if not sign_text else (1 if sign_text == "+" else -1)
        begin = m.start("sign") if sign_text else m.start("int")
        out.append(Percent(value, sign, unit, begin, m.end()))
    for m in _CN_PERCENT.finditer(text, start, len(text) if end is None else end):
        frac = "".join(str(_CN_DIGITS[ch]) for ch in m.group("frac") or "")
        value = Decimal(f"{_cn_number(m.group('n'))}" + (f".{frac}" if frac else ""))
        out.append(Percent(value, 0, _UNITS[len(frac)], m.start(), m.end()))
    taken = [(p.start, p.end) for p in out]
    for value, sign, begin, stop in multiple_moves(text, start, len(text) if end is None else end):
        if not any(a < stop and begin < b for a, b in taken):  # "doubled (+100%)": the figure is enough
            out.append(Percent(value, sign, _UNITS[0], begin, stop))
    return sorted(out, key=lambda p: p.start)
