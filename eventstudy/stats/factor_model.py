"""Factor models of normal returns: Fama-French three factors, Carhart four, Fama-French five.

The security's excess return over the risk-free rate is regressed on the factor returns over the
estimation days, for every event at once by the same batched OLS as the market model
(:func:`eventstudy.stats.models._batched_ols`), so the prediction-error variances stay exact:

    R_t - RF_t = alpha + sum_j b_j F_jt + e_t,   AR_t = R_t - RF_t - alpha - sum_j b_j F_jt.

A session without factors (the factor file ends earlier, or its calendar lacks the day) is left out
of the fit and has no abnormal return: it is counted per event in the note, never filled.

The factor frame is a ``DatetimeIndex`` of session dates with columns ``Mkt-RF``, ``SMB``, ``HML``,
``RMW``, ``CMA``, ``Mom`` and ``RF`` as fractions (:mod:`eventstudy.data.french` reads the data
library's files into one).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from eventstudy.errors import UserError

FACTORS = {
    "ff3": ("Mkt-RF", "SMB", "HML"),
    "carhart": ("Mkt-RF", "SMB", "HML", "Mom"),
    "ff5": ("Mkt-RF", "SMB", "HML", "RMW", "CMA"),
}
# The slopes' names in the estimates: the market's is ``beta`` like every other model's.
SLOPE_NAMES = {"Mkt-RF": "beta", "SMB": "beta_smb", "HML": "beta_hml", "RMW": "beta_rmw", "CMA": "beta_cma",
               "Mom": "beta_mom"}
RF = "RF"
PREFIX = "factor:"  # the layout's array names: factor:RF, factor:Mkt-RF, ...


def needs(model: str) -> tuple[str, ...]:
    """The columns ``model`` reads from the factor frame (the factors, then RF)."""
    return (*FACTORS[model], RF)


def array_names(model: str) -> tuple[str, ...]:
    return tuple(PREFIX + c for c in needs(model))


def check_frame(frame: object, model: str) -> pd.DataFrame:
    """The API's ``factors=`` as the model needs it, or a one-line error saying what to pass."""
    hint = "pass factors=eventstudy.data.french.combine([...]) or a frame of daily factor returns as fractions"
    if frame is None:
        raise UserError(f"the {model} model needs factor returns", field="factors",
                        hint="give --factors FILE (Kenneth French's CSV), or factors=frame in the API")
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise UserError("factors must be a DataFrame indexed by date", field="factors", hint=hint)
    missing = [c for c in needs(model) if c not in frame.columns]
    if missing:
        raise UserError(f"the {model} model needs factor column(s) {', '.join(missing)}", field="factors",
                        hint=f"columns given: {', '.join(map(str, frame.columns))}")
    if frame.attrs.get("frequency") == "monthly" or (
            len(frame) > 2 and np.median(np.diff(frame.index.to_numpy()).astype("m8[D]").astype(int)) > 5):
        raise UserError("monthly factors for a study of daily returns", field="factors",
                        hint="use the library's daily file, e.g. F-F_Research_Data_Factors_daily.CSV")
    if not (frame.index.is_monotonic_increasing and frame.index.is_unique):
        frame = frame[~frame.index.duplicated(keep="first")].sort_index()
    return frame.loc[:, list(needs(model))].astype(float)


def aligner(frame: pd.DataFrame, model: str) -> Callable[[pd.DatetimeIndex], dict[str, np.ndarray]]:
    """A function from a security's trading days to the model's factor arrays on those days (NaN
    where the factor file has no such session). Securities on one calendar share one set of arrays,
    so the layout stores them once."""
    frame = check_frame(frame, model)
    names = array_names(model)
    made: dict[int, tuple[pd.DatetimeIndex, dict[str, np.ndarray]]] = {}

    def on(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
        got = made.get(id(dates))
        if got is None:
            values = frame.reindex(pd.DatetimeIndex(dates).normalize()).to_numpy(float)
            got = made[id(dates)] = (dates, {n: np.ascontiguousarray(values[:, j]) for j, n in enumerate(names)})
        return got[1]

    return on


def fit(model: str, y: np.ndarray, rf: np.ndarray, factors: list[np.ndarray], est: np.ndarray):  # type: ignore[no-untyped-def]
    """Fit ``model`` for every event at once: excess returns on the factors over ``est``. The fit's
    expected return is RF + alpha + b'F, so the AR is the regression's prediction error."""
    from eventstudy.stats import models

    f = models.linear(model, y - rf, est, factors, [SLOPE_NAMES[c] for c in FACTORS[model]])
    f.expected = f.expected + rf
    return f


def missing_notes(model: str, y: np.ndarray, rf: np.ndarray, factors: list[np.ndarray], est: np.ndarray,
                  in_window: np.ndarray, dates: np.ndarray) -> dict[int, str]:
    """Per event with a return but no factors on some estimation or event-window session: how many,
    and the first such event-window dates. Those days are left out, never filled."""
    have = np.isfinite(rf)
    for f in factors:
        have &= np.isfinite(f)
    gap = np.isfinite(y) & ~have
    est_gap = (gap & est).sum(axis=1)
    win_gap = gap & in_window[None, :]
    win_count = win_gap.sum(axis=1)
    notes: dict[int, str] = {}
    for i in np.flatnonzero((est_gap > 0) | (win_count > 0)).tolist():
        parts = []
        if est_gap[i]:
            parts.append(f"{int(est_gap[i])} estimation-window session(s)")
        if win_count[i]:
            days = np.datetime_as_string(dates[i][win_gap[i]][:3], unit="D")
            more = ", ..." if win_count[i] > 3 else ""
            parts.append(f"{int(win_count[i])} event-window session(s) ({', '.join(days)}{more}: "
                         f"no {model} abnormal return)")
        notes[i] = f"{model}: factors missing for {' and '.join(parts)}; left out, not filled"
    return notes
