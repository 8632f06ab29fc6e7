"""The period of a period move, read from its sentence and dated by the article's date.

A ``period_return`` claim is measured over the period its sentence names (see
:mod:`eventstudy.news.periods` for the labels and how they are measured). The phrases read, in the
five languages:

- a named month: "in August", "ad agosto", "en agosto", "в августе", "за август", "8月", with the
  year as stated ("August 2025", "2025年8月") or else the latest such month up to the article's date;
  "this month", "last month" (questo mese, el mes pasado, в прошлом месяце, 本月, 上月);
- the year to date: "so far this year", "YTD", "dall'inizio dell'anno", "с начала года", "en lo que
  va del año", 今年以来, 年内; a year ("in 2025", "2024年以来");
- a quarter: "this quarter", "in the third quarter", "Q2", "nel trimestre", 第二季度; last year (去年,
  "l'anno scorso", "el año pasado", "в прошлом году"); "from last year" is twelve months;
- a week: "this week", "last week", 本周, 上周, "на этой неделе", "questa settimana", "esta semana";
- since a date: "since February 1", "since Jan 8", "с 1 февраля", "dal 1° febbraio", "desde el 1
  de febrero", 2月1日以来; "since August" (its first day);
- the last N sessions, days, weeks, months or years: "over five sessions", "in the past 5 trading
  days", "за пять сессий", 5个交易日, "nelle ultime 5 sedute", "en cinco sesiones", "over the past
  year" (12 months), 过去一年.

Of several phrases in the sentence, the one nearest the claim's number is the claim's. A phrase that
needs the article's date (a month without its year, "this week") gives no period without one; the
claim then stays proposed, not checked, with the reason.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import regex

from eventstudy.news.extract.text import percents
from eventstudy.news.periods import Period, month, quarter, week_of, year

# -- words --------------------------------------------------------------------------------------------
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "un": 1, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8,
    "nove": 9, "dieci": 10, "undici": 11, "dodici": 12, "quindici": 15, "venti": 20, "trenta": 30,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30,
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "двух": 2, "три": 3, "трех": 3, "трёх": 3,
    "четыре": 4, "четырех": 4, "четырёх": 4, "пять": 5, "пяти": 5, "шесть": 6, "шести": 6, "семь": 7,
    "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9, "десять": 10, "десяти": 10,
    "двенадцать": 12, "двенадцати": 12, "пятнадцать": 15, "двадцать": 20, "тридцать": 30,
}
_HAN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_YEAR_DIGITS = {"〇": 0, "零": 0, **_HAN_DIGITS}
_MONTHS = {
    **{name: k for k, names in enumerate((
        ("january", "jan", "gennaio", "enero"), ("february", "feb", "febbraio", "febrero"),
        ("march", "mar", "marzo"), ("april", "apr", "aprile", "abril"), ("may", "maggio", "mayo"),
        ("june", "jun", "giugno", "junio"), ("july", "jul", "luglio", "julio"), ("august", "aug", "agosto"),
        ("september", "sep", "sept", "settembre", "septiembre", "setiembre"), ("october", "oct", "ottobre", "octubre"),
        ("november", "nov", "novembre", "noviembre"), ("december", "dec", "dicembre", "diciembre"),
    ), start=1) for name in names},
}
_RU_MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_MONTH_WORD = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
               r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
               r"|gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
               r"|enero|febrero|abril|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre"
               r"|январ[ьяе]|феврал[ьяе]|марта?|марте|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|августе?|августа"
               r"|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]")
_HAN_NUM = r"[一二两三四五六七八九十]{1,3}"
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "q1": 1, "q2": 2,
             "q3": 3, "q4": 4, "primo": 1, "secondo": 2, "terzo": 3, "quarto": 4, "primer": 1, "segundo": 2,
             "tercer": 3, "cuarto": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_N = r"\d{1,3}|" + "|".join(sorted((k for k in _NUMBERS if len(k) > 2), key=len, reverse=True))
_HAN_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月"
_YEAR = r"(?:19|20)\d{2}"
_HAN_DAY = r"\d{1,2}|[廿卅]?[一二三四五六七八九十]{1,3}|[廿卅]"


def _number(word: str) -> int | None:
    w = word.strip().lower()
    if w.isdigit():
        return int(w)
    if w in _NUMBERS:
        return _NUMBERS[w]
    if w.startswith("廿"):  # 廿 is twenty, 卅 thirty (廿五 = 25)
        return 20 + (_HAN_DIGITS.get(w[1:], 0) if w[1:] else 0)
    if w.startswith("卅"):
        return 30 + (_HAN_DIGITS.get(w[1:], 0) if w[1:] else 0)
    if w and all(ch in _HAN_DIGITS or ch == "十" for ch in w):
        if "十" not in w:
            return _HAN_DIGITS[w] if len(w) == 1 else None
        tens, _, units = w.partition("十")
        return (_HAN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_HAN_DIGITS.get(units, 0) if units else 0)
    return None


def _month_number(word: str) -> int | None:
    w = word.strip().lower().rstrip(".")
    if w.endswith("月"):
        return _number(w[:-1])
    if w in _MONTHS:
        return _MONTHS[w]
    for k, stem in enumerate(_RU_MONTHS, start=1):
        if w.startswith(stem) and (stem != "ма" or len(w) == 3):
            return k
    return None


# -- what a phrase says, dated ------------------------------------------------------------------------
class _Undated(Exception):
    """The phrase needs the article's date."""


