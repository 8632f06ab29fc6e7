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

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import regex

from eventstudy.news.events import CLAIM_KINDS, Claim, _format_percent
from eventstudy.news.extract import indices, lines, respectively
from eventstudy.news.extract.confidence import confidence
from eventstudy.news.extract.lexicon import NO_TARGET, NOT_COMPANY, AliasTable, Cue, Lexicon, Mention
from eventstudy.news.extract.ordered import Ordered
from eventstudy.news.extract.text import Percent, Span, percents, sentences
from eventstudy.news.periods import Period

PERIOD_KIND = "period_return"  # a move over a period (news.events.PERIOD_KIND; its period: news.extract.periods)
_BEFORE, _AFTER = 90, 40  # how far from a number its direction may be, in characters
_VETO_BEFORE, _VETO_AFTER = 70, 15
_COMPARE_GAP = 25
_MAX_UNKNOWN = 200
_NOBODY = frozenset({NO_TARGET, NOT_COMPANY})  # names whose numbers the tool cannot check
_PERCENT_SIGN = regex.compile(r"[%％]")  # another number between a comparison word and this one
_LAST_PERCENT_SIGN = regex.compile(r"[%％]", regex.REVERSE)  # searched from the end
# Why daily prices cannot check a move (UncheckableMove.moment)
_PEAK = "a peak, pre-market, after-hours or grey-market figure"
_INTRADAY = "a figure at a time of day before the close"
_LIVE = "a live report's figure, with no close named"
_INTRADAY_REACH = 400  # how far past its sentence a stated time of day reaches, in characters
_PLACE_REACH = 300  # how far before its sentence a twice-listed company's place may be stated
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
    stated: str  # the move as written: "> 9%" from "oltre il +9%", or "rally"
    date: dt.date | None = None
    date_note: str = ""
    source: str = ""
    sentence: tuple[int, int] = field(default=(0, 0), compare=False)  # the sentence's span in the article
    evidence: tuple[str, ...] = field(default=(), compare=False)  # what the confidence was computed from
    # A period_return's period (news.extract.periods), and the words it was read from or why it is unknown
    period: Period | None = None
    period_note: str = ""

    @property
    def evaluable(self) -> bool:
        return self.kind in CLAIM_KINDS and (self.kind != PERIOD_KIND or self.period is not None)

    def claim(self) -> Claim:
        """As an events.csv claim; the quote loses its double quotes and line breaks."""
        text = " ".join(self.quote.replace('"', "'").split())
        return Claim(self.kind, self.target, self.op, self.threshold, text, self.period)

    def row(self) -> dict[str, object]:
        return {
            "source": self.source, "kind": self.kind, "target": self.target, "op": self.op,
            "threshold": self.threshold, "horizon": self.horizon, "date": self.date.isoformat() if self.date else None,
            "date_note": self.date_note, "language": self.language, "confidence": self.confidence,
            "subject": self.subject, "stated": self.stated, "quote": self.quote, "start": self.start,
            "end": self.end, "evaluable": self.evaluable,
            "period": self.period.label if self.period is not None else None, "period_note": self.period_note,
        }


_COMPARE, _COMPARE_AFTER = ("gt", "lt", "approx"), ("gt_after", "lt_after", "approx_after")
# Kinds of cue that most sentences, even those with a claim, have none of: one search tells.
_RARE = ("not_market", "peak", "listing", "period", "session", "rally", "selloff", "anaphor", "intraday",
         "respectively", "record", "live", "projection", "founded")
_NONE: Ordered[Cue] = Ordered([])


