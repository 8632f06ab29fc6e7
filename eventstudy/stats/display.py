"""How a fitted study shows itself in a console or a notebook cell: what was studied, N, each CAR
window's mean and deciding test, the head of the CAR table and where the full tables are.

A notebook displays whatever a cell ends with, and the dataclass's own repr printed every array
(180,000 characters for Chen & Siems); this summary stays under :data:`MAX_REPR` characters for any
number of events, built from the arrays and the first rows only (a million events' tables are not
made to be shown)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eventstudy.stats.placed import n_securities

if TYPE_CHECKING:
    from eventstudy.stats.study import StudyResult

MAX_REPR = 2000
HEAD = 5  # rows of the CAR table shown
MAX_WINDOWS = 6  # CAR windows listed; the rest are counted
HEAD_COLUMNS = ("event_id", "symbol", "window", "car", "t_stat", "p_value")
CELL = 18  # characters of a text cell shown


def _headline(result: StudyResult) -> str:
    out = result.output
    securities = n_securities(out.series) if out.series else out.n
    text = (f"{out.n} event(s) of {securities} securit{'y' if securities == 1 else 'ies'}, model {out.model}, "
            f"event window {out.window.label}, {'log' if out.log_returns else 'simple'} returns")
    if not result.skipped.empty:
        text += f"; {len(result.skipped)} event(s) skipped"
    if result.clustered:
        text += f"; events share dates (r = {result.mean_correlation:.3f}): robust tests lead"
    return text


def window_rows(result: StudyResult) -> list[dict[str, object]]:
    """Per CAR window: its mean over the events with a CAR, their number and the deciding test."""
    rows = []
    for c in result.car_arrays[:MAX_WINDOWS]:
        ok = np.isfinite(c.car)
        lead = result.lead_statistic(c.window.label)
        rows.append({
            "window": f"CAR{c.window.label}",
            "mean": float(c.car[ok].mean()) if ok.any() else np.nan,
            "n": int(ok.sum()),
            "test": "" if lead is None else str(lead["statistic"]),
            "value": np.nan if lead is None else float(lead["value"]),
            "p_value": np.nan if lead is None else float(lead["p_value"]),
        })
    return rows


def _head(result: StudyResult) -> pd.DataFrame:
    """The CAR table's first rows (of its first window), made from the arrays' first rows only."""
    if not result.car_arrays:
        return pd.DataFrame(columns=list(HEAD_COLUMNS))
    block = result._car_block(result.car_arrays[0], slice(0, HEAD))
    head = block[list(HEAD_COLUMNS)].copy()
    for col in ("event_id", "symbol"):
        head[col] = [s if len(s) <= CELL else s[: CELL - 1] + "…" for s in head[col].astype(str)]
    return head


def _where(result: StudyResult) -> str:
    out = result.output
    rows = {"ar": out.n * len(out.win_cols), "car": out.n * len(result.car_arrays), "tests": len(result.tests),
            "estimates": out.n}
    tables = ", ".join(f".{name} ({n:,} rows)" for name, n in rows.items())
    return f"full tables: {tables}; .summary(), .to_csv(folder), .plot(kind=...), .regress(formula, data=...)"


def _more(result: StudyResult) -> str:
    extra = len(result.car_arrays) - MAX_WINDOWS
    return f"  ... and {extra} more CAR window(s)" if extra > 0 else ""


def text(result: StudyResult) -> str:
    lines = [f"<StudyResult: {_headline(result)}>"]
    for r in window_rows(result):
        test = f", {r['test']} = {r['value']:.3f} (p = {r['p_value']:.4f})" if r["test"] else ""
        lines.append(f"  {r['window']}: mean {r['mean']:+.4%} over {r['n']} event(s){test}")
    if _more(result):
        lines.append(_more(result))
    head = _head(result)
    lines.append(f"  car, first {len(head)} of {result.output.n * len(result.car_arrays):,} rows:")
    shown = head.to_string(index=False, float_format=lambda v: f"{v:.4g}", max_colwidth=CELL)
    lines += ["    " + line for line in shown.splitlines()]
    lines.append("  " + _where(result))
    out = "\n".join(lines)
    return out if len(out) <= MAX_REPR else out[: MAX_REPR - 1] + "…"


def _cell(value: object, kind: str = "") -> str:
    if isinstance(value, float):
        if not np.isfinite(value):
            return ""
        return f"{value:+.4%}" if kind == "pct" else f"{value:.4g}"
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_summary(result: StudyResult) -> str:
    """The same summary as :func:`text`, as small HTML tables (a notebook's rich display)."""
    windows = _table(["window", "mean", "events", "deciding test", "value", "p-value"],
                     [[_cell(r["window"]), _cell(r["mean"], "pct"), _cell(r["n"]), _cell(r["test"]),
                       _cell(r["value"]), _cell(r["p_value"])] for r in window_rows(result)])
    head = _head(result)
    rows = [[_cell(v, "pct" if c == "car" else "") for c, v in zip(head.columns, r, strict=True)]
            for r in head.itertuples(index=False)]
    more = f"<p>{html.escape(_more(result).strip())}</p>" if _more(result) else ""
    return (f"<div><p><b>StudyResult</b>: {html.escape(_headline(result))}</p>{windows}{more}"
            f"<p>car, first {len(head)} rows:</p>{_table(list(head.columns), rows)}"
            f"<p><small>{html.escape(_where(result))}</small></p></div>")
