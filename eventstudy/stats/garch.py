"""The market model with GARCH(1,1) errors, fitted per event with the ``arch`` package.

    R_t = mu + b Rm_t + e_t,   e_t = sigma_t z_t,   sigma_t^2 = omega + a e_{t-1}^2 + g sigma_{t-1}^2

fitted jointly by arch's maximum likelihood (normal errors) on the event's valid estimation days, in
order. Returns are scaled to percent for the optimiser (arch's advice: fractions make omega ~1e-8,
and its optimiser stalls); the estimates are given back in fractions (mu / 100, omega / 10^4).

Each abnormal return is standardised by its conditional standard deviation: in the estimation
window the fitted sigma_t, after it arch's analytic forecast from the last estimation day, h trading
days ahead (sigma^2_{T+1} = omega + a e_T^2 + g sigma_T^2, then sigma^2_{T+h} = omega + (a + g)
sigma^2_{T+h-1}, on arch's own recursion with its variance bounds), so the event's own shocks never
enter its yardstick. The CAR's variance is the sum of the daily forecasts.

An event whose fit fails (arch raises, does not converge, or gives non-finite estimates) keeps the
plain market model by OLS with its constant variance, and says so: ``model`` reads
"market (garch failed)" and the note gives arch's reason.

Many events are fitted in worker processes, started once per process and shared by the chunked
engine's chunks (``arch`` is imported there, and here only when a fit is asked for: it is not needed
to import the package).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

MIN_DAYS = 30  # fewer days than this do not identify five parameters
FALLBACK = "market (garch failed)"
# Fits per process batch, and the fewest events worth starting processes for (a process start with
# numpy, scipy and arch costs about as much as 20 fits).
_BATCH = 64
_PARALLEL_FROM = 400
SCALE = 100.0


@dataclass
class One:
    """One event's GARCH fit, in fractions: mean (mu, beta) and variance (omega, alpha, beta_garch)
    parameters, the in-sample conditional variances and the variance forecasts 1..H days after the
    last estimation day; or why it failed."""

    params: np.ndarray | None  # (5,)
    cond_var: np.ndarray | None  # (L,)
    forecast: np.ndarray | None = None  # (H,)
    failure: str = ""


def fit_one(y: np.ndarray, m: np.ndarray, horizon: int) -> One:
    """arch's fit of one event's estimation days (``y``, ``m`` in order, all finite) and its variance
    forecasts ``horizon`` days on."""
    import warnings

    from arch import arch_model

    if len(y) < MIN_DAYS:
        return One(None, None, failure=f"{len(y)} valid estimation days, fewer than {MIN_DAYS}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # arch's convergence and scale warnings: the flag below decides
            res = arch_model(y * SCALE, x=(m * SCALE)[:, None], mean="LS", vol="GARCH", p=1, q=1,
                             dist="normal", rescale=False).fit(disp="off")
            # The variance forecast does not depend on the regressor's future values (zeros here).
            fc = res.forecast(horizon=max(horizon, 1), x=np.zeros((1, 1, max(horizon, 1))), reindex=False)
    except (ValueError, np.linalg.LinAlgError, RuntimeError) as exc:
        return One(None, None, failure=f"arch raised {type(exc).__name__}: {exc}")
    p = np.asarray(res.params, dtype=float)
    if res.convergence_flag != 0:
        return One(None, None, failure=f"no convergence (optimizer: {res.optimization_result.message})")
    if not np.isfinite(p).all() or p[3] + p[4] >= 1:
        return One(None, None, failure="estimates not finite or not stationary (alpha + beta >= 1)")
    params = np.array([p[0] / SCALE, p[1], p[2] / SCALE**2, p[3], p[4]])
    cond_var = np.asarray(res.conditional_volatility, dtype=float) ** 2 / SCALE**2
    return One(params, cond_var, np.asarray(fc.variance, dtype=float)[-1, :horizon] / SCALE**2)


def _fit_batch(jobs: list[tuple[np.ndarray, np.ndarray, int]]) -> list[One]:
    import arch  # noqa: F401  (loads scipy's own BLAS, which the limit below must see: see there)
    from threadpoolctl import threadpool_limits

    # One BLAS thread in every process: the likelihood's optimiser path (and, where it is flat, its
    # estimate, in the sixth digit or beyond) depends on the BLAS's summation order, so a fit is the
    # same fit in a worker and in the engine's own thread, and arch's with threadpool_limits(1)
    # reproduces it. scipy's optimiser has its own BLAS, loaded with arch: a limit set before it was
    # loaded would not cover it, and a process's first fits would differ from its later ones.
    with threadpool_limits(limits=1, user_api="blas"):
        return [fit_one(y, m, h) for y, m, h in jobs]


def fit_many(jobs: list[tuple[np.ndarray, np.ndarray, int]], workers: int | None = None) -> list[One]:
    """Every event's fit; in ``workers`` processes (default: the CPUs) when there are many."""
    workers = workers or os.cpu_count() or 1
    if len(jobs) < _PARALLEL_FROM or workers < 2:
        return _fit_batch(jobs)
    from concurrent.futures.process import BrokenProcessPool

    batches = [jobs[k : k + _BATCH] for k in range(0, len(jobs), _BATCH)]
    try:
        return [one for batch in _pool(workers).map(_fit_batch, batches) for one in batch]
    except (BrokenProcessPool, OSError):
        # A spawned worker imports the caller's main script again; where that cannot work (a script
        # read from standard input, one without a __main__ guard) the pool breaks, and the fits run
        # here instead: the same fits (one BLAS thread in both), only slower.
        shutdown()
        return _fit_batch(jobs)