@dataclass(frozen=True)
class UnknownMove:
    """A move the article gives to a company or index the registry does not hold: reported, with how
    to add it, never proposed and never silently dropped."""

    name: str  # the words that name it ("WuXi AppTec", "(02390.HK)", "Nasdaq")
    stated: str  # the move as written: "+6.09%"
    quote: str
    start: int
    end: int
    name_span: tuple[int, int] = field(default=(0, 0), compare=False)  # where the name is in the article

    def row(self) -> dict[str, object]:
        return {"name": self.name, "stated": self.stated, "quote": self.quote, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class UncheckableMove:
    """A move of a registry target at a moment daily prices do not hold (a peak, the open, midday,
    after hours, the grey market, a live report's figure): recognised, reported, never proposed as
    a close."""

    target: str
    name: str  # the words that named it ("Zhipu", or "la società -> Zhipu")
    stated: str  # the move as written: "+12%"
    moment: str  # why daily prices cannot check it: "a peak or pre-market figure", ...
    quote: str
    start: int
    end: int
    name_span: tuple[int, int] = field(default=(0, 0), compare=False)  # where the name is, when in the sentence

    def row(self) -> dict[str, object]:
        return {"target": self.target, "name": self.name, "stated": self.stated, "moment": self.moment,
                "quote": self.quote, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class _Unknown:
    """The subject of a number is a company or index outside the registry: where its name is."""

    start: int
    end: int


class _Sentence:
    """A sentence's cues and names, each kind in text order, looked up by position (every number of
    a sentence asks about its neighbourhood, so no question may scan the whole sentence). A kind of
    cue is searched for when first asked about: most sentences of an article are dropped after two
    or three kinds."""

    def __init__(self, lex: Lexicon, text: str, span: Span, mentions: Ordered[Mention],
                 antecedent: Mention | None):
        self._lex, self._text = lex, text
        self.span = span
        self.mentions = mentions
        # the last company named before the sentence, for "the company" (None: nobody)
        self.antecedent = antecedent
        self._cues: dict[str, Ordered[Cue]] = {}
        self._last_subject: list[int] | None = None
        self.earlier_intraday = False  # a sentence just before reads its numbers intraday
        self.after_debut = False  # the sentence just before told of a debut
        self._rare: bool | None = None

    @property
    def text(self) -> str:
        """The whole article (the sentence is ``text[span.start:span.end]``)."""
        return self._text

    def cue(self, role: str) -> Ordered[Cue]:
        found = self._cues.get(role)
        if found is None:
            if role in _RARE and not self._rare_present():
                for r in _RARE:
                    self._cues[r] = _NONE
                return _NONE
            cues = self._lex.find(role, self._text, self.span.start, self.span.end)
            if role == "not_market":
                # A word inside a name is part of the name: "produzione" in "produzione di chip" vetoes nothing.
                cues = [c for c in cues if (m := self.mentions.last_starting_by(c.start)) is None or c.start >= m.end]
            found = self._cues[role] = Ordered(cues) if cues else _NONE
        return found

    def _rare_present(self) -> bool:
        if self._rare is None:  # one search per sentence, whichever rare kind is asked about first
            self._rare = self._lex.any_of(_RARE, self._text, self.span.start, self.span.end)
        return self._rare

    def has(self, role: str) -> bool:
        return bool(self.cue(role))

    def last_subject(self, k: int) -> int:
        """The index of the last of the sentence's first ``k`` names that market words attach to, or -1."""
        if self._last_subject is None:
            self._last_subject, last = [], -1
            for i, m in enumerate(self.mentions.items):
                if self._subject_like(m):
                    last = i
                self._last_subject.append(last)
        return self._last_subject[k - 1]

    def _subject_like(self, m: Mention) -> bool:
        """A name the sentence's market words attach to ("Huawei shares", "Zhipu rose", "azioni di Zhipu")."""
        roles = ("market", "up", "down", "rally", "selloff")
        if any(self.cue(role).any_start_between(m.end, m.end + 25) for role in roles):
            return True
        return self.cue("market").any_end_between(m.start - 15, m.start)


class _Names:
    """All the names of an article in text order, and per name the last company (not a group) up to it."""

    def __init__(self, mentions: list[Mention], is_group: Callable[[str], bool]):
        # The matches of one search: in text order, never overlapping (what the lookups below need).
        self.all = Ordered(mentions)
        self.last_company: list[int] = []
        last = -1
        for i, m in enumerate(self.all.items):
            if not is_group(m.target) and m.target != NOT_COMPANY:
                last = i
            self.last_company.append(last)
        self._subject_cache: tuple[list[int], list[int]] | None = None

    def company_before(self, at: int, text: str) -> Mention | None:
        """The company "the company" in a sentence starting at ``at`` points to: the subject (the first
        company named) of the last sentence before it naming one ("Cambricon rose to a record,
        overtaking SMIC. The company closed 20% up": Cambricon). Its target may be ``-`` (a company
        not listed)."""
        k = self.all.count_ending_by(at)
        i = self.last_company[k - 1] if k else -1
        if i < 0:
            return None
        subject, unlisted = self._subjects(text)
        # An unlisted company in that sentence makes it unsure ("Zhipu used servers made by Huawei.
        # The company's shares rose 5%"): the unlisted one is returned, and nothing is proposed.
        return self.all.items[unlisted[i] if unlisted[i] >= 0 else subject[i]]

    def _subjects(self, text: str) -> tuple[list[int], list[int]]:
        """Per name, the first company of its sentence up to it, and the last unlisted company from
        that one on (-1: none). One pass over the gaps between names, made on first use: walking back
        from each name instead costs the square of the names in a text without sentence ends."""
        if self._subject_cache is None:
            items = self.all.items
            subject, unlisted = [-1] * len(items), [-1] * len(items)
            first = last_unlisted = -1
            for i, m in enumerate(items):
                if i and _SENTENCE_END.search(text, items[i - 1].end, m.start):
                    first = last_unlisted = -1
                if self.last_company[i] == i:
                    if first < 0:
                        first = i
                    if m.target == NO_TARGET:
                        last_unlisted = i
                subject[i], unlisted[i] = first, last_unlisted
            self._subject_cache = (subject, unlisted)
        return self._subject_cache


# "Hong Kong-listed", "Beijing-based": where a company is, not another company
_PLACE_WORD = regex.compile(r"-(?:listed|based|headquartered|traded|quoted)$", regex.IGNORECASE)
_CONTRAST = regex.compile(r"\b(?:while|whereas|mentre|mientras|тогда как|в то время как)\b|而|但", regex.IGNORECASE)
# "早盘一度大涨,但午后回落,最终只涨0.8%": what was said before a "but" is another moment's
_BUT = regex.compile(r"\b(?:but|however|while|ma|però|pero|но|однако)\b|但|却|而", regex.IGNORECASE)
# what may follow a sentence's last time phrase: "as of noon local time [2]."
_SENTENCE_TAIL = regex.compile(r"[\s\d\[\]().。!?！？]*(?:[\p{Latin}\p{Cyrillic}]+[\s\d\[\]().。!?！？]*){0,2}")
_SENTENCE_END = regex.compile(r"[.!?。！？](?:\s|$)|[。！？]")
# A number said to be each one's: "both", "each", "均" ("all" only as a word of its own, not "all-time")
_SHARED = regex.compile(r"\b(?:both|each|all(?![\w-])|entramb[ei]|ciascun[oa]|ambos|ambas|cada un[oa]|"
                        r"оба|обе|каждая|каждый)\b|均|皆|都|双双|雙雙", regex.IGNORECASE)
# What may stand between two names of one subject: a code or note in brackets, and "and" or a comma
_COORDINATED = regex.compile(r"\s*(?:[(（][^()（）]{0,20}[)）])?\s*(?:,|、|，|&|and|e|ed|y|и|和|与|與|及|以及)\s*",
                             regex.IGNORECASE)
_NOUN_OF = regex.compile(r"\s*(?:de|del|di|of|in|for)\s+(?:(?:las |le )?(?:acciones|azioni|shares|títulos|titoli) "
                         r"(?:de |di |of ))?", regex.IGNORECASE)
# Between a rally word and the group it is of: "rally in the", "repunte generalizado en el", "rally dei"
_RALLY_OF = regex.compile(r"\s*(?:\w+\s+){0,1}(?:in|among|across|of|en|entre|de|del|tra|fra|dei|degli|delle|nel|nei|"
                          r"среди|в)\s+(?:the\s+|el\s+|la\s+|los\s+|las\s+|il\s+|i\s+|gli\s+|le\s+)?", regex.IGNORECASE)
# A trend still going ("keep climbing", "continúan", 持续): no day or period to check it on
_CONTINUING = regex.compile(r"\b(?:contin[uú]\w*|keeps?|kept|still|sigu\w*|продолжа\w*)\b|持续|继续|繼續|不断",
                            regex.IGNORECASE)
_BRACKET_OWNER = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}[\p{L}\p{N}.&-]*\s*[(（]\s*$")
_BRACKETED = regex.compile(r"[(（][^()（）]{0,40}[)）]")
_OPEN_BRACKET = regex.compile(r"\s*[)）]?\s*[(（]\s*")
# Where a clause ends: a comma or semicolon that is no decimal or thousands mark, Chinese clause
# marks, or a contrast that starts another subject ("while", "mentre", "mientras", "тогда как").
# (a colon joining two words is a ticker's, "NASDAQ:NVDA", not a clause's end)
_SEPARATOR = regex.compile(r"(?<!\d)[,;]|[,;](?!\d)|:(?![\p{L}\p{N}])|[，；、：]|\s(?:while|whereas|mentre|mientras|"
                           r"тогда как|в то время как)\s", regex.IGNORECASE)
# A subject the tool does not know: capitalised words that are not the usual capitalised words of
# market news ("WuXi AppTec rose 6%"), or a Chinese company name by its usual ending ("山东黄金",
# "某某科技"): Chinese carries its subject across clauses without naming it again, so only a name
# there is evidence of another subject.
_CAPITALISED = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}[\p{Latin}\p{Cyrillic}\p{N}&'’.-]+")
_HAN_COMPANY = regex.compile(r"\p{Han}{2,8}(?:股份|科技|集团|公司|银行|证券|控股|电子|黄金|矿业|医药|药业|汽车|能源|"
                             r"光电|通信|网络|软件|信息|材料|化工|电气|电力|传媒)")
# A Chinese clause that opens with a name the tool does not know ("，药明合联涨超8%"): two to eight
# characters, none of them a market report's common character, then only common ones up to the
# number. The common characters cover 股价, 公司, 收盘, 早盘, 逆势大涨, 涨幅, 该股, 市值, 指数, 板块...
_HAN_COMMON = ("股价份票市值指数板块同当日天全收盘早午后随最终中今昨其港A报亦也则再续继单一度大小幅涨跌升降均仍已将更较"
               "近累计逆势强劲集体纷纷超逾约达至为了的在上下扬走高低挫滑落回涨停跌停开报上市首交易个周月年该此外而且但"
               "却还又再创新历史记录出现表现快速直线拉飙暴狂猛小幅微继续连续收窄扩大翻黑红公司"
               "〇零一二两三四五六七八九十百千万亿")
_HAN_NAME = regex.compile(r"^\s*[^\P{Han}" + _HAN_COMMON + r"]{2,8}(?=[\s\d.%" + _HAN_COMMON + r"]*$)")
# An Italian or French article written on to its word ("L'indice", "Dell'azienda"): the word is what counts
_ELIDED = regex.compile(r"^(?:l|d|dell|dall|all|nell|sull|un)['’]")
_USUAL = frozenset([
    "the", "a", "an", "in", "on", "at", "as", "by", "for", "from", "with", "its", "it", "their", "this", "that",
    "these", "those", "shares", "share", "stock", "stocks", "index", "indices", "hong", "kong", "china",
    "china's", "chinese", "shanghai", "shenzhen", "beijing", "us", "u.s.", "uk", "wall", "street", "asia",
    "asian", "european", "europe", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "star", "market", "exchange", "board", "ai", "meanwhile", "however", "while", "and",
    "but", "also", "other", "both", "group", "limited", "ltd", "corp", "inc", "co", "manufacturing",
    "international", "industries", "company", "corporation", "plc", "ipo", "ceo", "cfo", "gdp", "eps", "gpu",
    "cpu", "eu", "q1", "q2", "q3", "q4", "h1", "h2", "fed", "technology", "technologies", "semiconductor",
    "holdings", "etf", "hk", "hkd", "cny", "usd", "rmb", "yuan", "le", "la", "il", "lo", "gli", "i", "un",
    "una", "uno", "del", "della", "dei", "delle", "nel", "nella", "sul", "sulla", "anche", "mentre", "dopo",
    "alla", "al", "borsa", "titolo", "los", "las", "el", "unos", "de", "en", "y", "también", "mientras", "tras",
    "bolsa", "acciones", "в", "на", "и", "а", "но", "по", "при", "после", "также", "акции", "бумаги", "индекс",
    # places and the words that start sentences, in the other languages ("Questo dopo...", "Según...")
    "cina", "cinese", "cinesi", "pechino", "chino", "china", "pekín", "shanghái", "китай", "китая", "гонконг",
    "questo", "questa", "quello", "secondo", "inoltre", "tuttavia", "infatti", "oggi", "ieri", "esto", "este",
    "esta", "según", "además", "sin", "embargo", "hoy", "ayer", "after", "before", "according", "today",
    "yesterday", "это", "этот", "однако", "кроме", "сегодня", "вчера", "he", "she", "they", "we", "sus", "su",
    # prepositions and adverbs that open a sentence or a clause ("Over the past five sessions...")
    "over", "during", "since", "until", "within", "through", "last", "next", "earlier", "later", "of", "to",
    "into", "amid", "despite", "although", "though", "when", "so", "thus", "still", "yet", "now", "then",
    "there", "here", "overall", "together", "combined", "shortly", "just", "only", "nearly", "almost", "about",
    "around", "some", "all", "each", "every", "most", "many", "several", "year", "week", "month", "day",
    "negli", "nelle", "nei", "durante", "da", "dal", "dalla", "con", "per", "sono", "tra", "fra", "poi",
    "ancora", "già", "desde", "para", "por", "entre", "hasta", "luego", "ya", "aún", "за", "с", "до",
    "во", "уже", "всего", "только", "затем", "потом", "indice", "índice", "azienda", "società", "empresa",
    "compañía", "company", "firm", "titolo", "azioni", "mercato", "mercado",
    # days and months in the other languages ("Lunedì l'indice...", "El jueves...")
    "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica", "lunes", "martes", "miércoles",
    "jueves", "viernes", "sábado", "domingo", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
    "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre", "enero", "febrero", "abril", "mayo",
    "junio", "julio", "septiembre", "octubre", "noviembre", "diciembre", "он", "она", "оно", "они", "первая",
    "первый", "первые", "американские", "американский", "китайские", "китайский", "китайская",
])


def _clause(text: str, lo: int, hi: int, at: int) -> tuple[int, int]:
    """The clause of the sentence [lo, hi) around ``at``: from the last separator before it to the next."""
    start = lo
    for m in _SEPARATOR.finditer(text, lo, at):
        start = m.end()
    nxt = _SEPARATOR.search(text, at, hi)
    return start, nxt.start() if nxt else hi


def _unknown_subject(text: str, lo: int, at: int) -> _Unknown | None:
    """Where [lo, at) names a company the tool does not know, or None."""
    # "(HSI)", "(NASDAQ:NVDA)": a name's own ticker, not another name; blanked to the same length
    # so that every position in the segment is one in the text
    seg = _BRACKETED.sub(lambda b: " " * len(b.group()), text[lo:at])
    words = [m for m in _CAPITALISED.finditer(seg) if _ELIDED.sub("", m.group().lower().rstrip(".")) not in _USUAL
             and not _PLACE_WORD.search(m.group())]
    if words:
        return _Unknown(lo + words[0].start(), lo + words[-1].end())
    han = _HAN_COMPANY.search(seg) or _HAN_NAME.search(seg)
    return _Unknown(lo + han.start(), lo + han.end()) if han else None


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
    # In another clause it negates something else: "表现不俗,收盘上涨6.3%" rose.
    return any(c.end >= cue_start - 8 and not _SEPARATOR.search(text, c.end, cue_start)
               for c in lex.find("negation", text, max(floor, cue_start - 16), cue_start))


class Extractor:
    def __init__(self, lexicon: Lexicon, aliases: AliasTable):
        self.lex = lexicon
        self.aliases = aliases

    # -- who -----------------------------------------------------------------------------------
    def _target(self, s: _Sentence, at: int, by_clause: bool = True) -> tuple[Mention, str] | _Unknown | None:
        """The target of a move at ``at``: a name in its own clause (the last before the number that
        market words attach to, else the last before it, else the first after it in the clause);
        else a name earlier in the sentence, unless another company, one the tool does not know, is
        the subject in between ("X rose 5%, Acme Robotics rose 6%": the 6% is nobody's we can check);
        else "the company" -> the last company named before the sentence. None when it is nobody
        the tool can check. A qualitative move (``by_clause`` False) looks at the whole sentence."""
        text = s.text
        k = s.mentions.count_ending_by(at)
        m: Mention | None = None
        lo, hi = _clause(text, s.span.start, s.span.end, at) if by_clause else (s.span.start, s.span.end)
        if k and s.mentions.items[k - 1].start >= lo:
            last = s.mentions.items[k - 1]
            if last.target in _NOBODY:  # "S&P 500 fell 1.8% and the Nasdaq 2.6%": the nearest name is another's
                return _Unknown(last.start, last.end)
            other = _unknown_subject(text, last.end, at) if by_clause else None
            if other:
                return other
            i = s.last_subject(k)
            m = s.mentions.items[i if i >= 0 and s.mentions.items[i].start >= lo else k - 1]
        else:
            after = s.mentions.first_starting_from(at)
            if by_clause and _BRACKET_OWNER.search(text, lo, at):
                # "Tallwood Micro (31 %) and GigaDevice (+40 %)": a number in brackets is the name's before it
                return _unknown_subject(text, lo, at)
            if after is not None and after.start - at <= _AFTER and after.end <= hi:
                m = after
            elif by_clause and (other := _unknown_subject(text, max(lo, s.mentions.items[k - 1].end) if k else lo,
                                                          at)):
                return other
            elif k:
                i = s.last_subject(k)
                if i >= 0 and _CONTRAST.search(text, s.mentions.items[i].end, s.mentions.items[k - 1].start):
                    i = k - 1  # "A and B fell 6% and 9%, while C, a chip designer, lost 3.7%": C's
                m = s.mentions.items[i if i >= 0 else k - 1]
                if self._is_group(m.target):
                    # "chip stocks fell across the board, Broadcom down 17%": a group's number is in
                    # the group's own clause; a later clause has a subject of its own
                    return None
        if m is not None:
            return (m, m.text) if m.target not in _NOBODY else _Unknown(m.start, m.end)
        anaphor = s.cue("anaphor")
        if not anaphor or s.antecedent is None or s.antecedent.target == NO_TARGET:
            return None
        return s.antecedent, f"{anaphor.items[0].text} -> {s.antecedent.text}"

    @staticmethod
    @functools.cache
    def _is_group(target: str) -> bool:
        # Group names are lowercase words joined by "-" (docs/data-files.md); symbols are not.
        return _GROUP_NAME.fullmatch(target) is not None

    # -- what ----------------------------------------------------------------------------------
    def _horizon(self, s: _Sentence, start: int, end: int) -> tuple[str, Cue | None]:
        inside = s.cue("listing").overlapping(start, end)
        if inside:  # "five times its offer price": the number's own words name the listing
            return "listing", inside[0]
        # A record's "since" and a founding's year are no period: "its worst day since March", "founded in 2020"
        records = s.cue("record").items + s.cue("founded").items
        # A close reads a session ("收报21.7港币,跌5.65%"), but a debut's close is the since-listing move.
        roles = ("listing", "period", "session") + (() if s.has("listing") else ("close",))
        # A horizon after the number in a next clause with a number of its own is that clause's ("涨幅
        # 超过90%,上市以来的涨幅则达到310%": the 90% is not since the listing); one closing a list
        # is the list's ("40% and 25%, respectively, year-to-date").
        cues = [c for role in roles for c in s.cue(role).nearest_candidates(start, end)
                if not (c.role == "period" and any(r.start <= c.start <= r.end for r in records))
                and not (c.start >= end and _SEPARATOR.search(s.text, end, c.start) and self._own_number(s, c, end))]
        cue = _near(cues, start, end, after_penalty=0)
        if cue is not None and cue.role == "period":
            # "上市以来累计上涨100%", "up 300% cumulatively since its debut": a period that starts at
            # the listing is the since-listing claim
            listing = [c for c in cues if c.role == "listing"]
            cue = _near(listing, start, end, after_penalty=0) or cue
        if s.after_debut and (cue is None or cue.role == "close") and not s.has("session"):
            # "X debuted in Shanghai on Monday. Its shares closed 15% higher": the debut day's move
            return "listing", cue
        if s.after_debut and cue is not None and cue.role == "period" and _SINCE_THEN.fullmatch(cue.text):
            return "listing", cue  # "... after their debut. X rose 400% in just two weeks": since the debut
        if cue is None:
            return "unstated", None
        return ("session" if cue.role == "close" else cue.role), cue  # a close is a session's

    @staticmethod
    def _new_subject_since(s: _Sentence, lo: int, at: int) -> bool:
        """Whether the words in [lo, at) hold a number and, after it, a subject of its own (a name or a
        market word): "revenue rose 20%, while its shares closed 5% higher" (the revenue veto is the
        20%'s); "a market share of 20%, 30% and 40%" has none (the veto is every number's)."""
        last = _LAST_PERCENT_SIGN.search(s.text, lo, at)
        if last is None:
            return False
        return bool(s.mentions.overlapping(last.end(), at) or s.cue("market").overlapping(last.end(), at))

    @staticmethod
    def _own_number(s: _Sentence, c: Cue, after: int) -> bool:
        """Whether the clause that ``c`` is in, after a number ending at ``after``, has a percentage of
        its own ("A rose 700%, while B rose 400% in two weeks": the two weeks are B's)."""
        lo = after
        for sep in _SEPARATOR.finditer(s.text, after, c.start):
            lo = sep.end()
        stop = _SEPARATOR.search(s.text, c.end, s.span.end)
        return _PERCENT_SIGN.search(s.text, lo, stop.start() if stop else s.span.end) is not None

    def _kind(self, target: str, horizon: str, size: float = 0.0) -> str:
        """``size``: the move in percent. No session doubles a price but a debut's, so a move of 100%
        or more with no horizon written is a period's (news-dev has no session move that large); for
        an index, 10% (indices.SESSION_LIMIT). An index has no listing: its "first day" is a session."""
        index = indices.is_index(target)
        limit = indices.SESSION_LIMIT if index else 100
        if horizon == "period" or (horizon == "unstated" and abs(size) >= limit):
            return PERIOD_KIND
        if index:
            return "session_return"
        if self._is_group(target):
            return "group_rally"
        return "since_listing" if horizon == "listing" else "session_return"

    def _comparison(self, text: str, p: Percent, floor: int) -> tuple[str, Cue | None]:
        best: Cue | None = None
        before = max(floor, p.start - _COMPARE_GAP)
        for role in _COMPARE if self.lex.any_of(_COMPARE, text, before, p.start) else ():
            for c in self.lex.find(role, text, before, p.start):
                if p.start - c.end <= 12 and not _PERCENT_SIGN.search(text, c.end, p.start) and (
                        best is None or c.end > best.end or (c.end == best.end and c.start < best.start)):
                    best = c
        if best is not None:
            return best.role, best
        after = min(len(text), p.end + 3)
        for role in _COMPARE_AFTER if self.lex.any_of(_COMPARE_AFTER, text, p.end, after) else ():
            for c in self.lex.find(role, text, p.end, after):
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

    @staticmethod
    def _real_close(s: _Sentence) -> bool:
        """Whether the sentence names a close that is not part of a time of day (午间收盘, midday close)."""
        marks = s.cue("intraday").items
        return any(not _in_time_phrase(c, marks) for c in s.cue("close").items)

    @staticmethod
    def _peak(s: _Sentence, p: Percent | Cue) -> bool:
        """Whether a peak word ("as much as", 一度, pre-market) reads the number, unless a closing word
        stands between them: "一度跌超9%,最终收盘下跌10.2%" keeps the 10.2%."""
        peak, text = s.cue("peak"), s.text
        # A peak word after a clause break, or before a "but", is another clause's: "首日大涨210%,次周
        # 盘中最高触及500元" keeps the 210%.
        before = [c for c in peak.items if p.start - _COMPARE_GAP <= c.end <= p.start
                  and not _BUT.search(text, c.end, p.start)]
        after = any(not _SEPARATOR.search(text, p.end, c.start)
                    for c in peak.overlapping(p.end, p.end + _COMPARE_GAP) if c.start >= p.end)
        if not before and not after:
            return False
        if after:
            return True
        nearest = max(c.end for c in before)
        return not any(nearest <= c.start and c.end <= p.start for c in s.cue("close").items)

    @staticmethod
    def _intraday(s: _Sentence, p: Percent | Cue) -> bool:
        """Whether the sentence reads the number at a time of day that is not the close: at the open,
        at midday, "as of 10am", 午间, 早盘, 截至发稿, на открытии, in apertura... A closing word
        nearer to the number than every such word keeps it ("opened lower but closed 3% up")."""
        text = s.text
        # "rose 4%, and was headed for a 15% weekly climb": a session still under way; none of
        # the sentence's numbers is a close, unless it names one
        if s.has("projection") and not Extractor._real_close(s):
            return True
        # A time after the number in another clause is that clause's, unless it closes the sentence
        # ("..., the STAR 50 down 1.2% and the ChiNext 2.1% at the lunch break").
        marks = [m for m in s.cue("intraday").items
                 if not (m.end <= p.start and _BUT.search(text, m.end, p.start))
                 and not (m.start >= p.end and _SEPARATOR.search(text, p.end, m.start)
                          and not _SENTENCE_TAIL.fullmatch(text, m.end, s.span.end))]
        if not s.cue("intraday").items:
            # A market report states its time once: "At the open, the Hang Seng rose 1%. The Hang
            # Seng Tech added 2%." The next sentences are read at that time too, until one names a
            # close or a session of its own.
            return s.earlier_intraday and not any(s.has(role) for role in ("close", "session", "period", "listing"))
        # "midday close", "closed at noon", 午间收盘: a closing word inside a time-of-day phrase is not the close
        # A period named nearer to the number reads it over days, not at a time of day.
        closes = [c for role in ("close", "period") for c in s.cue(role).items
                  if not _in_time_phrase(c, marks)
                  and not (c.start >= p.end and _SEPARATOR.search(text, p.end, c.start))]

        if not marks:
            return False

        def gap(c: Cue) -> int:
            return p.start - c.end if c.end <= p.start else max(0, c.start - p.end)

        nearest_mark = min(gap(m) for m in marks)
        return not closes or min(gap(c) for c in closes) > nearest_mark

    # -- sentences -----------------------------------------------------------------------------
    def _sentence(self, text: str, span: Span, names: _Names) -> _Sentence:
        inside = Ordered(names.all.within(span.start, span.end))
        return _Sentence(self.lex, text, span, inside, names.company_before(span.start, text))

    def _numeric(self, text: str, s: _Sentence, p: Percent, nxt: Percent | None,
                 lang: str, named: Mention | None = None) -> list[ProposedClaim] | UnknownMove | UncheckableMove | None:
        """The claims a number makes (one, or one per name of a subject that shares it); ``named``: its
        name when a "respectively" list has paired it."""
        lo = s.span.start
        if any(not self._new_subject_since(s, c.end, p.start)
               for c in s.cue("not_market").overlapping(p.start - _VETO_BEFORE, p.end + _VETO_AFTER)):
            return None
        # The checks that need no search come first, and the comparison words are looked for only
        # when asked for: most numbers of a long list are dropped after a few binary searches.
        found: tuple[str, Cue | None] | None = None
        level = self.lex.search_back("level", text, p.start)
        if level is not None and self.lex.search_back("size", text, p.start) is not None:
            level = None  # "涨幅达11.4%", "the loss narrowed to 2.4%": the move's own size, not a level
        if p.sign == 0 and level is not None:
            found = self._comparison(text, p, lo)
            ccue = found[1]
            if not (ccue is not None and ccue.start <= level.start < ccue.end):
                return None  # "to 80%", "al 20%", "до 80%": a level reached, not a move ("不到" is a comparison)
        if self.lex.search_back("measure", text, p.start) is not None:
            return None  # "振幅为4.27%", "amplitude of 4%": the number right after measures something else
        if (nxt is not None and nxt.start - p.end <= _COMPARE_GAP and self.lex.search_back("level", text, nxt.start)
                and self.lex.search_back("size", text, nxt.start) is None):
            return None  # "from 20% to 80%" (but "up 121%, and 涨幅达2500% since 2023" are two moves)
        # A move at another moment than the close is read to the end and reported, never proposed
        moment = ""
        if self._peak(s, p):
            moment = _PEAK  # "as much as 12%", "一度涨超10%", "in pre-market trading": not the session's close
        elif self._intraday(s, p):
            moment = _INTRADAY
        window = (p.start - _BEFORE, p.end + _AFTER)
        move = _near(s.cue("up").overlapping(*window) + s.cue("down").overlapping(*window), p.start, p.end)
        if p.sign:
            direction = p.sign
        elif move is not None:
            direction = 1 if move.role == "up" else -1
        else:
            return None
        if move is not None and _negated(self.lex, text, move.start, lo):
            return None
        if (not moment and move is not None and s.cue("live").overlapping(move.start, move.end)
                and not any(s.has(role) for role in ("close", "session", "period", "listing"))):
            moment = _LIVE  # "l'S&P 500 cala dello 0,4%", "el Hang Seng sube un 1%": a live report's figure
        who: tuple[Mention, str] | _Unknown | None
        if named is None:
            who = self._target(s, p.start)
        else:
            who = (named, named.text) if named.target not in _NOBODY else _Unknown(named.start, named.end)
        if who is None:
            return None
        horizon, hcue = self._horizon(s, p.start, p.end)
        if isinstance(who, _Unknown):
            if moment or not (s.has("market") or horizon in ("session", "listing") or move is not None):
                return None
            stated = f"{'+' if direction > 0 else '-'}{p.value.normalize():f}%"
            start = min(p.start, move.start if move is not None else p.start)
            return UnknownMove(text[who.start:who.end], stated, text[start:p.end], start, p.end,
                               (who.start, who.end))
        mention, subject = who
        mention = self._line(text, s, mention, p)
        # A listed name right before the verb is a market subject too: "智谱涨超17%", "Zhipu rose 17%".
        subject_verb = move is not None and 0 <= move.start - mention.end <= 6
        # A signed figure in brackets right after a name is its move: "SMIC (+3,12 %)", "寒武纪（+5%）".
        bracketed = bool(p.sign) and _OPEN_BRACKET.fullmatch(text, mention.end, p.start) is not None
        # A move's noun, its number, then whose: "el descenso del 3,5% de Nvidia", "the 5% drop in Zhipu".
        noun_of = (move is not None and move.end <= p.start and p.start - move.end <= 8
                   and _NOUN_OF.fullmatch(text, p.end, mention.start) is not None)
        if not (s.has("market") or horizon in ("session", "listing", "period") or subject_verb or bracketed or named
                or noun_of):
            return None
        comparison, ccue = found or self._comparison(text, p, lo)
        kind = self._kind(mention.target, horizon, float(p.value))
        op, threshold = self._op(comparison, direction, p)
        parts = [c for c in (move, ccue, hcue) if c is not None]
        named_here = lo <= mention.start < s.span.end
        if named_here:
            parts.append(Cue("name", mention.start, mention.end, mention.text))
        else:
            parts += [c for c in s.cue("anaphor").items[:1] if c.end <= p.start]
        start = min([p.start, *(c.start for c in parts)])
        end = max([p.end, *(c.end for c in parts)])
        evidence = _evidence(
            horizon, kind, named=named_here, anaphor=not named_here, market=s.has("market"),
            compared=comparison in ("gt", "lt"), signed=bool(p.sign), approx=comparison == "approx",
            subject_verb=subject_verb, paired=named is not None, index=indices.is_index(mention.target),
            group=self._is_group(mention.target), large=p.value >= 100, brackets=bracketed)
        stated = f"{'+' if direction > 0 else '-'}{p.value.normalize():f}%"
        stated = {"gt": "more than ", "lt": "less than ", "approx": "about "}.get(comparison, "") + stated
        if moment:
            return UncheckableMove(mention.target, subject, stated, moment, text[start:end], start, end,
                                   (mention.start, mention.end) if named_here else (0, 0))
        claim = ProposedClaim(kind, mention.target, op, threshold, text[start:end], start, end, lang,
                              confidence(evidence), horizon, subject, stated,
                              sentence=(s.span.start, s.span.end), evidence=evidence)
        out = [claim]
        if named is None and named_here:
            for other in self._co_subjects(text, s, mention, p):
                other = self._line(text, s, other, p)
                if self._kind(other.target, horizon, float(p.value)) == kind and other.target != mention.target:
                    lo_q = min(start, other.start)
                    out.append(dataclasses.replace(claim, target=other.target, subject=other.text,
                                                   quote=text[lo_q:end], start=lo_q))
        return out

    def _line(self, text: str, s: _Sentence, mention: Mention, p: Percent) -> Mention:
        """A company listed in Shanghai and in Hong Kong as the line the text places it on."""
        if mention.target not in lines.a_lines():
            return mention
        # The place may be stated a sentence or two before: "Hua Hong listed in Shanghai. ... Its shares rose 15%".
        lo_place = max(0, s.span.start - _PLACE_REACH)
        target = lines.line(mention.target, p.start, self.lex.find("a_share", text, lo_place, s.span.end),
                            self.lex.find("h_share", text, lo_place, s.span.end))
        return mention if target == mention.target else Mention(target, mention.start, mention.end, mention.text)

    def _co_subjects(self, text: str, s: _Sentence, mention: Mention, p: Percent) -> list[Mention]:
        """The names joined to ``mention`` as one subject when the text says the number is each one's:
        "Cambricon and Hygon both closed 20% higher", "澜起科技、中微公司均下跌6%". Without a word
        saying so, "A and B rose 5%" may be their index's or one of them's, and only the nearest is read."""
        if not _SHARED.search(text, mention.end, p.start):
            return []
        items = s.mentions.items
        k = next((i for i, m in enumerate(items) if m.start == mention.start), None)
        out: list[Mention] = []
        while k:
            before, after = items[k - 1], items[k]
            if (before.target in _NOBODY or self._is_group(before.target)
                    or not _COORDINATED.fullmatch(text, before.end, after.start)):
                break
            out.append(before)
            k -= 1
        return out

    def _qualitative(self, text: str, s: _Sentence, lang: str, pcts: Sequence[Percent] = ()) -> list[ProposedClaim]:
        """A group's rally or sell-off without a number. In a sentence with numbers, only from a clause
        of its own: "Chip stocks plummeted, with SMIC falling 6.7%" (the numbers are the members')."""
        out: list[ProposedClaim] = []
        if pcts and not any(self._is_group(m.target) for m in s.mentions.items):
            return out  # beside numbers only a group's clause can say it, and the sentence names no group
        words = s.cue("rally").items + s.cue("selloff").items
        if not words and (s.has("market") or pcts):
            words = s.cue("up").items + s.cue("down").items
        for cue in sorted(words, key=lambda c: c.start):
            if pcts:
                # the clause first: beside numbers, few words have one of their own
                lo, hi = _clause(text, s.span.start, s.span.end, cue.start)
                groups = [m for m in s.mentions.within(lo, hi) if self._is_group(m.target)]
                if len(groups) != 1 or any(lo <= p.start < hi for p in pcts):
                    continue
            if _negated(self.lex, text, cue.start, s.span.start) or s.cue("not_market").overlapping(
                    cue.start - _VETO_BEFORE, cue.end + _AFTER):
                continue
            if self._intraday(s, cue) or self._peak(s, cue):
                continue  # "chip stocks opened lower", "晶片族群一度大涨"
            direction = 1 if cue.role in ("rally", "up") else -1
            who: tuple[Mention, str] | _Unknown | None
            if pcts:
                who = (groups[0], groups[0].text)
            else:
                # "a broad rally in China's chip sector": the group the rally word is of, before any
                # company named earlier in the sentence
                after = s.mentions.first_starting_from(cue.end)
                if (after is not None and self._is_group(after.target)
                        and _RALLY_OF.fullmatch(text, cue.end, after.start)):
                    who = (after, after.text)
                else:
                    who = self._target(s, cue.start, by_clause=False)
            if isinstance(who, _Unknown):
                continue
            if who is None:
                # "a rally among chip makers": the name may follow the word
                after = s.mentions.first_starting_from(cue.end)
                if after is None or after.target in _NOBODY:
                    continue
                who = (after, after.text)
            mention, subject = who
            if not self._is_group(mention.target):
                # A company or index "rose" without a number claims no size that prices could test
                # apart from any rise at all; only a group's rally is read so (news-dev's rule too).
                continue
            horizon, hcue = self._horizon(s, cue.start, cue.end)
            if (horizon in ("unstated", "listing")
                    and _CONTINUING.search(text, max(s.span.start, cue.start - 40), cue.start)):
                continue  # "chip stocks keep climbing": a trend with no day or period to check
            kind = self._kind(mention.target, horizon)
            parts = [cue] + ([hcue] if hcue else [])
            named_here = s.span.start <= mention.start < s.span.end
            if named_here:
                parts.append(Cue("name", mention.start, mention.end, mention.text))
            start, end = min(c.start for c in parts), max(c.end for c in parts)
            evidence = _evidence(horizon, kind, qualitative=True, named=named_here, anaphor=not named_here,
                                 rally_word=cue.role in ("rally", "selloff"), market=s.has("market"),
                                 beside_numbers=bool(pcts))
            out.append(ProposedClaim(kind, mention.target, ">" if direction > 0 else "<", 0.0, text[start:end],
                                     start, end, lang, confidence(evidence), horizon, subject,
                                     "rally" if direction > 0 else "sell-off", sentence=(s.span.start, s.span.end),
                                     evidence=evidence))
            break  # one qualitative claim per sentence: the first word that says it
        return out

    def extract(self, text: str, language: str, spans: Sequence[Span] | None = None) -> list[ProposedClaim]:
        """The claims of ``text``, read sentence by sentence (``spans``: the sentences, when the caller
        has bounded their length; by default :func:`sentences`)."""
        return self.read(text, language, spans)[0]

    def read(self, text: str, language: str, spans: Sequence[Span] | None = None
             ) -> tuple[list[ProposedClaim], list[UnknownMove], list[UncheckableMove]]:
        """The claims of ``text``, the moves it gives to companies or indices outside the registry, and
        the moves of registry targets at moments daily prices do not hold."""
        names = _Names(_names_as_written(text, self.aliases.find(text)), self._is_group)
        best: dict[tuple, ProposedClaim] = {}
        unknown: dict[tuple[str, str], UnknownMove] = {}
        uncheckable: dict[tuple[str, str], UncheckableMove] = {}
        intraday_until = -1  # where the time of day stated by a sentence stops applying
        debut_end = -1  # where the last sentence telling of a debut ends
        for span in sentences(text) if spans is None else spans:
            s = self._sentence(text, span, names)
            s.after_debut = debut_end >= 0 and not _PARAGRAPH_OR_WORDS.search(text, debut_end, span.start)
            debut_end = span.end if any(_is_debut(text, c) for c in s.cue("listing").items) else -1
            s.earlier_intraday = active = (span.start <= intraday_until
                                           and "\n\n" not in text[intraday_until:span.start])
            pcts = percents(text, span.start, span.end)
            # A time of day given to market moves (a number, or an index or exchange named: "the Hong
            # Kong exchange opened in the green"), not to news ("results after hours").
            if ((pcts or any(indices.is_index(m.target) for m in s.mentions.items)) and s.has("intraday")
                    and not self._real_close(s)):
                intraday_until = span.end + _INTRADAY_REACH
            elif active and (s.has("close") or s.has("session")):
                intraday_until = -1
            numeric = []
            named: dict[int, Mention | None] = {}
            if len(pcts) > 1:
                for listed in respectively.pair(text, span.start, s.mentions.items, pcts, s.cue("respectively").items):
                    for j, i in enumerate(listed.percents):
                        named[i] = listed.names[j] if listed.names is not None else None
            for i, p in enumerate(pcts):
                if i in named and named[i] is None:
                    continue  # a "respectively" list whose names are unsure: nobody's number for sure
                claim = self._numeric(text, s, p, pcts[i + 1] if i + 1 < len(pcts) else None, language,
                                      named.get(i))
                if isinstance(claim, UnknownMove):
                    if len(unknown) < _MAX_UNKNOWN:  # a list of a million moves is no report
                        unknown.setdefault((claim.name, claim.stated), claim)
                elif isinstance(claim, UncheckableMove):
                    if len(uncheckable) < _MAX_UNKNOWN:
                        uncheckable.setdefault((claim.target, claim.stated), claim)
                elif claim is not None:
                    numeric += claim
            # Kept as they come, one per claim: a million repeats of one claim hold one in memory.
            _keep_best(best, numeric)
            if not numeric and not pcts:
                _keep_best(best, self._qualitative(text, s, language))
            elif pcts and s.mentions:
                _keep_best(best, self._qualitative(text, s, language, pcts))
        return (_one_per_move(list(best.values())), sorted(unknown.values(), key=lambda u: u.start),
                sorted(uncheckable.values(), key=lambda u: u.start))


def _one_per_move(claims: list[ProposedClaim]) -> list[ProposedClaim]:
    """One claim per move, however often the article states it: "surged 400% on its debut ... more
    than five times its offer price" is one since-listing claim, kept where it reads most confidently.
    Two claims are one move when they share kind and target, point the same way, and their
    thresholds differ by no more than rounding (half a point, or 1% of the size) or a multiple's
    looseness ("nearly eight times" and 693%)."""
    kept: list[ProposedClaim] = []
    # The most precisely written statement first ("693%" before "nearly eight times"), then the surest.
    for c in sorted(claims, key=lambda c: (-_digits(c.stated), -c.confidence, c.start)):
        if not any(k.kind == c.kind and k.target == c.target and (k.threshold >= 0) == (c.threshold >= 0)
                   and abs(k.threshold - c.threshold) <= 0.005 + 0.02 * abs(k.threshold) for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


_COMPONENT = "399001.SZ"  # the Shenzhen exchange's component index; its exchange's name alone means it
_COMPOSITE_BEFORE = regex.compile(r"(?:composit\w*|compuesto|композитн\w*)\s+(?:\w+\s+){0,3}$", regex.IGNORECASE)
_FORMER = regex.compile(r"(?:\bex-|\bex\s?(?:gerente|ejecutivo|directivo|empleado|dirigente|manager|dipendente)|"
                       r"\bformer\b|\bбывш\w*)[^,.;:()，。]{0,30}$", regex.IGNORECASE)
# A listing word that tells of the debut itself, not of a time since it ("since its debut", "с дебюта")
_DEBUT_WORD = regex.compile(r"debut|esordio|debutto|estreno|first|primo|prima|primer|дебют|первый|首日|首个交易日|"
                            r"выш\w* на бирж", regex.IGNORECASE)
_SINCE_WORD = regex.compile(r"since|desde|dal|dall|с\b|自|从|從", regex.IGNORECASE)
# A span counted from a moment just told ("in just two weeks", "en diez días", "за две недели", 两周内),
# not a rolling window ("over the past five sessions")
_SINCE_THEN = regex.compile(r"(?:in|en|within|за|nel giro di)\s+"
                            r"(?:just |only |apenas |solo |sólo |appena |soli |всего )?"
                            r"\w+\s+(?:weeks?|days?|semanas?|días?|settimane?|giorni|недел\w*|дн\w*)|"
                            r"[两二三四五六七八九十\d]+(?:周|天|个交易日)(?:内|之内)", regex.IGNORECASE)
_PLANNED = regex.compile(r"\b(?:to|will|would|could|shall|pronta a|punta a|para|va a|planea)\s+$", regex.IGNORECASE)
_PARAGRAPH_OR_WORDS = regex.compile(r"\n\s*\n|\w")  # between two sentences: a new paragraph, or another sentence


def _is_debut(text: str, c: Cue) -> bool:
    """Whether a listing word tells of a debut that has happened ("debuted", not "since its debut"
    nor "plans to debut")."""
    return (_DEBUT_WORD.search(c.text) is not None and _SINCE_WORD.match(c.text) is None
            and _PLANNED.search(text, max(0, c.start - 12), c.start) is None)


_ONE_OF = regex.compile(r"(?:唯一|一只|一隻|一家|一檔|一档)[^，。,.;；!?！？]{0,10}$")
_NOTE_OPEN = regex.compile(r"\s*[(（][^()（）]{0,20}")
_NOTE_CLOSE = regex.compile(r"[^()（）]{0,20}[)）]")


def _in_time_phrase(c: Cue, marks: Sequence[Cue]) -> bool:
    """Whether a closing word belongs to a time of day: inside one or right after it (午间收盘, midday close)."""
    return any(m.start <= c.start <= m.end + 1 or c.start <= m.start < c.end for m in marks)


def _names_as_written(text: str, mentions: list[Mention]) -> list[Mention]:
    """Names inside the brackets right after a name are that name's notes, not other names:
    "英伟达(NASDAQ:NVDA)" names Nvidia only (the Nasdaq there is its exchange). A name written on
    to a sector's ("美股半导体" + "芯片板块") is the rest of that sector's name. A group's word
    counted as one stock ("唯一一只...芯片股") names no group, and a person's former employer ("a
    former Nvidia executive") is not named as a market subject."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (prev is not None and m.target != prev.target and _NOTE_OPEN.fullmatch(text, prev.end, m.start)
                and _NOTE_CLOSE.match(text, m.end)):
            continue
        if prev is not None and prev.target == NOT_COMPANY and m.start == prev.end:
            out[-1] = Mention(NOT_COMPANY, prev.start, m.end, text[prev.start:m.end])
            continue
        if m.target == _COMPONENT and _COMPOSITE_BEFORE.search(text, max(0, m.start - 30), m.start):
            # "the composite index of the Shenzhen exchange": the exchange's other index, not the registry's
            m = Mention(NO_TARGET, m.start, m.end, m.text)
        if _FORMER.search(text, max(0, m.start - 40), m.start):
            continue  # "founded by a former Nvidia manager": a person's past employer, nobody's move
        if _GROUP_NAME.fullmatch(m.target) and _ONE_OF.search(text, max(0, m.start - 14), m.start):
            m = Mention(NOT_COMPANY, m.start, m.end, m.text)  # "唯一一只...的芯片股": one stock, not the group
        out.append(m)
    return out


def _evidence(horizon: str, kind: str, **seen: bool) -> tuple[str, ...]:
    """The names of the evidence present: what the confidence model weighs (news/extract/confidence.py)."""
    return (f"horizon:{horizon}", f"kind:{kind}", *(name for name, present in seen.items() if present))


def _digits(stated: str) -> int:
    """Significant digits of a stated move: "+693%" 3, "+700%" 1, "more than +17.5%" 3."""
    return len("".join(ch for ch in stated if ch.isdigit()).strip("0"))


def _keep_best(best: dict[tuple, ProposedClaim], claims: list[ProposedClaim]) -> None:
    """A claim repeated (headline and body) is proposed once, where it is read most confidently."""
    for c in claims:
        key = (c.kind, c.target, c.op, c.threshold)
        if key not in best or c.confidence > best[key].confidence:
            best[key] = c


def threshold_percent(value: float) -> str:
    """0.17 -> "17%", as events.csv writes it (also for kinds that Claim does not accept yet)."""
    return _format_percent(value) + "%"
