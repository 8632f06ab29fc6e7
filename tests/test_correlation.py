"""The residual correlation of same-date event pairs (Kolari & Pynnonen's r): the all-clusters-at-once
formula for clusters whose members use the same estimation dates equals the per-cluster masked
matrix products, and both equal pandas' pairwise correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.stats import significance
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window


def clustered_output(seed: int, missing: float):
    rng = np.random.default_rng(seed)
    days, n_series = 400, 25
    dates = pd.bdate_range("2019-01-01", periods=days)
    m = rng.normal(0.0003, 0.01, days)
    common = rng.normal(0, 0.01, days)
    r = m[:, None] * rng.uniform(0.5, 1.5, n_series) + common[:, None] + rng.normal(0, 0.02, (days, n_series))
    r[rng.random(r.shape) < missing] = np.nan
    frame = pd.DataFrame(r, index=dates, columns=[f"S{i}" for i in range(n_series)])
    frame["MKT"] = m
    cluster_days = rng.choice(np.arange(200, days - 20), size=6, replace=False)
    ev = pd.DataFrame({"symbol": rng.choice(frame.columns[:-1], 60), "date": dates[rng.choice(cluster_days, 60)]})
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=99, returns_on_sessions=True)
    return st.fit().output


def per_cluster(out) -> tuple[float, int]:
    est = out.est & out.usable[:, None]
    rows = np.flatnonzero(out.usable)
    total, pairs = 0.0, 0
    for members in significance._clusters(rows, out.day0_dates[rows]):
        if len(members) >= 2:
            t, p = significance._cluster_correlation(est[members], out.dates[members], out.ar[members])
            total, pairs = total + t, pairs + p
    return total, pairs


@pytest.mark.parametrize(("seed", "missing", "all_fast"), [(1, 0.0, True), (2, 0.0, True), (3, 0.05, False)])
def test_same_days_formula_equals_the_matrix_products(seed: int, missing: float, all_fast: bool) -> None:
    out = clustered_output(seed, missing)
    est = out.est & out.usable[:, None]
    rows = np.flatnonzero(out.usable)
    clusters = [c for c in significance._clusters(rows, out.day0_dates[rows]) if len(c) >= 2]
    _, _, mixed = significance._same_days_correlation_sums(out, est, clusters)
    assert (not mixed) == all_fast  # without missing days every cluster takes the formula
    total, pairs = significance._correlation_sums(out, est, force=False)
    ref_total, ref_pairs = per_cluster(out)
    assert pairs == ref_pairs > 0
    assert total == pytest.approx(ref_total, rel=1e-10, abs=1e-12)


def test_same_days_formula_equals_pandas_pairwise_correlations() -> None:
    out = clustered_output(4, 0.0)
    est = out.est & out.usable[:, None]
    rows = np.flatnonzero(out.usable)
    total, pairs = 0.0, 0
    for members in significance._clusters(rows, out.day0_dates[rows]):
        if len(members) < 2:
            continue
        frame = pd.DataFrame({j: pd.Series(out.ar[i][est[i]], index=out.dates[i][est[i]])
                              for j, i in enumerate(members)})
        c = frame.corr().to_numpy()
        off = ~np.eye(len(c), dtype=bool)
        total, pairs = total + c[off].sum(), pairs + int(off.sum())
    got_total, got_pairs = significance._correlation_sums(out, est, force=False)
    assert got_pairs == pairs
    assert got_total == pytest.approx(total, rel=1e-10)
