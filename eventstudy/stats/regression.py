"""The second stage of an event study: one CAR window's CARs (or BHARs, or standardized CARs)
regressed on firm characteristics with statsmodels, ``StudyResult.regress("car ~ size", data=...)``.

statsmodels (and its formula parser) is imported only here, and this module only when a regression
is run. The events are joined to the characteristics by symbol, and by event id where the frame has
one; an event without characteristics, or with a missing value in the formula's variables, is left
out of the fit and named in a :class:`RegressionWarning` (and in the results' ``eventstudy_note``),
never dropped silently.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventstudy.errors import UserError
from eventstudy.stats.event_columns import standard
from eventstudy.stats.windows import Window

if TYPE_CHECKING:
    from eventstudy.stats.study import StudyResult

MEASURES = ("car", "bhar", "scar")
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")
FILES = ("regression.csv", "regression.txt")  # what write() adds to a study's output folder
SHOWN_IDS = 10  # event ids a note names; the rest are counted


class RegressionWarning(UserWarning):
    """Events left out of a cross-sectional regression, by id and why."""


def events_frame(result: StudyResult, window: Window | str | None) -> tuple[pd.DataFrame, str]:
    """One row per event of the window: event_id, symbol, day0, car, bhar, scar (CAR over its standard
    deviation, the standardized CAR of Patell and BMP)."""
    from eventstudy.stats.plots import window_label

    label = window_label(result, window)
    car = result.car[result.car["window"] == label]
    with np.errstate(divide="ignore", invalid="ignore"):
        scar = car["car"].to_numpy(float) / car["sd"].to_numpy(float)
    frame = pd.DataFrame({"event_id": car["event_id"].astype(str).to_numpy(),
                          "symbol": car["symbol"].astype(str).to_numpy(),
                          "day0": car["day0"].to_numpy(), "car": car["car"].to_numpy(float),
                          "bhar": car["bhar"].to_numpy(float), "scar": scar})
    return frame, label


def _characteristics(data: pd.DataFrame, columns: Mapping[str, str] | None) -> tuple[pd.DataFrame, list[str]]:
    """The characteristics with ``symbol`` (and ``event_id``) as columns, and the keys to join on."""
    if not isinstance(data, pd.DataFrame):
        raise UserError("data must be a DataFrame of firm characteristics", field="data")
    frame = data
    if "symbol" not in frame.columns and "name" not in frame.columns and frame.index.name in ("symbol", "name"):
        frame = frame.reset_index()
    frame = standard(frame, columns)
    if "symbol" not in frame.columns and "event_id" not in frame.columns:
        raise UserError("the characteristics have no symbol or event_id column", field="data",
                        hint="add a symbol column (or name, as the events file has it), or map yours with columns=")
    keys = [k for k in ("symbol", "event_id") if k in frame.columns]
    taken = [c for c in (*MEASURES, "day0") if c in frame.columns]
    if taken:
        raise UserError(f"the characteristics have a column named {taken[0]!r}, which the study provides",
                        field="data", hint="rename that column")
    frame = frame.copy()
    for k in keys:
        frame[k] = frame[k].astype(str)
    repeated = frame.duplicated(keys, keep=False)
    if repeated.any():
        first = frame.loc[repeated, keys].iloc[0].tolist()
        raise UserError(f"the characteristics have more than one row for {' / '.join(first)}", field="data",
                        hint="give one row per " + " and ".join(keys))
    return frame, keys


def _response(formula: str, y: str | None) -> str:
    """The formula with ``y`` on its left side; a formula whose left side names another measure
    than ``y`` is a contradiction, said so."""
    if "~" not in formula:
        return f"{y or 'car'} ~ {formula}"
    left = formula.split("~", 1)[0].strip()
    if y is not None and left != y:
        raise UserError(f"the formula's left side {left!r} and y={y!r} disagree", field="y",
                        hint=f"write {y} ~ ... or leave y out")
    return formula


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def regress(result: StudyResult, formula: str, data: pd.DataFrame, *, window: Window | str | None = None,
            cov_type: str = "HC3", y: str | None = None, cluster: str | None = None,
            columns: Mapping[str, str] | None = None) -> Any:
    """OLS of one CAR window's ``y`` (car, bhar or scar; default the formula's left side) on the
    characteristics in ``data``, by statsmodels' formula API; returns its results object.

    ``cov_type``: nonrobust, HC0-HC3 (heteroskedasticity-robust), or cluster; ``cluster`` "date"
    (events sharing day 0, the usual dependence of an event study) or a column of ``data`` (an
    industry, say) makes it cluster-robust."""
    if y is not None and y not in MEASURES:
        raise UserError(f"unknown measure y={y!r}", field="y", hint=f"choose one of: {', '.join(MEASURES)}")
    if cov_type not in COV_TYPES:
        raise UserError(f"unknown cov_type {cov_type!r}", field="cov_type",
                        hint=f"choose one of: {', '.join(COV_TYPES)}")
    formula = _response(formula, y)
    events, label = events_frame(result, window)
    chars, keys = _characteristics(data, columns)
    joined = events.merge(chars, on=keys, how="left", indicator=True, validate="many_to_one")
    unmatched = joined.loc[joined["_merge"] == "left_only", "event_id"].tolist()
    joined = joined.drop(columns="_merge")
    if cluster is not None and cluster != "date" and cluster not in joined.columns:
        raise UserError(f"no column {cluster!r} to cluster by", field="cluster",
                        hint="cluster='date' (events sharing day 0) or a column of the characteristics")
    if cluster is not None:
        cov_type = "cluster"
    elif cov_type == "cluster":
        raise UserError("cov_type='cluster' needs cluster=", field="cluster",
                        hint="cluster='date' or a column of the characteristics, e.g. cluster='industry'")
    from patsy import PatsyError

    # OLS alone: statsmodels.formula.api imports every model statsmodels has (a second more).
    from statsmodels.regression.linear_model import OLS

    try:
        model = OLS.from_formula(formula, data=joined, missing="drop")
    except PatsyError as exc:
        message = str(exc).splitlines()[0]
        raise UserError(f"cannot use the formula {formula!r}: {message}", field="formula",
                        hint=f"variables: {', '.join([*MEASURES, *_variables(chars, keys)][:15])}") from None
    kept = pd.Index(model.data.row_labels)
    missing_values = [e for e in joined.loc[~joined.index.isin(kept), "event_id"] if e not in set(unmatched)]
    notes = []
    if unmatched:
        notes.append(f"{len(unmatched)} event(s) without characteristics left out: {_names(unmatched)}")
    if missing_values:
        notes.append(f"{len(missing_values)} event(s) with a missing value in the formula's variables left out: "
                     f"{_names(missing_values)}")
    if len(kept) <= len(model.exog_names):
        raise UserError(f"{len(kept)} event(s) for {len(model.exog_names)} coefficient(s): nothing to estimate",
                        field="formula", hint="; ".join(notes) or "add events or drop variables")
    fit_kwargs: dict[str, Any] = {"cov_type": cov_type}
    if cov_type == "cluster":
        groups = joined.loc[kept, "day0" if cluster == "date" else str(cluster)]
        fit_kwargs["cov_kwds"] = {"groups": pd.factorize(groups.astype(str))[0]}
    fitted = model.fit(**fit_kwargs)
    note = "; ".join(notes)
    for text in notes:
        warnings.warn(text, RegressionWarning, stacklevel=3)
    fitted.eventstudy_note = note
    fitted.eventstudy_window = label
    return fitted


def _variables(chars: pd.DataFrame, keys: list[str]) -> list[str]:
    return [str(c) for c in chars.columns if c not in keys]


def coefficients(fitted: Any) -> pd.DataFrame:
    """regression.csv: one row per term with its coefficient, standard error, t, p, the 95% interval,
    the number of events, the covariance type and the window."""
    ci = fitted.conf_int()
    return pd.DataFrame({
        "term": [str(t) for t in fitted.params.index],
        "coef": fitted.params.to_numpy(float),
        "se": fitted.bse.to_numpy(float),
        "t": fitted.tvalues.to_numpy(float),
        "p": fitted.pvalues.to_numpy(float),
        "ci_low": ci.iloc[:, 0].to_numpy(float),
        "ci_high": ci.iloc[:, 1].to_numpy(float),
        "n": int(fitted.nobs),
        "cov_type": str(fitted.cov_type),
        "window": str(getattr(fitted, "eventstudy_window", "")),
        "note": str(getattr(fitted, "eventstudy_note", "")),
    })


def summary_text(fitted: Any, formula: str) -> str:
    """regression.txt: statsmodels' summary, the formula and window, and the events left out."""
    lines = [f"Cross-sectional regression {formula} on CAR window {getattr(fitted, 'eventstudy_window', '')}",
             "", _undated(str(fitted.summary()))]
    note = getattr(fitted, "eventstudy_note", "")
    lines += ["", f"Note: {note}" if note else "Note: every event of the window is in the fit."]
    return "\n".join(lines) + "\n"