def _latest(month_no: int, day: int, date: dt.date | None) -> dt.date:
    """The latest ``day`` of ``month_no`` on or before ``date`` (the year left unstated)."""
    if date is None:
        raise _Undated
    y = date.year if (month_no, day) <= (date.month, date.day) else date.year - 1
    return dt.date(y, month_no, day)


def _given(m: regex.Match, date: dt.date | None) -> dt.date:
    if date is None:
        raise _Undated
    return date


_Build = Callable[[regex.Match, "dt.date | None"], Period]


def _named_month(m: regex.Match, date: dt.date | None) -> Period:
    k = _month_number(m.group("month"))
    assert k is not None
    if m.group("year"):
        return month(int(m.group("year")), k)
    first = _latest(k, 1, date)
    return month(first.year, k)


def _this_month(m: regex.Match, date: dt.date | None) -> Period:
    d = _given(m, date)
    return month(d.year, d.month)


def _last_month(m: regex.Match, date: dt.date | None) -> Period:
    d = _given(m, date).replace(day=1) - dt.timedelta(days=1)
    return month(d.year, d.month)


def _ytd(m: regex.Match, date: dt.date | None) -> Period:
    stated = m.groupdict().get("year")
    if m.groupdict().get("hanyear"):  # 二〇二三年至今
        stated = "".join(str(_HAN_YEAR_DIGITS[ch]) for ch in m.group("hanyear"))
    if stated and (date is None or int(stated) != date.year):
        return Period("since", dt.date(int(stated), 1, 1))
    return Period("ytd")


def _a_year(m: regex.Match, date: dt.date | None) -> Period:
    """"in 2025": the year; the year to date when it is the article's year."""
    stated = int(m.group("year"))
    return Period("ytd") if date is not None and stated == date.year else year(stated)


def _a_year_earlier(m: regex.Match, date: dt.date | None) -> Period:
    return Period("months", count=12)


def _between(m: regex.Match, date: dt.date | None) -> Period:
    """"7月25日至8月26日": the two days, in the latest year that puts the end on or before the date."""
    k1, k2 = _month_number(m.group("month")), _month_number(m.group("month2"))
    d1, d2 = _number(m.group("day")), _number(m.group("day2"))
    if None in (k1, k2, d1, d2):
        raise ValueError("not a date")
    assert k1 is not None and k2 is not None and d1 is not None and d2 is not None
    end = _latest(k2, d2, date)
    start = dt.date(end.year if (k1, d1) <= (k2, d2) else end.year - 1, k1, d1)
    return Period("range", start, end, to=True)


