"""Moves written as multiples, read as the percentages they stand for: "doubled" +100%, "tripled" +200%,
"a 5-fold rise" +400%, "N times its offer price" +(N-1)x100%, "в 9 раз" +800%, "multiplicado por diez"
+900%, "raddoppiato" +100%, 翻倍 +100%, 涨3倍 +300% (the reading the Chinese press itself uses when it
also gives the percentage), 腰斩 (halved) -50%."""

from __future__ import annotations

from decimal import Decimal

import regex

_SMALL = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "diez": 10,
    "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
    "десять": 10,
    "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}
_N = r"(?P<n>\d+(?:[.,]\d)?|" + "|".join(sorted(_SMALL, key=len, reverse=True)) + ")"
_W = r"(?<![\p{L}\p{N}])"

# (pattern, how the number becomes a percentage): "word" a fixed value, "times" (N-1) x 100, "cn" N x 100
_RULES: list[tuple[regex.Pattern[str], str, int]] = [
    (regex.compile(_W + r"(?:doubled|doubling|doubles)\b", regex.I), "word", 100),
    (regex.compile(_W + r"(?:tripled|trebled|tripling)\b", regex.I), "word", 200),
    (regex.compile(_W + r"quadrupled\b", regex.I), "word", 300),
    (regex.compile(_W + r"quintupled\b", regex.I), "word", 400),
    (regex.compile(_W + _N + r"[- ]fold\b", regex.I), "times", 0),
    (regex.compile(_W + _N + r"\s+times\s+(?:its|the|their|her|his)\s+(?:\w+\s+){0,2}(?:price|value)", regex.I),
     "times", 0),
    (regex.compile(_W + r"raddoppiat\w*|" + _W + r"raddoppi[aoò]\w*", regex.I), "word", 100),
    (regex.compile(_W + r"triplicat\w*", regex.I), "word", 200),
    (regex.compile(_W + r"quadruplicat\w*", regex.I), "word", 300),
    (regex.compile(_W + r"quintuplicat\w*", regex.I), "word", 400),
    (regex.compile(_W + r"decuplicat\w*", regex.I), "word", 900),
    (regex.compile(_W + r"moltiplicat\w* per " + _N, regex.I), "times", 0),
    (regex.compile(_W + r"duplic(?:ó|o|aron|ado|ada|a|an)\b", regex.I), "word", 100),
    (regex.compile(_W + r"triplic(?:ó|o|aron|ado|ada|a|an)\b", regex.I), "word", 200),
    (regex.compile(_W + r"cuadruplic\w*", regex.I), "word", 300),
    (regex.compile(_W + r"quintuplic\w*", regex.I), "word", 400),
    (regex.compile(_W + r"multiplic\w* (?:casi |más de )?por " + _N, regex.I), "times", 0),
    (regex.compile(_W + r"в " + _N + r"(?:,\d)? раз\w*", regex.I), "times", 0),
    (regex.compile(_W + r"удво\w+", regex.I), "word", 100),
    (regex.compile(_W + r"утро\w+", regex.I), "word", 200),
    (regex.compile(r"翻(?:了)?(?:一)?(?:倍|番)"), "word", 100),
    (regex.compile(r"(?<=[涨升漲])(?:了|幅)?(?:已)?(?:超过|超|逾|近|约|达|突破)?\s*" + _N + r"\s*倍"), "cn", 0),
    (regex.compile(r"腰斩"), "word", -50),
]
# Every rule's match holds one of these words as the rule writes it, so a sentence holding none has no
# multiple: one search for them costs less than the rules' searches, and most sentences have none.
_ANCHORS = ("doubl", "tripl", "trebl", "quadrupl", "quintupl", "fold", "times", "raddoppi", "decuplicat",
            "moltiplicat", "duplic", "cuadruplic", "multiplic", "раз", "удво", "утро", "翻", "倍", "腰斩")
_ANY_ANCHOR = regex.compile("|".join(_ANCHORS), regex.I)


def multiple_moves(text: str, start: int, end: int) -> list[tuple[Decimal, int, int, int]]:
    """(value in percent, sign, start, end) of every multiple in text[start:end]."""
    out: list[tuple[Decimal, int, int, int]] = []
    if _ANY_ANCHOR.search(text, start, end) is None:
        return out
    for pattern, how, fixed in _RULES:
        for m in pattern.finditer(text, start, end):
            if how == "word":
                value = Decimal(abs(fixed))
                sign = 1 if fixed > 0 else -1
            else:
                raw = m.group("n")
                n = Decimal(raw.replace(",", ".")) if raw[0].isdigit() else Decimal(_SMALL[raw.lower()])
                value = (n - 1) * 100 if how == "times" else n * 100
                sign = 1
                if value <= 0:
                    continue
            out.append((value, sign, m.start(), m.end()))
    return out
