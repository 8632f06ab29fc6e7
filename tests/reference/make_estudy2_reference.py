"""Independent transliteration of estudy2's R code, run on the COVID vignette data.

This is a second, independent implementation of the statistics that the R package estudy2
(Iegor Rudnytskyi, v0.10.0; source irudnyts/estudy2: R/apply_market_model.R, R/parametric_tests.R,
R/nonparametric_tests.R) prints in its intro vignette. It deliberately does NOT import
``eventstudy``: the test suite compares the engine's ``convention="estudy2"`` output with the
numbers written here, so the two must not share code.

Every function below follows the R function of the same name line by line, keeping estudy2's
quirks on purpose:

- zoo ``merge(..., all = TRUE)`` is an outer join on dates (``pd.concat(axis=1)``);
- "sums" are ``rowMeans(x, na.rm = TRUE) * ncol(x)`` (mean of the available securities times N);
- variances and standard deviations are R's ``var``/``sd``/``colVars``/``rowSds``: ddof = 1, NA
  removed;
- the generalized sign test pools p-hat over every security-day of the estimation window;
- Patell/Boehmer take the market mean and sum of squares over ALL regressor dates of the
  estimation window (including dates where the stock has no return, e.g. before an IPO) while
  1/L uses the complete-case count ``estimation_length``;
- the rank test (Corrado 1989) uses raw ranks over estimation + event days per security.

Usage (from the repository root)::

    python tests/reference/make_estudy2_reference.py [PEERS_DIR]

PEERS_DIR defaults to $EVENTSTUDY_SHARED/data/peers or ../shared/data/peers. It writes
tests/reference/estudy2_covid_transliterated.csv with columns date, statistic, value (estudy2's
column names: mean, bw_1980_stat, ..., wlcx_stat), values with 17 significant digits.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "estudy2_covid_transliterated.csv"

# The vignette's call (cran/estudy2 inst/doc/estudy2-intro.R).
ESTIMATION_START = pd.Timestamp("2019-04-01")
ESTIMATION_END = pd.Timestamp("2020-03-13")
EVENT_START = pd.Timestamp("2020-03-16")
EVENT_END = pd.Timestamp("2020-03-20")


# -- R helpers -----------------------------------------------------------------------------------
def _merge(columns: list[pd.Series]) -> pd.DataFrame:
    """zoo ``merge(a, b, ..., all = TRUE)``: outer join on the date index, sorted."""
    frame = pd.concat(columns, axis=1, join="outer", ignore_index=True).sort_index()
    return frame


def _row_means(x: pd.DataFrame) -> pd.Series:
    """``rowMeans(x, na.rm = TRUE)`` (NaN where a row has no value)."""
    return x.mean(axis=1, skipna=True)


def _window(z: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """``z[index(z) >= start & index(z) <= end]``."""
    return z[(z.index >= start) & (z.index <= end)]


def _rank(x: pd.Series) -> pd.Series:
    """``rank(x, na.last = "keep", ties.method = "average")``."""
    return x.rank(method="average", na_option="keep")


# -- R/apply_market_model.R: returns.zoo, market_model = "sim", estimation_method = "ols" --------
def returns_sim_ols(rates: pd.Series, regressor: pd.Series, estimation_start: pd.Timestamp,
                    estimation_end: pd.Timestamp) -> dict:
    # data <- zoo::merge.zoo(rates, regressor, all = TRUE)
    data = pd.concat([rates, regressor], axis=1, join="outer").sort_index()
    # estimation_data <- data[stats::complete.cases(data), ]
    estimation_data = data[data.notna().all(axis=1)]
    # estimation_data <- estimation_data[index >= estimation_start & index <= estimation_end]
    estimation_data = estimation_data[(estimation_data.index >= estimation_start)
                                      & (estimation_data.index <= estimation_end)]
    delta = len(estimation_data)
    if delta == 0:
        raise ValueError("The estimation window contains no data.")
    y = estimation_data.iloc[:, 0].to_numpy(float)
    x = estimation_data.iloc[:, 1].to_numpy(float)
    # lm_fit <- stats::lm(y ~ x)
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    # predicted <- stats::predict.lm(lm_fit, newdata = data.frame(x = data[, 2]))
    predicted = coef[0] + coef[1] * data.iloc[:, 1]
    return {
        "observed": data.iloc[:, 0],
        "predicted": predicted,
        # abnormal = data[, 1] - zoo::zoo(predicted[, 1], zoo::index(data))
        "abnormal": data.iloc[:, 0] - predicted,
        "regressor": data.iloc[:, 1],
        "market_model": "sim",
        "coefficients": {"alpha": float(coef[0]), "beta": float(coef[1])},
        "estimation_start": estimation_start,
        "estimation_end": estimation_end,
        "estimation_length": delta,
    }


def apply_market_model(rates: pd.DataFrame, regressors: pd.DataFrame, estimation_start: pd.Timestamp,
                       estimation_end: pd.Timestamp) -> list[dict]:
    """``apply_market_model.zoo(..., same_regressor_for_all = TRUE, market_model = "sim")``."""
    # regressors <- zoo::zoo(x = regressors[, rep(1, ncol(rates))], order.by = zoo::index(regressors))
    regressor = regressors.iloc[:, 0]
    list_of_returns = []
    for i in range(rates.shape[1]):
        # current_rates <- zoo::zoo(x = rates[, i], order.by = zoo::index(rates))
        current_rates = rates.iloc[:, i]
        list_of_returns.append(returns_sim_ols(current_rates, regressor, estimation_start, estimation_end))
    return list_of_returns


def _estimation_abnormal(r: dict) -> pd.Series:
    return _window(r["abnormal"], r["estimation_start"], r["estimation_end"])


def _event_abnormal(r: dict, event_start: pd.Timestamp, event_end: pd.Timestamp) -> pd.Series:
    return _window(r["abnormal"], event_start, event_end)


# -- R/parametric_tests.R ------------------------------------------------------------------------
def brown_warner_1980(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    estimation_abnormal = _merge([_estimation_abnormal(r) for r in list_of_returns])
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    event_means = _row_means(event_abnormal)
    # sqrt(sum(matrixStats::colVars(estimation_abnormal, na.rm = TRUE), na.rm = TRUE)) / ncol(...)
    sd_estimation_period = np.sqrt(estimation_abnormal.var(axis=0, ddof=1, skipna=True).sum(skipna=True)) \
        / estimation_abnormal.shape[1]
    statistics = event_means / sd_estimation_period
    return pd.DataFrame({"mean": event_means, "bw_1980_stat": statistics})


def brown_warner_1985(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    estimation_abnormal = _merge([_estimation_abnormal(r) for r in list_of_returns])
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    event_means = _row_means(event_abnormal)
    # sqrt(stats::var(rowMeans(estimation_abnormal, na.rm = TRUE), na.rm = TRUE))
    sd_estimation_period = np.sqrt(_row_means(estimation_abnormal).var(ddof=1, skipna=True))
    statistics = event_means / sd_estimation_period
    return pd.DataFrame({"mean": event_means, "bw_1985_stat": statistics})


def t_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    event_number_of_companies = event_abnormal.notna().sum(axis=1)
    event_means = _row_means(event_abnormal)
    # event_means / matrixStats::rowSds(event_abnormal, na.rm = TRUE) * sqrt(event_number_of_companies)
    statistics = event_means / event_abnormal.std(axis=1, ddof=1, skipna=True) * np.sqrt(event_number_of_companies)
    return pd.DataFrame({"mean": event_means, "t_test_stat": statistics})


def _standardized(r: dict, event_start, event_end) -> pd.Series:
    """The standardized event ARs shared by ``patell`` and ``boehmer``."""
    company_estimation_abnormal = _estimation_abnormal(r)
    company_event_abnormal = _event_abnormal(r, event_start, event_end)
    market_event = _window(r["regressor"], event_start, event_end)
    market_estimation = _window(r["regressor"], r["estimation_start"], r["estimation_end"])
    mean_market_estimation = market_estimation.mean(skipna=True)
    # company_event_abnormal / sd(company_estimation_abnormal, na.rm = TRUE) /
    #     sqrt(1 + 1 / estimation_length + (market_event - mean_market_estimation)^2 /
    #          sum((market_estimation - mean_market_estimation)^2, na.rm = TRUE))
    # (zoo arithmetic aligns on dates; here both series carry the same event dates)
    return (company_event_abnormal
            / company_estimation_abnormal.std(ddof=1, skipna=True)
            / np.sqrt(1 + 1 / r["estimation_length"]
                      + (market_event - mean_market_estimation) ** 2
                      / ((market_estimation - mean_market_estimation) ** 2).sum(skipna=True)))


def patell(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    event_standardized_abnormal = _merge([_standardized(r, event_start, event_end) for r in list_of_returns])
    delta = np.array([r["estimation_length"] for r in list_of_returns], dtype=float)
    event_means = _row_means(event_abnormal)
    # rowMeans(esa, na.rm = TRUE) * ncol(esa) / sqrt(sum((delta - 2) / (delta - 4)))
    statistics = _row_means(event_standardized_abnormal) * event_standardized_abnormal.shape[1] \
        / np.sqrt(np.sum((delta - 2) / (delta - 4)))
    return pd.DataFrame({"mean": event_means, "pt_stat": statistics})


def boehmer(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    event_standardized_abnormal = _merge([_standardized(r, event_start, event_end) for r in list_of_returns])
    event_means = _row_means(event_abnormal)
    event_number_of_companies = event_abnormal.notna().sum(axis=1)
    # rowMeans(esa, na.rm = TRUE) / matrixStats::rowSds(esa, na.rm = TRUE) * sqrt(n)
    statistics = _row_means(event_standardized_abnormal) \
        / event_standardized_abnormal.std(axis=1, ddof=1, skipna=True) * np.sqrt(event_number_of_companies)
    return pd.DataFrame({"mean": event_means, "bh_stat": statistics})


def lamb(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    first = list_of_returns[0]  # estimation_market / event_market come from the first company
    estimation_market = _window(first["regressor"], first["estimation_start"], first["estimation_end"])
    event_market = _window(first["regressor"], event_start, event_end)
    estimation_abnormal = _merge([_estimation_abnormal(r) for r in list_of_returns])
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    delta = np.array([r["estimation_length"] for r in list_of_returns], dtype=float)
    event_means = _row_means(event_abnormal)
    estimation_means = _row_means(estimation_abnormal)
    estimation_market_mean = estimation_market.mean(skipna=True)
    sum_estimation_market = ((estimation_market - estimation_market_mean) ** 2).sum(skipna=True)
    mean_delta = delta.mean()
    sd = estimation_means.std(ddof=1, skipna=True) * np.sqrt(
        1 + 1 / mean_delta + (event_market - estimation_market_mean) ** 2 / sum_estimation_market)
    statistics = event_means / sd
    return pd.DataFrame({"mean": event_means, "lmb_stat": statistics})


# -- R/nonparametric_tests.R ---------------------------------------------------------------------
def _binary(x: pd.Series) -> pd.Series:
    """``as.numeric(x > 0)`` keeping NA."""
    return (x > 0).astype(float).where(x.notna())


def sign_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    event_binary = _merge([_binary(_event_abnormal(r, event_start, event_end)) for r in list_of_returns])
    event_number_of_companies = event_binary.notna().sum(axis=1).astype(float)
    event_binary_sums = _row_means(event_binary) * event_binary.shape[1]
    event_number_of_companies[event_number_of_companies == 0] = np.nan
    statistics = (event_binary_sums - event_number_of_companies * 0.5) / np.sqrt(event_number_of_companies * 0.25)
    return pd.DataFrame({"sign_stat": statistics})


def generalized_sign_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    estimation_binary = _merge([_binary(_estimation_abnormal(r)) for r in list_of_returns])
    event_binary = _merge([_binary(_event_abnormal(r, event_start, event_end)) for r in list_of_returns])
    # p_hat <- mean(as.matrix(estimation_binary), na.rm = TRUE)   (pooled over all stock-days)
    values = estimation_binary.to_numpy(float)
    p_hat = float(np.nanmean(values))
    event_number_of_companies = event_binary.notna().sum(axis=1).astype(float)
    event_binary_sums = _row_means(event_binary) * event_binary.shape[1]
    event_number_of_companies[event_number_of_companies == 0] = np.nan
    statistics = (event_binary_sums - event_number_of_companies * p_hat) \
        / np.sqrt(event_number_of_companies * p_hat * (1 - p_hat))
    return pd.DataFrame({"gsign_stat": statistics})


def _full_abnormal(r: dict, event_start, event_end) -> pd.Series:
    """``zoo::as.zoo(c(abnormal[estimation window], abnormal[event window]))``."""
    return pd.concat([_estimation_abnormal(r), _event_abnormal(r, event_start, event_end)]).sort_index()


def corrado_sign_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    full_sign, event_sign, delta_full = [], [], []
    for r in list_of_returns:
        company_full_abnormal = _full_abnormal(r, event_start, event_end)
        company_event_abnormal = _event_abnormal(r, event_start, event_end)
        company_median = company_full_abnormal.median(skipna=True)
        full_sign.append(np.sign(company_full_abnormal - company_median))
        event_sign.append(np.sign(company_event_abnormal - company_median))
        delta_full.append(int(company_full_abnormal.notna().sum()))
    full = _merge(full_sign)
    event = _merge(event_sign)
    event_number_of_companies = event.notna().sum(axis=1).astype(float)
    number_of_companies = full.notna().sum(axis=1).astype(float)
    number_of_companies[number_of_companies == 0] = np.nan
    full_sign_sums = _row_means(full) * full.shape[1]
    sd_full = np.sqrt(1 / np.mean(delta_full)
                      * ((1 / np.sqrt(number_of_companies) * full_sign_sums) ** 2).sum(skipna=True))
    event_sign_sums = _row_means(event) * event.shape[1]
    event_number_of_companies[event_number_of_companies == 0] = np.nan
    statistics = 1 / np.sqrt(event_number_of_companies) * event_sign_sums / sd_full
    return pd.DataFrame({"csign_stat": statistics})


def rank_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    full_rank, event_rank, delta_full, avg_rank = [], [], [], []
    for r in list_of_returns:
        company_full_abnormal = _full_abnormal(r, event_start, event_end)
        company_full_rank = _rank(company_full_abnormal)
        company_event_rank = _window(company_full_rank, event_start, event_end)
        full_rank.append(company_full_rank)
        event_rank.append(company_event_rank)
        delta_full.append(int(company_full_abnormal.notna().sum()))
        # avg_rank[i] <- mean(company_full_rank, na.rm = TRUE)
        avg_rank.append(company_full_rank.mean(skipna=True))
    full = _merge(full_rank)
    event = _merge(event_rank)
    event_number_of_companies = event.notna().sum(axis=1).astype(float)
    number_of_companies = full.notna().sum(axis=1).astype(float)
    number_of_companies[number_of_companies == 0] = np.nan
    event_number_of_companies[event_number_of_companies == 0] = np.nan
    avg = np.array(avg_rank)
    # full_differences <- rowMeans(full_rank - avg_rank_full, na.rm = TRUE) * ncol(full_rank)
    full_differences = _row_means(full - avg) * full.shape[1]
    event_differences = _row_means(event - avg) * event.shape[1]
    sd_full = np.sqrt(1 / np.mean(delta_full)
                      * ((1 / number_of_companies * full_differences) ** 2).sum(skipna=True))
    statistics = 1 / event_number_of_companies * event_differences / sd_full
    return pd.DataFrame({"rank_stat": statistics})


def modified_rank_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    full_rank_modif, event_rank_modif, delta_full = [], [], []
    for r in list_of_returns:
        company_full_abnormal = _full_abnormal(r, event_start, event_end)
        company_full = _rank(company_full_abnormal) / (1 + company_full_abnormal.notna().sum())
        full_rank_modif.append(company_full)
        event_rank_modif.append(_window(company_full, event_start, event_end))
        delta_full.append(int(company_full_abnormal.notna().sum()))
    full = _merge(full_rank_modif)
    event = _merge(event_rank_modif)
    event_number_of_companies = event.notna().sum(axis=1).astype(float)
    number_of_companies = full.notna().sum(axis=1).astype(float)
    number_of_companies[number_of_companies == 0] = np.nan
    event_number_of_companies[event_number_of_companies == 0] = np.nan
    full_differences = _row_means(full - 0.5) * full.shape[1]
    event_differences = _row_means(event - 0.5) * event.shape[1]
    sd_full = np.sqrt(1 / np.mean(delta_full)
                      * ((1 / np.sqrt(number_of_companies) * full_differences) ** 2).sum(skipna=True))
    statistics = 1 / np.sqrt(event_number_of_companies) * event_differences / sd_full
    return pd.DataFrame({"mrank_stat": statistics})


def wilcoxon_test(list_of_returns: list[dict], event_start, event_end) -> pd.DataFrame:
    event_abnormal = _merge([_event_abnormal(r, event_start, event_end) for r in list_of_returns])
    event_abs = event_abnormal.abs()
    event_abs = event_abs.mask(event_abs == 0)
    # event_rank <- t(apply(event_abs, 1, rank, na.last = "keep", ties.method = "average"))
    event_rank = event_abs.rank(axis=1, method="average", na_option="keep")
    # event_rank[event_abnormal < 0] <- 0
    event_rank = event_rank.mask(event_abnormal < 0, 0.0)
    statistics = _row_means(event_rank) * event_rank.shape[1]
    return pd.DataFrame({"wlcx_stat": statistics})


PARAMETRIC = (brown_warner_1980, brown_warner_1985, t_test, patell, boehmer, lamb)
NONPARAMETRIC = (sign_test, generalized_sign_test, corrado_sign_test, rank_test, modified_rank_test, wilcoxon_test)


def load(peers_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``data(rates, rates_indx)`` as exported to CSV (log returns, NA before the ZM/UBER listings)."""
    rates = pd.read_csv(peers_dir / "estudy2" / "rates.csv", index_col=0, parse_dates=True)
    rates_indx = pd.read_csv(peers_dir / "estudy2" / "rates_indx.csv", index_col=0, parse_dates=True)
    return rates, rates_indx