_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process's pool of ``workers`` fitters, made on first use and kept: the chunked engine's
    chunks (in threads, at the same time) share it, and its workers start once, not once per chunk.
    Forked when this process runs one thread (they start at once, with arch loaded), spawned otherwise
    (a forked child of a threaded process can inherit a lock some other thread held). The workers end
    with the process, or at :func:`shutdown`."""
    import multiprocessing

    with _POOL_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            import arch  # noqa: F401  (forked workers inherit it loaded)

            method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() \
                else "spawn"
            pool = _POOLS[workers] = ProcessPoolExecutor(max_workers=workers,
                                                         mp_context=multiprocessing.get_context(method))
        return pool


def shutdown() -> None:
    """End the fitting processes (an API user's long session; a new fit starts them again)."""
    with _POOL_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def fit(y: np.ndarray, m: np.ndarray, est: np.ndarray, workers: int | None = None):  # type: ignore[no-untyped-def]
    """The GARCH market model for every event: the OLS market model's fit (kept for the events whose
    GARCH fit fails) with, for the others, arch's mean parameters, the conditional variance of every
    day from the first estimation day on, and the failures by event."""
    from eventstudy.stats import models

    inp = models.Inputs(y=y, m=m)
    ols = models.fit("market", inp, est)
    use = est & np.isfinite(y) & np.isfinite(m)
    n, k = y.shape
    rows = np.flatnonzero(use.any(axis=1))
    last = k - 1 - np.argmax(use[:, ::-1], axis=1)  # each event's last estimation column
    results = fit_many([(y[i, use[i]], m[i, use[i]], int(k - 1 - last[i])) for i in rows], workers)
    cond_var = np.full((n, k), np.nan)
    names = ("alpha", "beta", "omega", "garch_alpha", "garch_beta")
    params = {name: np.full(n, np.nan) for name in names}
    params["alpha"], params["beta"] = ols.params["alpha"].copy(), ols.params["beta"].copy()
    expected = ols.expected.copy()
    s2 = ols.s2.copy()
    failed: dict[int, str] = {}
    for i, one in zip(rows.tolist(), results, strict=True):
        if one.params is None or one.cond_var is None or one.forecast is None:
            failed[i] = one.failure
            continue
        for j, name in enumerate(names):
            params[name][i] = one.params[j]
        expected[i] = one.params[0] + one.params[1] * m[i]
        at = np.flatnonzero(use[i])
        cond_var[i, at] = one.cond_var
        cond_var[i, at[-1] + 1 :] = one.forecast
        resid = y[i, at] - expected[i, at]
        s2[i] = float(resid @ resid) / (len(at) - 2)
    ols.model = "garch"
    ols.expected = np.where(np.isfinite(m), expected, np.nan)
    ols.s2 = s2
    ols.params = params
    ols.cond_var = cond_var
    ols.fallbacks = {i: (FALLBACK, f"GARCH(1,1) fit failed ({why}): market model by OLS with a constant "
                                   "variance instead") for i, why in failed.items()}
    return ols
