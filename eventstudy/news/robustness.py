"""Robustness of a claim's key number: the same day-0 evidence under other models, benchmarks and
estimation windows.

For each target a claim names, the study is repeated under: the run's model (the baseline), the
market-adjusted model, the two-index model (market + the registry's sector index), the board's
alternative benchmark (``boards.csv``: the STAR 50 for STAR stocks) and a shorter estimation window
(the last half of the run's). The key number is the day-0 abnormal return (one security) or the
mean day-0 abnormal return (a group), with the p-value of the test that leads for it: the SQ test
for one security, the study's lead statistic (KP-adjusted BMP) for a group. The verdict calls the
evidence stable when every variant that could be computed agrees on significance at 5% and on the
sign of the key number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventstudy.stats.study import StudyResult
from eventstudy.stats.windows import Estimation, Window

ALPHA = 0.05
COLUMNS = ["variant", "model", "benchmark", "estimation", "value", "statistic", "p_value", "n", "note"]


@dataclass(frozen=True)
class Variant:
    label: str
    model: str
    estimation: Estimation
    alt_benchmark: bool = False


def variants(model: str, estimation: Estimation) -> list[Variant]:
    out = [Variant(f"{model} (run)", model, estimation)]
    for other in ("market", "market-adjusted", "two-index"):
        if other != model:
            out.append(Variant(other, other, estimation))
    out.append(Variant("alternative benchmark", model, estimation, alt_benchmark=True))
    w = estimation.window
    if isinstance(w, Window) and w.length >= 2 * estimation.min_days:
        short = Window(w.end - w.length // 2 + 1, w.end)
        out.append(Variant(f"estimation {short.label}", model, Estimation(short, estimation.min_days)))
    return out


def day0_key(result: StudyResult) -> dict[str, object]:
    """The day-0 key number of a study and the p of the test that leads for it."""
    ar = result.ar[result.ar["day"] == 0]
    valid = ar["abnormal_return"].notna()
    n = int(valid.sum())
    if n == 0:
        return {"value": np.nan, "statistic": "", "p_value": np.nan, "n": 0}
    if len(ar) == 1:
        sq = result.sq[result.sq["day"] == 0].iloc[0]
        return {"value": float(ar["abnormal_return"].iloc[0]), "statistic": "SQ", "p_value": float(sq["sq_p"]),
                "n": int(sq["sq_days"])}
    t = result.tests
    lead = t[(t["scope"] == "day") & (t["day"] == 0)]
    return {"value": float(ar.loc[valid, "abnormal_return"].mean()),
            "statistic": str(lead["statistic"].iloc[0]) if len(lead) else "",
            "p_value": float(lead["p_value"].iloc[0]) if len(lead) else np.nan, "n": n}


def merge_identical(table: pd.DataFrame) -> pd.DataFrame:
    """Variants that are in fact one computation (the same number, p and sample: e.g. every model
    replaced by the same market-adjusted fallback on a short history) become one row naming all of
    them, with the model that was in fact used; rows that could not be computed stay as they are."""
    if table.empty:
        return table
    value, p = table["value"].astype(float), table["p_value"].astype(float)
    done = np.isfinite(value) & np.isfinite(p)
    keys = [(round(float(v), 12), round(float(q), 12), str(s), n) if ok else ("row", i)
            for i, (v, q, s, n, ok) in enumerate(zip(value, p, table["statistic"], table["n"], done, strict=True))]
    rows = []
    for key in dict.fromkeys(keys):
        same = table[[k == key for k in keys]]
        row = same.iloc[0].to_dict()
        if len(same) > 1:
            row["variant"] = " = ".join(str(x) for x in same["variant"])
            used = sorted({n.split("fallback: ", 1)[1] for n in same["note"].astype(str) if "fallback: " in n})
            row["model"] = ", ".join(used) if used else ", ".join(dict.fromkeys(str(m) for m in same["model"]))
            row["note"] = ("the same computation under each of these settings"
                           + (" (a fallback: too little history for the models asked for)" if used else ""))
        rows.append(row)
    return pd.DataFrame(rows, columns=table.columns)


def stability(table: pd.DataFrame) -> tuple[bool | None, str]:
    """Whether the computed variants agree on the sign and on significance at 5%, and a sentence."""
    ok = table[np.isfinite(table["value"].astype(float)) & np.isfinite(table["p_value"].astype(float))]
    if len(ok) < 2:
        return None, "robustness: fewer than two distinct variants could be computed"
    signs = set(np.sign(ok["value"].astype(float)))
    sig = set(ok["p_value"].astype(float) < ALPHA)
    lo, hi = ok["p_value"].min(), ok["p_value"].max()
    if len(signs) == 1 and len(sig) == 1:
        return True, (f"stable across {len(ok)} variants (same sign, {'all' if sig.pop() else 'none'} significant "
                      f"at 5%; p from {lo:.3f} to {hi:.3f})")
    what = "sign" if len(signs) > 1 else "significance"
    return False, f"not stable: the {what} changes across {len(ok)} variants (p from {lo:.3f} to {hi:.3f})"