def _this_quarter(m: regex.Match, date: dt.date | None) -> Period:
    d = _given(m, date)
    return quarter(d.year, (d.month - 1) // 3 + 1)


def _last_quarter(m: regex.Match, date: dt.date | None) -> Period:
    d = _given(m, date)
    q = (d.month - 1) // 3  # the previous quarter, 0 = the last of the year before
    return quarter(d.year, q) if q else quarter(d.year - 1, 4)


def _named_quarter(m: regex.Match, date: dt.date | None) -> Period:
    q = _QUARTERS[m.group("q").lower()]
    if m.groupdict().get("year"):
        return quarter(int(m.group("year")), q)
    d = _given(m, date)
    return quarter(d.year if 3 * q - 2 <= d.month else d.year - 1, q)


def _last_year(m: regex.Match, date: dt.date | None) -> Period:
    return year(_given(m, date).year - 1)


def _this_week(m: regex.Match, date: dt.date | None) -> Period:
    return week_of(_given(m, date))


def _last_week(m: regex.Match, date: dt.date | None) -> Period:
    return week_of(_given(m, date) - dt.timedelta(days=7))


def _since(m: regex.Match, date: dt.date | None) -> Period:
    k = _month_number(m.group("month"))
    assert k is not None
    day = int(m.group("day")) if m.groupdict().get("day") else 1
    if m.group("year"):
        return Period("since", dt.date(int(m.group("year")), k, day))
    return Period("since", _latest(k, day, date))


_UNITS = tuple((unit, regex.compile(stems)) for unit, stems in (
    ("sessions", r"session|seance|trading|sedut|sessio|sesion|jornad|rueda|сесси|торгов|交易日"),
    ("days", r"day|giorn|d[ií]a|дн|дня|день|天|日"),
    ("weeks", r"week|settiman|semana|недел|周|星期"),
    ("months", r"month|mes|месяц|月"),
    ("years", r"year|ann|año|год|лет|年")))


def _unit(word: str) -> str:
    w = word.lower()
    for unit, stems in _UNITS:
        if stems.match(w):
            return unit
    raise AssertionError(word)  # pragma: no cover - every pattern's unit is one of these


def _counted(m: regex.Match, date: dt.date | None) -> Period:
    n = _number(m.group("n")) if m.groupdict().get("n") else 1
    assert n is not None
    unit = _unit(m.group("unit"))
    if unit == "years" and n == 1:
        unit, n = "months", 12
    return Period(unit, count=n)


# -- the phrases ----------------------------------------------------------------------------------------
_I = regex.IGNORECASE | regex.VERSION1
_B = r"(?<![\p{L}\p{N}])"  # a word starts here
_E = r"(?![\p{L}])"  # a word ends here
_PHRASES: tuple[tuple[str, _Build], ...] = (
    # since a date (before the months: "since February 1" is not "in February")
    (rf"{_B}since\s+(?:the\s+(?:start|beginning)\s+of\s+)?(?P<month>{_MONTH_WORD})(?:\s+(?P<day>\d{{1,2}})"
     rf"(?:st|nd|rd|th)?)?(?:,?\s+(?P<year>{_YEAR}))?{_E}", _since),
    (rf"{_B}since\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH_WORD})"
     rf"(?:,?\s+(?P<year>{_YEAR}))?{_E}", _since),
    (rf"{_B}(?:dal(?:l')?|da)\s*(?:(?P<day>\d{{1,2}})\s*[°º]?\s+|inizio\s+(?:di\s+)?)?(?P<month>{_MONTH_WORD})"
     rf"(?:\s+(?P<year>{_YEAR}))?{_E}", _since),
    (rf"{_B}desde\s+(?:el\s+(?P<day>\d{{1,2}})\s+de\s+|(?:principios|inicios|comienzos)\s+de\s+)?"
     rf"(?P<month>{_MONTH_WORD})(?:\s+(?:de\s+)?(?P<year>{_YEAR}))?{_E}", _since),
    (rf"{_B}с\s+(?:(?P<day>\d{{1,2}})\s+|начала\s+)?(?P<month>{_MONTH_WORD})(?:\s+(?P<year>{_YEAR}))?{_E}", _since),
    (rf"(?:自|从)?(?:(?P<year>{_YEAR})\s*年\s*)?(?P<month>{_HAN_MONTH})\s*(?:(?P<day>\d{{1,2}})\s*[日号])?份?\s*"
     r"(?:以来|至今|起)", _since),
    # the year to date, a year
    (rf"{_B}(?:(?:so\s+far\s+)?this\s+year|so\s+far\s+in\s+(?P<year>{_YEAR})|year[\s-]+to[\s-]+date|ytd"
     rf"|since\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+year|(?P<year>{_YEAR}))"
     rf"|da\s+inizio\s+anno|dall['’]inizio\s+(?:dell['’]anno|del\s+(?P<year>{_YEAR}))|quest['’]anno"
     rf"|en\s+lo\s+que\s+va\s+de(?:l)?\s+(?:año|(?P<year>{_YEAR}))|en\s+el\s+año|desde\s+(?:principios|inicios|comienzos|el\s+inicio)"
     rf"\s+de(?:l)?\s+(?:año|(?P<year>{_YEAR}))|este\s+año"
     rf"|с\s+начала\s+(?:текущего\s+)?(?:года|(?P<year>{_YEAR})\s+г(?:ода|\.))|в\s+этом\s+году){_E}", _ytd),
    (r"今年以来|今年迄今|年初至今|(?<![\d〇零一二三四五六七八九十])年至今|年初以来|年内|今年", _ytd),
    (rf"(?:(?P<year>{_YEAR})|(?P<hanyear>[〇零一二三四五六七八九]{{4}}))\s*年\s*(?:以来|至今)", _ytd),
    # between two dates
    (rf"(?:从|自)?(?P<month>{_HAN_MONTH})\s*(?P<day>{_HAN_DAY})\s*[日号]?\s*(?:至|到|-|—|~)\s*"
     rf"(?P<month2>{_HAN_MONTH})\s*(?P<day2>{_HAN_DAY})\s*[日号]", _between),
    (rf"{_B}(?:from|between)\s+(?P<month>{_MONTH_WORD})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:to|and|through)"
     rf"\s+(?P<month2>{_MONTH_WORD})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?{_E}", _between),
    (rf"{_B}(?:in|during|for|nel|durante|en|в)\s+(?P<year>{_YEAR})(?:\s+году)?{_E}(?!\s*[-/.]\d)", _a_year),
    # a quarter; last year
    (r"(?<![\p{L}])(?:this\s+quarter|in\s+the\s+quarter|for\s+the\s+quarter|quarter[\s-]+to[\s-]+date"
     r"|(?:in\s+)?questo\s+trimestre|nel\s+trimestre|en\s+el\s+trimestre|este\s+trimestre"
     r"|в\s+(?:этом|текущем)\s+квартале|за\s+квартал)(?![\p{L}])|本季度|本季", _this_quarter),
    (r"(?<![\p{L}])(?:last\s+quarter|lo\s+scorso\s+trimestre|il\s+trimestre\s+scorso|el\s+trimestre\s+pasado"
     r"|в\s+прошлом\s+квартале)(?![\p{L}])|上季度|上个季度", _last_quarter),
    (rf"{_B}(?:in|during|for|nel|en\s+el)\s+(?:the\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th|primo|"
     rf"secondo|terzo|quarto|primer|segundo|tercer|cuarto)\s+(?:quarter|trimestre)(?:\s+(?:of\s+|del\s+)?"
     rf"(?P<year>{_YEAR}))?{_E}", _named_quarter),
    (rf"{_B}(?P<q>q[1-4])(?:\s+(?P<year>{_YEAR}))?{_E}", _named_quarter),
    (rf"(?:(?P<year>{_YEAR})\s*年\s*)?第(?P<q>[一二三四])季度", _named_quarter),
    (r"(?<![\p{L}])(?:last\s+year|l['’]anno\s+scorso|el\s+año\s+pasado|в\s+прошлом\s+году)(?![\p{L}])|去年",
     _last_year),
    # a week
    (r"(?<![\p{L}])(?:this\s+week|for\s+the\s+week|week\s+to\s+date|weekly|questa\s+settimana|settimanale"
     r"|esta\s+semana|semanal|на\s+этой\s+неделе|на\s+текущей\s+неделе)(?![\p{L}])|本周|这周|本星期", _this_week),
    (r"(?<![\p{L}])(?:last\s+week|la\s+settimana\s+scorsa|la\s+semana\s+pasada|на\s+прошлой\s+неделе)(?![\p{L}])"
     r"|上周|上星期", _last_week),
    # a month
    (rf"{_B}(?:in|during|for|over|through(?:out)?|a|ad|nel\s+mese\s+di|en|en\s+el\s+mes\s+de|в|за|по\s+итогам)"
     rf"\s+(?:the\s+month\s+of\s+)?(?P<month>{_MONTH_WORD})(?:\s+(?:de\s+)?(?P<year>{_YEAR}))?{_E}", _named_month),
    (rf"(?:(?P<year>{_YEAR})\s*年\s*)?(?P<month>{_HAN_MONTH})份?(?!\s*\d{{1,2}}\s*[日号])(?!\d)", _named_month),
    (r"(?<![\p{L}])(?:this\s+month|month[\s-]+to[\s-]+date|questo\s+mese|este\s+mes|в\s+этом\s+месяце)(?![\p{L}])"
     r"|本月", _this_month),
    (r"(?<![\p{L}])(?:last\s+month|il\s+mese\s+scorso|el\s+mes\s+pasado|в\s+прошлом\s+месяце)(?![\p{L}])"
     r"|上个?月", _last_month),
    # the last N sessions, days, weeks, months, years
    (r"(?<![\p{L}])(?:from\s+a\s+year\s+(?:ago|earlier)|(?:from|compared\s+(?:with|to))\s+last\s+year|year[\s-]+on[\s-]+year|respecto\s+al\s+año\s+pasado"
     r"|rispetto\s+a\s+un\s+anno\s+fa|по\s+сравнению\s+с\s+прошлым\s+годом)(?![\p{L}])", _a_year_earlier),
    (rf"{_B}(?:(?:in|over|during|for)\s+)?(?:the\s+|just\s+|only\s+)?(?:past|last|previous|prior)?\s*(?P<n>{_N})[\s-]+"
     r"(?:straight\s+|consecutive\s+)?(?P<unit>(?:trading[\s-]+)?(?:sessions?|days?)|weeks?|months?|years?)"
     rf"(?![\p{{L}}])", _counted),
    (r"(?<![\p{L}])(?:(?:in|over|during)\s+the\s+(?:past|last)|in\s+the\s+previous)\s+(?P<unit>week|month|year)"
     r"(?![\p{L}])", _counted),
    (rf"{_B}(?:in|nell[ae]|negli|durante\s+le)\s+(?:soli?\s+|appena\s+)?(?:ultim[ie]\s+)?(?P<n>{_N})\s+"
     r"(?P<unit>sedute|sessioni|giorni|settimane|mesi|anni)(?![\p{L}])", _counted),
    (r"(?<![\p{L}])(?:nell['’]ultim[oa]|in\s+un[a]?)\s+(?P<unit>anno|mese|settimana)(?![\p{L}])", _counted),
    (rf"{_B}(?:en|durante|de)\s+(?:las?\s+|los\s+|apenas\s+|solo\s+|sólo\s+)?(?:últim[oa]s\s+)?(?P<n>{_N})\s+"
     r"(?P<unit>sesiones|jornadas|ruedas|d[ií]as|semanas|meses|años)(?![\p{L}])", _counted),
    (r"(?<![\p{L}])(?:en\s+(?:el|la)\s+últim[oa]|en\s+un[a]?)\s+(?P<unit>año|mes|semana)(?![\p{L}])", _counted),
    (rf"{_B}за\s+(?:последни[ееих]+\s+)?(?P<n>{_N})\s+(?P<unit>(?:торговы[хе]\s+)?(?:сесси\w*|дн\w*|дня)|"
     r"недел\w*|месяц\w*|лет|года?)(?![\p{L}])", _counted),
    (r"(?<![\p{L}])за\s+(?:последн(?:ий|юю)\s+)?(?P<unit>год|месяц|неделю)(?![\p{L}])", _counted),
    (rf"(?:近|过去|最近|连续|累计)\s*(?P<n>\d{{1,3}}|{_HAN_NUM})\s*个?\s*"
     r"(?P<unit>交易日|日|天|周|星期|月|年)", _counted),
    (rf"(?P<n>\d{{1,3}}|{_HAN_NUM})\s*个\s*(?P<unit>交易日|月|星期)", _counted),
    (rf"(?P<n>\d{{1,3}}|{_HAN_NUM})\s*(?P<unit>交易日)", _counted),
)


@functools.cache
def _compiled() -> tuple[tuple[regex.Pattern, _Build], ...]:
    return tuple((regex.compile(p, _I), build) for p, build in _PHRASES)


@dataclass(frozen=True)
class ReadPeriod:
    """The period read for a claim (None: unknown) and a note: the words it was read from, or why
    it is unknown."""

    period: Period | None
    note: str
    start: int = -1
    end: int = -1


_HOW = "give it in events.csv as period_return(TARGET, PERIOD)"
# What ends a clause between a phrase and the number: "up 26% in five days and 200% this year".
_CLAUSE = regex.compile(r"[,;，；、]|\s(?:and|but|while|whereas|e|ed|ma|mentre|y|pero|mientras|и|а|но)\s",
                        regex.IGNORECASE)
_AFTER, _OTHER_CLAUSE = 20, 100


@functools.lru_cache(maxsize=8)  # a sentence with several period claims is searched once
def _phrases(text: str, lo: int, hi: int) -> tuple[tuple[int, int, _Build, regex.Match], ...]:
    """The period phrases of the sentence ``text[lo:hi]``: (start, end, how it is dated, match)."""
    found: list[tuple[int, int, _Build, regex.Match]] = []
    for pattern, build in _compiled():
        for m in pattern.finditer(text, lo, hi):
            if m.end() > m.start():
                found.append((m.start(), m.end(), build, m))
    # A phrase inside a longer one is part of it ("over the last month" holds "last month").
    return tuple(f for f in found if not any(g is not f and g[0] <= f[0] and f[1] <= g[1]
                                             and g[1] - g[0] > f[1] - f[0] for g in found))


def read_period(text: str, lo: int, hi: int, at: tuple[int, int], date: dt.date | None) -> ReadPeriod:
    """The period the sentence ``text[lo:hi]`` names nearest the claim at ``at`` (its number's span),
    dated by the article's ``date``."""
    found = _phrases(text, lo, hi)
    if not found:
        return ReadPeriod(None, f"period unknown: the sentence names no period the tool can date ({_HOW})")

    def gap(f: tuple[int, int, _Build, regex.Match]) -> int:
        # A phrase after the number costs more than one before it; one beyond a clause's end much more.
        lo_, hi_, after = (f[1], at[0], 0) if f[1] <= at[0] else (at[1], f[0], _AFTER) if f[0] >= at[1] else (0, 0, 0)
        apart = _CLAUSE.search(text, lo_, hi_) is not None if hi_ > lo_ else False
        return max(0, hi_ - lo_) + after + (_OTHER_CLAUSE if apart else 0)

    start, end, build, m = min(found, key=lambda f: (gap(f), f[0]))
    words = text[start:end].strip().rstrip(".")
    try:
        period = build(m, date)
    except _Undated:
        return ReadPeriod(None, f"period unknown: {words!r} needs the article's date (give --date)", start, end)
    except ValueError:  # a day that the month does not have ("since February 30")
        return ReadPeriod(None, f"period unknown: {words!r} is not a date", start, end)
    if date is not None:
        first = period.first_day(date)
        if first is not None and first > date:
            return ReadPeriod(None, f"period unknown: {words!r} reads as {period.label}, after the article's date "
                                    f"{date}", start, end)
    return ReadPeriod(period, f"read from {words!r}", start, end)


_STATED = regex.compile(r"[+-](\d+(?:\.\d+)?)%")


def number_span(text: str, start: int, end: int, stated: str) -> tuple[int, int]:
    """Where the claim's own number is in its quote ``text[start:end]`` ("+17%" of "Zhipu rose
    more than 17% this week"): the quote also holds its subject and cue words, which may be far from
    the number. The whole quote when the claim has no number (a rally)."""
    m = _STATED.search(stated)
    if m is not None:
        for p in percents(text, start, end):
            if p.value == Decimal(m.group(1)):
                return p.start, p.end
    return start, end
