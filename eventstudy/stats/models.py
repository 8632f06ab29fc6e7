"""Models of normal (expected) returns, fitted for all events at once.

Each model works on an event-time panel: ``y`` is (n events, K relative days) of security returns,
``m`` the market return on the same days (and ``m_lag``/``m_lead`` one day before/after on the
security's own axis), ``s`` an optional second (sector) index. ``est`` marks the estimation days.

Every linear model is fitted by batched OLS through the normal equations, so the prediction-error
variance of any abnormal return or sum of abnormal returns is exact (MacKinlay 1997, eq. 7-8):
``Var(AR_t) = s^2 (1 + x_t' (X'X)^-1 x_t)`` and ``Var(CAR) = s^2 (L2 + xs' (X'X)^-1 xs)`` with
``xs`` the sum of the regressors over the window. For the market model these reduce to MacKinlay's
``s^2 [1 + 1/L + (Rm_t - Rm_bar)^2 / Smm]`` and its CAR analogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MODELS = ("constant-mean", "market-adjusted", "market", "two-index", "scholes-williams", "dimson", "ff3", "carhart",
          "ff5", "garch")
# Factor models (stats/factor_model.py): excess returns over RF on the factors of a factor frame.
FACTOR_MODELS = ("ff3", "carhart", "ff5")


@dataclass
class Inputs:
    y: np.ndarray  # (n, K)
    m: np.ndarray | None = None
    m_lag: np.ndarray | None = None
    m_lead: np.ndarray | None = None
    s: np.ndarray | None = None
    rf: np.ndarray | None = None  # factor models: the risk-free rate and the factors, in the model's order
    factors: list[np.ndarray] | None = None


@dataclass
class Fit:
    """A fitted model for n events: expected returns on every panel day and what variances need."""

    model: str
    expected: np.ndarray  # (n, K) expected return on each relative day
    design: np.ndarray  # (n, K, p) regressors used for the variance (zeros where unused)
    xtx_inv: np.ndarray  # (n, p, p); zeros for models without estimation error
    s2: np.ndarray  # (n,) residual variance
    n_obs: np.ndarray  # (n,) valid estimation days used
    n_params: int
    params: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n,)
    # GARCH (stats/garch.py): each day's conditional variance (fitted, then forecast), NaN for events
    # without one; and the events whose fit failed -> (model name, note) of what replaced it.
    cond_var: np.ndarray | None = None
    fallbacks: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def df(self) -> np.ndarray:
        return self.n_obs - self.n_params


def _batched_ols(y: np.ndarray, cols: list[np.ndarray], use: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS of y on the regressor columns ``cols`` (each (n, K); the first is the constant) over the
    days in ``use``, for every event at once.

    Returns (beta (n,p), (X'X)^-1 (n,p,p), number of days (n,)). The cross products are inner
    products of (n, K) columns (p is at most 4): no (n, K, p) temporary, no generic contraction.
    """
    xw = [np.where(use, c, 0.0) for c in cols]
    yw = np.where(use, y, 0.0)
    p = len(cols)
    xtx = np.empty((len(y), p, p))
    for a in range(p):
        for b in range(a, p):
            xtx[:, a, b] = xtx[:, b, a] = np.einsum("nk,nk->n", xw[a], xw[b])
    xty = np.stack([np.einsum("nk,nk->n", xa, yw) for xa in xw], axis=1)
    # pinv rather than solve: rows with too few days are singular and are flagged by the caller.
    xtx_inv = np.linalg.pinv(xtx)
    beta = np.einsum("npq,nq->np", xtx_inv, xty)
    return beta, xtx_inv, use.sum(axis=1)


def quad_form(design: np.ndarray, xtx_inv: np.ndarray) -> np.ndarray:
    """(n, K): x_t' (X'X)^-1 x_t for every event and day, as p (p + 1) / 2 sums of (n, K) products
    ((X'X)^-1 is symmetric: each cross term is taken once, doubled)."""
    p = design.shape[-1]
    cols = [design[..., a] for a in range(p)]
    out = np.zeros(design.shape[:2])
    for a in range(p):
        row = xtx_inv[:, a, a, None] * cols[a]
        for b in range(a + 1, p):
            row += (xtx_inv[:, a, b] + xtx_inv[:, b, a])[:, None] * cols[b]
        row *= cols[a]
        out += row
    return out


def _finite(*arrays: np.ndarray | None) -> np.ndarray:
    out = np.ones(arrays[0].shape, dtype=bool)  # type: ignore[union-attr]
    for a in arrays:
        if a is not None:
            out &= np.isfinite(a)
    return out


