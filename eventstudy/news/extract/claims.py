"""Market claims proposed from an article's own sentences.

A percentage becomes a claim only when its sentence says it is a market move: a direction next to it
(rose, in rialzo, подорожали, se desplomó, 上涨, or a written sign), a market word in the sentence
(shares, titolo, акции, bolsa, 股价, a session or a listing), a company or group it is about (a name
from the alias table in the sentence, or "the company" / "la società" / "компания" pointing back to
the last company named before), and no word saying the number measures something else (efficiency,
market share, parameters, revenue...) close to it. A "to N%" or "from N% to M%" is a level, not a
move. A sentence without a percentage gives a qualitative claim (> 0% or < 0%) when it says a named
company or group rallied or sold off. Precision comes before recall: when in doubt, nothing is proposed.

How a claim reads (documented in README): "more than 17%" -> ``> 17%``; "less than 5%" -> ``< 5%``;
a bare or approximate "17%" -> ``>= 16.5%``, the smallest value that rounds to the written number;
falls are negative ("fell more than 10%" -> ``< -10%``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from eventstudy.news.events import CLAIM_KINDS, Claim, _format_percent
from eventstudy.news.extract.lexicon import NO_TARGET, AliasTable, Cue, Lexicon, Mention
from eventstudy.news.extract.text import Percent, Span, percents, sentences

PERIOD_KIND = "period_return"  # a move over a week, month or year: proposed, but no rule evaluates it yet
_BEFORE, _AFTER = 90, 40  # how far from a number its direction may be, in characters
_VETO_BEFORE, _VETO_AFTER = 70, 15
_COMPARE_GAP = 25
_GROUP_NAME = regex.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+|[a-z]{2,}")


@dataclass(frozen=True)
class ProposedClaim:
    """A claim read from an article, for a person to confirm."""

    kind: str
    target: str
    op: str
    threshold: float  # a fraction, as in events.csv (0.17)
    quote: str  # exactly ``text[start:end]`` of the article
    start: int
    end: int
    language: str
    confidence: float
    horizon: str  # session | listing | period | unstated
    subject: str  # the words that named the target ("Zhipu", or "la società -> Zhipu")
    stated: str  # the move as written: "> 17%" from "superando il +17%", or "rally"
    date: dt.date | None = None
    date_note: str = ""
    source: str = ""
    sentence: tuple[int, int] = field(default=(0, 0), compare=False)  # the sentence's span in the article

    @property
    def evaluable(self) -> bool:
        return self.kind in CLAIM_KINDS

    def claim(self) -> Claim:
        """As an events.csv claim; the quote loses its double quotes and line breaks."""
        text = " ".join(self.quote.replace('"', "'").split())
        return Claim(self.kind, self.target, self.op, self.threshold, text)

    def row(self) -> dict[str, object]:
        return {
            "source": self.source, "kind": self.kind, "target": self.target, "op": self.op,
            "threshold": self.threshold, "horizon": self.horizon, "date": self.date.isoformat() if self.date else None,
            "date_note": self.date_note, "language": self.language, "confidence": self.confidence,
            "subject": self.subject, "stated": self.stated, "quote": self.quote, "start": self.start,
            "end": self.end, "evaluable": self.evaluable,
        }


@dataclass(frozen=True)
class _Sentence:
    span: Span
    cues: dict[str, list[Cue]]
    mentions: list[Mention]

    def has(self, role: str) -> bool:
        return bool(self.cues.get(role))


def _near(cues: Sequence[Cue], start: int, end: int, after_penalty: int = 10) -> Cue | None:
    """The cue closest to [start, end), one before it preferred to one after at equal distance."""
    best, best_d = None, None
    for c in cues:
        if c.end <= start:
            d = start - c.end
        elif c.start >= end:
            d = c.start - end + after_penalty
        else:
            continue
        if best_d is None or d < best_d:
            best, best_d = c, d
    return best


def _negated(lex: Lexicon, text: str, cue_start: int, floor: int) -> bool:
    # "non sono salite", "did not rise", "并未上涨": a negation at most a short word before the verb
    return any(c.end >= cue_start - 8 for c in lex.find("negation", text, max(floor, cue_start - 16), cue_start))


class Extractor:
    def __init__(self, lexicon: Lexicon, aliases: AliasTable):
        self.lex = lexicon
        self.aliases = aliases

    # -- who -----------------------------------------------------------------------------------
    def _subject_like(self, text: str, m: Mention, s: _Sentence) -> bool:
        """A name the sentence's market words attach to ("Huawei shares", "Zhipu rose", "azioni di Zhipu")."""
        for role in ("market", "up", "down", "rally", "selloff"):
            for c in s.cues.get(role, []):
                if 0 <= c.start - m.end <= 25 or (role == "market" and 0 <= m.start - c.end <= 15):
                    return True
        return False

    def _target(self, text: str, s: _Sentence, at: int, all_mentions: list[Mention]) -> tuple[Mention, str] | None:
        """The target of a move at ``at``: a name in the sentence, else "the company" -> the last
        company named before the sentence. None when it is nobody the tool can check."""
        before = [m for m in s.mentions if m.end <= at]
        subjects = [m for m in before if self._subject_like(text, m, s)]
        chosen = (subjects or before or [])[-1:] or [m for m in s.mentions if 0 <= m.start - at <= _AFTER][:1]
        if chosen:
            m = chosen[0]
            return (m, m.text) if m.target != NO_TARGET else None
        anaphor = s.cues.get("anaphor")
        if not anaphor:
            return None
        earlier = [m for m in all_mentions if m.end <= s.span.start and not self._is_group(m.target)]
        if not earlier or earlier[-1].target == NO_TARGET:
            return None
        return earlier[-1], f"{anaphor[0].text} -> {earlier[-1].text}"

    @staticmethod
    def _is_group(target: str) -> bool:
        # Group names are lowercase words joined by "-" (docs/data-files.md); symbols are not.
        return _GROUP_NAME.fullmatch(target) is not None

    # -- what ----------------------------------------------------------------------------------
    def _horizon(self, s: _Sentence, start: int, end: int) -> tuple[str, Cue | None]:
        cues = [c for role in ("listing", "period", "session") for c in s.cues.get(role, [])]
        cue = _near(cues, start, end, after_penalty=0)
        return ("unstated", None) if cue is None else (cue.role, cue)

    def _kind(self, target: str, horizon: str) -> str:
        if horizon == "period":
            return PERIOD_KIND
        if self._is_group(target):
            return "group_rally"
        return "since_listing" if horizon == "listing" else "session_return"

    def _comparison(self, text: str, p: Percent, floor: int) -> tuple[str, Cue | None]:
        best: Cue | None = None
        for role in ("gt", "lt", "approx"):
            for c in self.lex.find(role, text, max(floor, p.start - _COMPARE_GAP), p.start):
                if p.start - c.end <= 12 and (best is None or c.end > best.end or
                                              (c.end == best.end and c.start < best.start)):
                    best = c
        if best is not None:
            return best.role, best
        for role in ("gt_after", "lt_after", "approx_after"):
            for c in self.lex.find(role, text, p.end, min(len(text), p.end + 3)):
                if c.start - p.end <= 1:
                    return role.removesuffix("_after"), c
        return "exact", None

    @staticmethod
    def _op(comparison: str, direction: int, p: Percent) -> tuple[str, float]:
        value = p.value / 100
        if comparison in ("gt", "lt"):
            op = ">" if (comparison == "gt") == (direction > 0) else "<"
            return op, float(direction * value)
        # A written number stands for every value that rounds to it: "17%" is at least 16.5%.
        low = (p.value - p.unit / 2) / 100
        return (">=", float(low)) if direction > 0 else ("<=", float(-low))

    # -- sentences -----------------------------------------------------------------------------
    def _sentence(self, text: str, span: Span, mentions: list[Mention]) -> _Sentence:
        roles = ("market", "up", "down", "session", "listing", "period", "rally", "selloff", "anaphor",
                 "not_market")
        cues = {r: self.lex.find(r, text, span.start, span.end) for r in roles}
        inside = [m for m in mentions if m.start >= span.start and m.end <= span.end]
        # A word inside a name is part of the name: "produzione" in "produzione di chip" vetoes nothing.
        cues["not_market"] = [c for c in cues["not_market"] if not any(m.start <= c.start < m.end for m in inside)]
        return _Sentence(span, cues, inside)

    def _numeric(self, text: str, s: _Sentence, p: Percent, nxt: Percent | None, mentions: list[Mention],
                 lang: str) -> ProposedClaim | None:
        lo, hi = s.span.start, s.span.end
        if any(c.end > p.start - _VETO_BEFORE and c.start < p.end + _VETO_AFTER for c in s.cues["not_market"]):
            return None
        comparison, ccue = self._comparison(text, p, lo)
        level = self.lex.search_back("level", text, p.start)
        if p.sign == 0 and level is not None and not (ccue is not None and ccue.start <= level.start < ccue.end):
            return None  # "to 80%", "al 20%", "до 80%": a level reached, not a move ("不到" is a comparison)
        if nxt is not None and nxt.start - p.end <= _COMPARE_GAP and self.lex.search_back("level", text, nxt.start):
            return None  # "from 20% to 80%"
        if any(0 <= p.start - c.end <= _COMPARE_GAP or 0 <= c.start - p.end <= _COMPARE_GAP
               for c in self.lex.find("peak", text, lo, hi)):
            return None  # "as much as 12%", "一度涨超10%", "in pre-market trading": not the session's close
        moves = [c for c in s.cues["up"] + s.cues["down"] if c.end > p.start - _BEFORE and c.start < p.end + _AFTER]
        move = _near(moves, p.start, p.end)
        if p.sign:
            direction = p.sign
        elif move is not None:
            direction = 1 if move.role == "up" else -1
        else:
            return None
        if move is not None and _negated(self.lex, text, move.start, lo):
            return None
        horizon, hcue = self._horizon(s, p.start, p.end)
        who = self._target(text, s, p.start, mentions)
        if who is None:
            return None
        mention, subject = who
        # A listed name right before the verb is a market subject too: "智谱涨超17%", "Zhipu rose 17%".
        subject_verb = move is not None and 0 <= move.start - mention.end <= 6
        if not (s.has("market") or horizon in ("session", "listing") or subject_verb):
            return None
        kind = self._kind(mention.target, horizon)
        op, threshold = self._op(comparison, direction, p)
        parts = [c for c in (move, ccue, hcue) if c is not None]
        named_here = lo <= mention.start < hi
        if named_here:
            parts.append(Cue("name", mention.start, mention.end, mention.text))
        else:
            parts += [c for c in s.cues["anaphor"] if c.end <= p.start][:1]
        start = min([p.start, *(c.start for c in parts)])
        end = max([p.end, *(c.end for c in parts)])
        confidence = 0.4 + (0.2 if named_here else 0.1) + (0.15 if horizon in ("session", "listing") else 0)
        confidence += (0.1 if s.has("market") else 0) + (0.1 if comparison in ("gt", "lt") or p.sign else 0)
        confidence -= 0.1 if comparison == "approx" else 0
        stated = f"{'+' if direction > 0 else '-'}{p.value.normalize():f}%"
        stated = {"gt": "more than ", "lt": "less than ", "approx": "about "}.get(comparison, "") + stated
        return ProposedClaim(kind, mention.target, op, threshold, text[start:end], start, end, lang,
                             round(min(confidence, 0.95), 2), horizon, subject, stated,
                             sentence=(s.span.start, s.span.end))

    def _qualitative(self, text: str, s: _Sentence, mentions: list[Mention], lang: str) -> list[ProposedClaim]:
        out = []
        words = s.cues["rally"] + s.cues["selloff"]
        if not words and s.has("market"):
            words = s.cues["up"] + s.cues["down"]
        for cue in sorted(words, key=lambda c: c.start):
            if _negated(self.lex, text, cue.start, s.span.start) or any(
                    c.end > cue.start - _VETO_BEFORE and c.start < cue.end + _AFTER for c in s.cues["not_market"]):
                continue
            direction = 1 if cue.role in ("rally", "up") else -1
            who = self._target(text, s, cue.start, mentions)
            if who is None:
                # "a rally among chip makers": the name may follow the word
                after = [m for m in s.mentions if m.start >= cue.end]
                if not after or after[0].target == NO_TARGET:
                    continue
                who = (after[0], after[0].text)
            mention, subject = who
            horizon, hcue = self._horizon(s, cue.start, cue.end)
            kind = self._kind(mention.target, horizon)
            parts = [cue] + ([hcue] if hcue else [])
            named_here = s.span.start <= mention.start < s.span.end
            if named_here:
                parts.append(Cue("name", mention.start, mention.end, mention.text))
            start, end = min(c.start for c in parts), max(c.end for c in parts)
            confidence = 0.45 + (0.15 if named_here else 0.05) + (0.1 if horizon == "session" else 0)
            confidence += 0.1 if cue.role in ("rally", "selloff") else 0
            out.append(ProposedClaim(kind, mention.target, ">" if direction > 0 else "<", 0.0, text[start:end],
                                     start, end, lang, round(confidence, 2), horizon, subject,
                                     "rally" if direction > 0 else "sell-off", sentence=(s.span.start, s.span.end)))
            break  # one qualitative claim per sentence: the first word that says it
        return out

    def extract(self, text: str, language: str) -> list[ProposedClaim]:
        mentions = self.aliases.find(text)
        found: list[ProposedClaim] = []
        for span in sentences(text):
            s = self._sentence(text, span, mentions)
            pcts = percents(text, span.start, span.end)
            numeric = []
            for i, p in enumerate(pcts):
                claim = self._numeric(text, s, p, pcts[i + 1] if i + 1 < len(pcts) else None, mentions, language)
                if claim is not None:
                    numeric.append(claim)
            found += numeric
            if not numeric and not pcts:
                found += self._qualitative(text, s, mentions, language)
        return _dedupe(found)


def _dedupe(claims: list[ProposedClaim]) -> list[ProposedClaim]:
    """A claim repeated (headline and body) is proposed once, where it is read most confidently."""
    best: dict[tuple, ProposedClaim] = {}
    for c in claims:
        key = (c.kind, c.target, c.op, c.threshold)
        if key not in best or c.confidence > best[key].confidence:
            best[key] = c
    return sorted(best.values(), key=lambda c: c.start)


def threshold_percent(value: float) -> str:
    """0.17 -> "17%", as events.csv writes it (also for kinds that Claim does not accept yet)."""
    return _format_percent(value) + "%"
