"""An article read from a file, its language and date, and the claims proposed from it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from eventstudy.data.bounds import MAX_ARTICLE_BYTES, MAX_SENTENCE_CHARS, read_capped
from eventstudy.errors import UserError
from eventstudy.news.extract import dates, language, periods, timing
from eventstudy.news.extract.claims import PERIOD_KIND, Extractor, ProposedClaim, UncheckableMove, UnknownMove
from eventstudy.news.extract.lexicon import AliasTable, Lexicon, default_lexicon, load_aliases
from eventstudy.news.extract.simplified import to_simplified
from eventstudy.news.extract.text import Span, bounded_sentences

# A relative day word in the sentence of a since-listing claim is the listing's day ("it listed last
# Thursday and is up 80%"), while the claim is measured as of the article's date.
_DATED_BY_SENTENCE = frozenset({"session_return", "group_rally", PERIOD_KIND})


@dataclass(frozen=True)
class ArticleClaims:
    source: str
    language: str
    language_probability: float
    date: dt.date | None
    date_note: str
    claims: list[ProposedClaim]
    # The announcement's time of day as the article states it (None: not stated, or stated in
    # conflicting ways: see ``time_phrases``), and the day its phrase names, resolved.
    stated_time: timing.StatedTime | None = None
    stated_day: dt.date | None = None
    time_phrases: tuple[timing.StatedTime, ...] = ()
    # What the reader should know about how the text was read (a sentence cut into pieces), one line each.
    warnings: tuple[str, ...] = ()
    # Moves the article gives to companies or indices the registry does not hold: reported, not proposed.
    unknown: tuple[UnknownMove, ...] = ()
    # Moves of registry targets at a moment daily prices do not hold (a peak, the open, midday...).
    uncheckable: tuple[UncheckableMove, ...] = ()


def read_article(path: str | Path) -> str:
    p = Path(path)
    try:
        data = read_capped(p, MAX_ARTICLE_BYTES, "article",
                           "split it into smaller files, one article each, or keep only the article's text")
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError("article not found", file=str(p), hint="check the path") from None
    except IsADirectoryError:
        raise UserError("article path is a directory, not a text file", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(p),
                        hint="save the article as UTF-8 plain text") from None


def propose(text: str, *, source: str = "", date: dt.date | None = None, aliases: AliasTable | None = None,
            lexicon: Lexicon | None = None) -> ArticleClaims:
    """Claims proposed from ``text``; ``date`` is the article's date (else the first full date written
    in it); relative day words ("ieri", "el lunes") in a claim's sentence are resolved against it."""
    lex = lexicon or default_lexicon()
    lang, prob = language.detect(text)
    note = "--date" if date is not None else ""
    if date is None:
        found = dates.article_date(text, lang)
        if found is not None:
            date, note = found[0], f"written in the text: {found[1]!r}"
    original = text
    text = to_simplified(text)  # same length: every offset below quotes the original too
    spans, cut = bounded_sentences(text, MAX_SENTENCE_CHARS)
    claims, unknown, uncheckable = Extractor(lex, aliases or load_aliases()).read(text, lang, spans)
    out = []
    for c in claims:
        when, why = date, note
        if date is not None and c.kind in _DATED_BY_SENTENCE:
            rel = dates.relative_date(lex, text[c.sentence[0]:c.sentence[1]], lang, date)
            if rel is not None:
                when, why = rel[0], f"{rel[1]!r} before {date}"
        if c.kind == PERIOD_KIND:
            at = periods.number_span(text, c.start, c.end, c.stated)
            found_period = periods.read_period(text, *c.sentence, at, date)
            c = dataclasses.replace(c, period=found_period.period, period_note=found_period.note)
        out.append(dataclasses.replace(c, date=when, date_note=why, source=source, quote=original[c.start:c.end]))
    stated, phrases = timing.stated_time(text)
    day = None
    if stated is not None and stated.day and date is not None:
        found_day = dates.relative_date(lex, stated.day, lang, date)
        day = found_day[0] if found_day else None
    unknown = [dataclasses.replace(u, quote=original[u.start:u.end], name=original[slice(*u.name_span)])
               for u in unknown]
    uncheckable = [dataclasses.replace(u, quote=original[u.start:u.end],
                                       name=original[slice(*u.name_span)] if u.name_span[1] else u.name)
                   for u in uncheckable]
    return ArticleClaims(source, lang, prob, date, note, out, stated, day, tuple(phrases),
                         _cut_warning(text, source, cut), tuple(unknown), tuple(uncheckable))


def _cut_warning(text: str, source: str, cut: list[Span]) -> tuple[str, ...]:
    """One line for all the overlong sentences of an article: where the first is, and how many."""
    if not cut:
        return ()
    first = cut[0]
    line = text.count("\n", 0, first.start) + 1
    more = f"; {len(cut) - 1:,} more such sentence(s) after it" if len(cut) > 1 else ""
    return (f"{source or 'article'}:{line}: a sentence of {first.end - first.start:,} characters without a full "
            f"stop or line break was read in pieces of at most {MAX_SENTENCE_CHARS:,} characters{more} "
            "(a claim across a cut is missed: break the text into sentences or lines)",)


def propose_file(path: str | Path, **kwargs) -> ArticleClaims:
    return propose(read_article(path), source=str(path), **kwargs)