def _linear(model: str, inp: Inputs, est: np.ndarray, regressors: list[np.ndarray], names: list[str]) -> Fit:
    y = inp.y
    n, k = y.shape
    cols = [np.ones((n, k)), *regressors]
    use = est & _finite(y, *regressors)
    beta, xtx_inv, n_obs = _batched_ols(y, cols, use)
    design = np.nan_to_num(np.stack(cols, axis=-1), copy=False)  # the stack is new: no second copy
    expected = np.repeat(beta[:, :1], k, axis=1)
    for j in range(1, len(cols)):
        expected += design[..., j] * beta[:, j, None]
    expected = np.where(_finite(*regressors), expected, np.nan) if regressors else expected
    resid = np.where(use, y - expected, 0.0)
    p = len(cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = (resid**2).sum(axis=1) / (n_obs - p)
    params = {name: beta[:, j] for j, name in enumerate(["alpha", *names])}
    return Fit(model, expected, design, xtx_inv, s2, n_obs, p, params)


def linear(model: str, y: np.ndarray, est: np.ndarray, regressors: list[np.ndarray], names: list[str]) -> Fit:
    """OLS of ``y`` on a constant and ``regressors`` over ``est`` for every event (other modules' models)."""
    return _linear(model, Inputs(y=y), est, regressors, names)


def _no_estimation(model: str, inp: Inputs, est: np.ndarray, expected: np.ndarray) -> Fit:
    """Market-adjusted returns: nothing is estimated, so the AR variance is the residual variance
    over the estimation days with L-1 degrees of freedom and no estimation-error term."""
    n, k = inp.y.shape
    ar = inp.y - expected
    use = est & np.isfinite(ar)
    n_obs = use.sum(axis=1)
    mean = np.where(use, ar, 0.0).sum(axis=1) / np.maximum(n_obs, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = (np.where(use, ar - mean[:, None], 0.0) ** 2).sum(axis=1) / (n_obs - 1)
    return Fit(model, expected, np.zeros((n, k, 1)), np.zeros((n, 1, 1)), s2, n_obs, 1, {})


# The inputs besides the return each model reads, in its regressors' order: what fit() regresses
# on, and what valid_days() requires.
READS = {
    "constant-mean": (), "market-adjusted": ("m",), "market": ("m",), "two-index": ("m", "s"),
    "dimson": ("m_lag", "m", "m_lead"), "scholes-williams": ("m", "m_lag", "m_lead"), "garch": ("m",),
}
# The slopes' names of the models fitted by one regression on READS, in the same order.
_SLOPES = {"constant-mean": [], "market": ["beta"], "two-index": ["beta", "beta_sector"],
           "dimson": ["beta_lag", "beta_0", "beta_lead"]}


def _reads(model: str, inp: Inputs) -> list[np.ndarray]:
    if model in FACTOR_MODELS:
        if inp.rf is None or inp.factors is None:
            raise ValueError(f"model {model!r} needs factor returns")
        return [inp.rf, *inp.factors]
    if model not in READS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if READS[model] and inp.m is None:
        raise ValueError(f"model {model!r} needs a market return")
    if model == "two-index" and inp.s is None:
        raise ValueError("the two-index model needs a sector index")
    arrays = [getattr(inp, name) for name in READS[model]]
    assert all(a is not None for a in arrays)  # the engine gathers the lagged market for the models reading it
    return arrays


def valid_days(model: str, inp: Inputs, est: np.ndarray) -> np.ndarray:
    """(n,) the estimation days :func:`fit` of ``model`` would use for each event (its ``n_obs``):
    those with the return and every input the model reads, without fitting."""
    return (est & _finite(inp.y, *_reads(model, inp))).sum(axis=1)


def fit(model: str, inp: Inputs, est: np.ndarray) -> Fit:
    """Fit ``model`` on the estimation days ``est`` (n, K) of every event at once."""
    reads = _reads(model, inp)
    if model in FACTOR_MODELS:
        from eventstudy.stats import factor_model

        return factor_model.fit(model, inp.y, reads[0], reads[1:], est)
    if model == "garch":
        from eventstudy.stats import garch

        return garch.fit(inp.y, reads[0], est)
    if model == "market-adjusted":
        return _no_estimation(model, inp, est, reads[0].copy())
    if model == "scholes-williams":
        return _scholes_williams(inp, est)
    f = _linear(model, inp, est, reads, _SLOPES[model])
    if model == "dimson":
        # Dimson (1979): lagged, synchronous and leading market returns; the expected return is the
        # full regression's fit, so the prediction-error variance stays exact. ``beta`` is the
        # Dimson aggregate (sum of the three slopes).
        f.params["beta"] = f.params["beta_lag"] + f.params["beta_0"] + f.params["beta_lead"]
    return f


def _slope(y: np.ndarray, x: np.ndarray, use: np.ndarray) -> np.ndarray:
    cnt = use.sum(axis=1)
    mx = np.where(use, x, 0).sum(axis=1) / np.maximum(cnt, 1)
    my = np.where(use, y, 0).sum(axis=1) / np.maximum(cnt, 1)
    dx = np.where(use, x - mx[:, None], 0)
    dy = np.where(use, y - my[:, None], 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)


def _scholes_williams(inp: Inputs, est: np.ndarray) -> Fit:
    """Scholes & Williams (1977): beta = (b- + b0 + b+) / (1 + 2 rho_m), each slope a simple
    regression on the lagged, synchronous and leading market return over the same days, rho_m
    the market's first-order autocorrelation; alpha = mean(R) - beta mean(Rm). The variance uses
    the market-model form with this beta (the usual approximation)."""
    assert inp.m is not None and inp.m_lag is not None and inp.m_lead is not None
    y, m = inp.y, inp.m
    use = est & _finite(y, m, inp.m_lag, inp.m_lead)
    b_minus = _slope(y, inp.m_lag, use)
    b_zero = _slope(y, m, use)
    b_plus = _slope(y, inp.m_lead, use)
    rho = _slope(m, inp.m_lag, use)  # slope of Rm_t on Rm_t-1 = first-order autocorrelation
    beta = (b_minus + b_zero + b_plus) / (1 + 2 * rho)
    n_obs = use.sum(axis=1)
    my = np.where(use, y, 0).sum(axis=1) / np.maximum(n_obs, 1)
    mm = np.where(use, m, 0).sum(axis=1) / np.maximum(n_obs, 1)
    alpha = my - beta * mm
    expected = alpha[:, None] + beta[:, None] * m
    resid = np.where(use, y - expected, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = (resid**2).sum(axis=1) / (n_obs - 2)
    cols = [np.ones_like(m), m]
    _, xtx_inv, _ = _batched_ols(y, cols, use)
    return Fit(
        "scholes-williams", expected, np.nan_to_num(np.stack(cols, axis=-1), copy=False), xtx_inv, s2, n_obs, 2,
        {"alpha": alpha, "beta": beta, "rho_market": rho},
    )
