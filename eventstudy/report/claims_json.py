"""claims.json: every verdict in machine-readable form, valid against ``claims.schema.json``.

One document per run: the tool and its version, the run's settings, and per claim its quote, source,
the three statements, the verdict with its reason and flags, the numbers behind it (NaN as null),
the robustness table, and the provenance of the prices (source and last price date per security).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import metadata, resources
from typing import Any

import numpy as np

from eventstudy.formatting import clean
from eventstudy.news.pipeline import Settings
from eventstudy.news.verdicts import Verdict

SCHEMA_NAME = "claims.schema.json"
SCHEMA_VERSION = 2


def schema() -> dict[str, Any]:
    return json.loads((resources.files("eventstudy.report") / SCHEMA_NAME).read_text(encoding="utf-8"))


def _plain(x: object) -> object:
    """JSON-ready: numpy scalars to Python, NaN and infinities to null."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def version() -> str:
    try:
        return metadata.version("eventstudy-claims")
    except metadata.PackageNotFoundError:
        return "unknown"


def settings_dict(st: Settings) -> dict[str, object]:
    return {"model": st.model, "estimation": st.estimation.window.label, "min_estimation": st.estimation.min_days,
            "window": st.window.label, "cars": [w.label for w in st.cars], "missing": st.missing,
            "fallback": st.fallback, "bootstrap": st.bootstrap, "seed": st.seed,
            **({"factors": list(st.factors.attrs.get("sources", []))} if st.factors is not None else {})}


def _claim(v: Verdict) -> dict[str, object]:
    c = v.claim
    numbers = {k: x for k, x in v.extra.items() if isinstance(x, int | float | np.number) and not isinstance(x, bool)}
    texts = {k: x for k, x in v.extra.items() if isinstance(x, str)}
    rob = [] if v.robustness is None else v.robustness.to_dict("records")
    return {
        "event_id": v.event_id, "event_title": v.title, "quote": c.text, "source": v.source,
        "kind": c.kind, "target": c.target, "period": c.period.label if c.period is not None else None,
        "op": c.op, "threshold": c.threshold, "measured": v.measured,
        "fact": v.fact, "fact_text": v.fact_text, "cause": v.cause, "cause_text": v.cause_text,
        "placebo": None if v.placebo is None else {
            "days": v.placebo.days, "yes_share": v.placebo.yes_share, "rank_p": v.placebo.rank_p,
            "statistic": v.placebo.statistic, "note": v.placebo.note, "text": v.placebo.text()},
        "verdict": v.verdict, "reason": v.reason, "badges": list(v.badges),
        "statements": [{"question": s.question, "answer": s.answer, "text": s.text} for s in v.statements],
        "numbers": numbers, "details": texts,
        "p_value": v.extra.get("p_value"), "p_holm": v.extra.get("p_holm"), "p_bh": v.extra.get("p_bh"),
        "robustness": rob,
        "provenance": {"securities": v.provenance},
    }


def document(verdicts: Sequence[Verdict], settings: Settings) -> dict[str, object]:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "eventstudy-claims", "version": version()},
        "settings": settings_dict(settings),
        "claims": [_claim(v) for v in verdicts],
    }
    return _plain(doc)  # type: ignore[return-value]


def dumps(verdicts: Sequence[Verdict], settings: Settings) -> str:
    # json escapes C0 controls itself; clean() drops the C1 and bidirectional ones it would leave raw.
    return clean(json.dumps(document(verdicts, settings), indent=2, ensure_ascii=False, allow_nan=False)) + "\n"