def _undated(summary: str) -> str:
    """statsmodels' summary without the clock's date and time, so the same study writes the same file."""
    return re.sub(r"(Date:|Time:)( +)(\S.*?)(?=  |$)", lambda m: m[1] + " " * (len(m[2]) + len(m[3])), summary,
                  flags=re.MULTILINE)


def read_characteristics(path: str) -> pd.DataFrame:
    """The --characteristics CSV: a symbol (or name) column, optionally event_id (or id), then the
    characteristics; symbols and ids are read as text, as in the events file."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {path}", field="--characteristics")
    try:
        frame = pd.read_csv(p, encoding="utf-8-sig", dtype={"symbol": str, "name": str, "event_id": str, "id": str})
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UserError(f"cannot read CSV: {str(exc).strip().splitlines()[0]}", file=path) from None
    if not {"symbol", "name", "event_id", "id"} & set(frame.columns):
        raise UserError("no symbol column", file=path, line=1, field="symbol",
                        hint="the characteristics file needs a symbol column (or name), then one column per variable")
    return frame


def check_formula(formula: str) -> str:
    """A --regress formula's plain form, refused up front when it cannot be one (before any study runs)."""
    text = formula.strip()
    if not text or not re.search(r"[A-Za-z_]", text.split("~", 1)[-1]):
        raise UserError(f"--regress {formula!r} has no right-hand side", field="--regress",
                        hint='write it as "car ~ size + leverage"')
    return text
