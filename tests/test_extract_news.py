"""Claim extraction on the phenomena of real published news (issue 23), one rule per test, on
sentences written for these tests (the real text is measured by benchmarks/score_news_dev.py on
../shared/data/news-dev, asserted at the end of this file)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from eventstudy.news.extract import propose

REPO = Path(__file__).resolve().parents[1]


def claims(text: str, date: dt.date | None = None) -> set[tuple[str, str, str, float]]:
    return {(c.kind, c.target, c.op, round(c.threshold * 100, 4)) for c in propose(text, date=date).claims}


def test_traditional_chinese_is_read_and_quoted_as_written() -> None:
    found = propose("寒武紀股價週一收漲5.2%。")
    assert [(c.kind, c.target, c.op, round(c.threshold * 100, 2)) for c in found.claims] == [
        ("session_return", "688256.SS", ">=", 5.15)]
    assert "寒武紀" in found.claims[0].quote  # the original characters, not the converted ones


def test_the_registry_indices_are_found_in_several_languages() -> None:
    assert ("session_return", "^HSI", "<=", -1.15) in claims("The Hang Seng Index closed down 1.2% on Monday.")
    assert ("session_return", "000688.SS", ">=", 2.5) in claims("科创50指数收涨3%。")
    assert ("session_return", "^GSPC", ">=", 0.75) in claims("L'indice S&P 500 ha chiuso in rialzo dello 0,8%.")