def compute(peers_dir: Path) -> pd.DataFrame:
    """The vignette's parametric_tests + nonparametric_tests, long format (date, statistic, value)."""
    rates, rates_indx = load(peers_dir)
    securities_returns = apply_market_model(rates, rates_indx, ESTIMATION_START, ESTIMATION_END)
    columns: dict[str, pd.Series] = {}
    for test in PARAMETRIC + NONPARAMETRIC:
        table = test(securities_returns, EVENT_START, EVENT_END)
        for name, col in table.items():
            columns.setdefault(str(name), col)
    wide = pd.DataFrame(columns)
    wide.index.name = "date"
    long = wide.reset_index().melt(id_vars="date", var_name="statistic", value_name="value")
    long["date"] = pd.to_datetime(long["date"]).dt.strftime("%Y-%m-%d")
    return long


def default_peers_dir() -> Path:
    shared = Path(os.environ.get("EVENTSTUDY_SHARED", HERE.parents[2] / "shared"))
    return shared / "data" / "peers"


def main(argv: list[str]) -> int:
    peers_dir = Path(argv[1]) if len(argv) > 1 else default_peers_dir()
    long = compute(peers_dir)
    long.to_csv(OUTPUT, index=False, float_format="%.17g")
    print(f"wrote {OUTPUT} ({len(long)} rows)")
    print(long.pivot(index="date", columns="statistic", values="value").round(4).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
