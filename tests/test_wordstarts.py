"""The index of where the lexicon's words start (extract.wordstarts) changes no lookup's answer."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
import regex

from eventstudy.news.extract import wordstarts
from eventstudy.news.extract.article import propose
from eventstudy.news.extract.lexicon import data_file, default_lexicon, load_aliases, read_lexicon
from eventstudy.news.extract.timing import ROLES as TIMING_ROLES
from eventstudy.news.extract.timing import default_timing_lexicon
from eventstudy.news.extract.wordstarts import WordStarts, leading_words
from tests.claims_scoring import load_examples


@pytest.mark.parametrize(("pattern", "words"), [
    ("shares?\\b", ["share", "shares"]),
    ("t[ií]tulos?\\b", ["titulo", "titulos", "título", "títulos"]),
    ("(?:in|over) (?:a|one) session", ["in a session", "in one session", "over a session", "over one session"]),
    ("(?:el )?lunes\\b", ["el lunes", "lunes"]),
    ("上?周[一二]", ["上周一", "上周二", "周一", "周二"]),
    ("(?:ab)?c", ["abc", "c"]),
    ("x\\.y", ["x.y"]),
    ("a(?=b)c", ["ac"]),
    ("(?<![\\p{L}\\p{N}])doubled\\b", ["doubled"]),
    ("ab(?P<n>c)", ["ab"]),
    ("ab{1,2}", ["a"]),
    ("a[b-c]d", ["a"]),
    ("a|b", ["a", "b"]),
])
def test_leading_words(pattern: str, words: list[str]) -> None:
    assert leading_words(pattern) == words


@pytest.mark.parametrize("pattern", [
    "(?:ab)?\\sc", "(?:a|b)+c", "[^a]b", "\\sa", ".a", "(?i)ab", "a(?x) b", "(?-i:a)b", "(?P<n>a)b", "(?<n>a)b",
    "(?>a)b", "(?#c)a", "\\x41b", "a|\\db", "", "[[:alpha:]]a", "(?:a|)", "a??",
])
def test_no_leading_words_when_a_match_may_start_otherwise(pattern: str) -> None:
    assert leading_words(pattern) is None


def _shipped_patterns() -> list[str]:
    claims = read_lexicon(data_file("claim_lexicon.csv"))
    timing = read_lexicon(data_file("timing_lexicon.csv"), TIMING_ROLES, "timing lexicon")
    return [p for ps in (*claims.values(), *timing.values()) for p in ps]


def test_every_match_of_a_shipped_pattern_starts_with_one_of_its_words() -> None:
    texts = [ex.text for ex in load_examples()]
    checked = 0
    for pattern in _shipped_patterns():
        words = leading_words(pattern)
        if words is None:
            continue
        starts = regex.compile("|".join(regex.escape(w) for w in words), regex.IGNORECASE)
        compiled = regex.compile(pattern, regex.IGNORECASE)
        for text in texts:
            for m in compiled.finditer(text, overlapped=True):
                assert starts.match(text, m.start()), (pattern, m.group())
                checked += 1
    assert checked > 300


def test_the_regex_modules_case_classes_are_what_the_index_assumes() -> None:
    """A character the index reads by lowering (``_reads_right``) matches, without case, only word
    characters that lower as it does: checked for every character and the shipped words' letters."""
    every = "".join(chr(u) for u in range(0x110000) if not 0xD800 <= u < 0xE000)
    indexes = [default_lexicon()._words, default_timing_lexicon()._words, load_aliases()._words]
    for index in indexes:
        assert index.usable
        for a in index.alphabet:
            for m in regex.compile(regex.escape(a), regex.IGNORECASE).finditer(every):
                ch = m.group()
                if index._reads_right(ch):
                    assert ch.lower() == a.lower(), (a, ch)


def test_a_text_with_a_character_lowered_otherwise_is_not_indexed() -> None:
    index = WordStarts({"k": ["stan"]})
    assert index.find("x" * 10 + "stan") == {"k": [10]}
    assert index.find("İstanbul stan") is None  # "İ" lowers to two characters


def _articles() -> list[str]:
    """Long texts made of the labelled sentences and the extraction tests' articles."""
    texts = [ex.text for ex in load_examples()]
    out = ["\n".join(texts[k:k + 25]) for k in range(0, len(texts), 25)]
    out += [" ".join(texts[k:k + 12]) for k in range(3, len(texts), 12)]  # sentences joined on one line
    with open(data_file("aliases.csv"), encoding="utf-8", newline="") as fh:
        names = [row["alias"].replace("*", "") for row in csv.DictReader(fh)]
    out.append(" ".join(f"{name} rose 5% on Monday, after the close. La società è salita del 3%." for name in names))
    return out


@pytest.mark.parametrize("date", [None, dt.date(2026, 1, 15)])
def test_indexed_and_searched_texts_read_the_same(monkeypatch: pytest.MonkeyPatch, date: dt.date | None) -> None:
    articles = _articles()
    monkeypatch.setattr(wordstarts, "MIN_INDEXED_CHARS", 10**9)
    searched = [propose(a, date=date) for a in articles]
    monkeypatch.setattr(wordstarts, "MIN_INDEXED_CHARS", 0)
    indexed = [propose(a, date=date) for a in articles]
    assert sum(len(a.claims) for a in indexed) > 50
    assert indexed == searched
    assert [[c.sentence for c in a.claims] for a in indexed] == [[c.sentence for c in a.claims] for a in searched]
