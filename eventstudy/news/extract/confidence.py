"""How sure a proposed claim is: a logistic model of the evidence the extractor saw, fitted on the
real-news development set (benchmarks/calibrate_confidence.py writes ``confidence_weights.csv``).

So a confidence means a rate: of the development set's proposals at or above 0.8, at least 90% were
right (README, "Claims read from articles"). Each piece of evidence is a name (``named``, ``market``,
``horizon:session``...); the weights file gives each its log-odds and an ``intercept``. Evidence the
file does not know counts for nothing, so an older weights file still reads.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

from eventstudy.data.securities import read_csv_records
from eventstudy.news.extract.lexicon import data_file

WEIGHTS_FILE = "confidence_weights.csv"


@functools.cache
def weights() -> dict[str, float]:
    out: dict[str, float] = {}
    for rec in read_csv_records(data_file(WEIGHTS_FILE), ("evidence", "weight"), (), "confidence weights"):
        try:
            out[rec.values["evidence"]] = float(rec.values["weight"])
        except ValueError:
            raise rec.error("weight", "not a number", "write a decimal number such as -0.25") from None
    return out


def confidence(evidence: Iterable[str], table: dict[str, float] | None = None) -> float:
    """The fitted probability that a proposal with this evidence is right, to two decimals."""
    w = weights() if table is None else table
    z = w.get("intercept", 0.0) + sum(w.get(e, 0.0) for e in set(evidence))
    return round(1 / (1 + math.exp(-z)), 2)
