"""Dates in an article: its own date written out in full, and relative words ("ieri", "el lunes",
"в минувший четверг", "last Thursday") resolved against it with dateparser."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import regex

from eventstudy.news.extract.lexicon import Lexicon

_FULL_DATE = regex.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}\.?(?:º|°)?\s+(?:de\s+)?\p{L}{3,}\.?,?\s+(?:de\s+|del\s+)?\d{4}\b"
    r"|\b\p{L}{3,}\.?\s+\d{1,2},?\s+\d{4}\b"
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
)
# Words that say "the previous one" before a weekday; dateparser reads a bare weekday as the last
# one before the base date already, and does not know some of these (минувший, scorso, pasado).
_PAST_WORDS = regex.compile(
    r"^(?:last|on|this|в|во|el|la|il)\s+|\s+(?:scors[oa]|pasad[oa])$|^(?:минувш\w+|прошл\w+)\s+",
    regex.IGNORECASE,
)


# The article's own date is written near its top; a text of a million date-like phrases that are
# not dates ("Zhipu 17, 2026") would otherwise send each one to dateparser (a quarter millisecond).
MAX_DATE_CANDIDATES = 100


@functools.cache
def _dateparser() -> Any:
    import dateparser

    return dateparser


@functools.lru_cache(maxsize=4096)  # the same words recur in a long text: parsed once
def _parse(text: str, language: str, base: dt.date | None) -> dt.date | None:
    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(base, dt.time(12, 0))
    else:
        # An article's own date must be written in full: no part of it may come from today's date.
        settings["STRICT_PARSING"] = True
    languages = [language] if language == "en" else [language, "en"]
    parsed = _dateparser().parse(text, languages=languages, settings=settings)
    return None if parsed is None else parsed.date()


def article_date(text: str, language: str) -> tuple[dt.date, str] | None:
    """The first full date written in the text (day, month and year), with the words it was read
    from; only the first ``MAX_DATE_CANDIDATES`` phrases that look like dates are tried."""
    for _, m in zip(range(MAX_DATE_CANDIDATES), _FULL_DATE.finditer(text), strict=False):
        found = _parse(m.group(), language, None)
        if found is not None:
            return found, m.group()
    return None


# Weekday names by their index (Monday 0), in the five languages and the cases the lexicon matches.
_WEEKDAYS = {name: k for k, names in enumerate((
    ("monday", "lunedì", "lunes", "понедельник", "周一", "星期一"),
    ("tuesday", "martedì", "martes", "вторник", "周二", "星期二"),
    ("wednesday", "mercoledì", "miércoles", "среду", "среда", "周三", "星期三"),
    ("thursday", "giovedì", "jueves", "четверг", "周四", "星期四"),
    ("friday", "venerdì", "viernes", "пятницу", "пятница", "周五", "星期五"),
    ("saturday", "sabato", "sábado", "субботу", "суббота", "周六", "星期六"),
    ("sunday", "domenica", "domingo", "воскресенье", "周日", "周天", "星期日", "星期天"),
)) for name in names}
_ON_THE = regex.compile(r"^(?:on|this|el|la|il|в|во)\s+", regex.IGNORECASE)


def _same_weekday(words: str, base: dt.date) -> bool:
    """A bare weekday naming the article's own weekday is the article's day ("rose on Thursday" in a
    Thursday's article), not the week before: only "last", "scorso", "pasado", "минувший", 上 say that."""
    bare = _ON_THE.sub("", words.strip()).lower()
    return _WEEKDAYS.get(bare) == base.weekday()


def relative_date(lexicon: Lexicon, sentence: str, language: str, base: dt.date) -> tuple[dt.date, str] | None:
    """The first relative day word of a sentence resolved against ``base``, with its words: a weekday
    is the most recent one on or before ``base`` (the same weekday is ``base`` itself)."""
    for cue in lexicon.find("relative", sentence):
        words = cue.text.strip()
        if _same_weekday(words, base):
            return base, words
        if words.startswith("上"):
            # 上周四 is Thursday of the previous calendar week, which may be 8-13 days back.
            found = _parse(words[1:], language, base)
            if found is not None:
                monday = base - dt.timedelta(days=base.weekday())
                while found >= monday:
                    found -= dt.timedelta(days=7)
                return found, words
            continue
        for attempt in (words, _strip_past(words)):
            found = _parse(attempt, language, base)
            if found is not None and found <= base:
                return found, words
    return None


def _strip_past(words: str) -> str:
    previous = None
    while previous != words:
        previous, words = words, _PAST_WORDS.sub("", words).strip()
    return words
