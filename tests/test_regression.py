"""The second stage (issue 24): result.regress() is statsmodels' own OLS on the window's CARs joined to
the characteristics; robust and clustered covariances; events left out are named; the CLI writes
regression.csv and regression.txt into the study's output set."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from chen_siems import STUDY_ARGS, america, files, result
from clirun import run_cli

from eventstudy.errors import UserError
from eventstudy.stats.regression import RegressionWarning
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window


def _study(n: int = 12, seed: int = 4):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=220)
    cols = [f"S{i:02d}" for i in range(n)]
    data = pd.DataFrame(rng.normal(0, 0.01, (220, n + 1)), index=dates, columns=[*cols, "MKT"])
    events = pd.DataFrame({"symbol": cols, "date": [dates[150 + i % 4] for i in range(n)]})
    res = EventStudy(data, events, market="MKT", estimation=Estimation(Window(-100, -11)), window=Window(-3, 3),
                     cars=[Window(0, 3), Window(-1, 1)]).fit()
    chars = pd.DataFrame({"symbol": cols, "size": rng.normal(size=n), "industry": [i % 3 for i in range(n)]})
    return res, chars


def _reference(res, chars, window: str, y: str = "car"):  # type: ignore[no-untyped-def]
    car = res.car[res.car["window"] == window].merge(chars, on="symbol")
    car["scar"] = car["car"] / car["sd"]
    return car, car[y].to_numpy(float), sm.add_constant(car[["size"]].to_numpy(float))


@pytest.mark.parametrize("cov", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
@pytest.mark.parametrize("y", ["car", "bhar", "scar"])
def test_regress_is_statsmodels_ols_on_the_same_cars(cov: str, y: str) -> None:
    res, chars = _study()
    fit = res.regress(f"{y} ~ size", data=chars, window=Window(0, 3), cov_type=cov)
    _, yv, x = _reference(res, chars, "[0,+3]", y)
    ref = sm.OLS(yv, x).fit(cov_type=cov)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse, rtol=0, atol=1e-10)


def test_clustered_by_date_and_by_a_column() -> None:
    res, chars = _study()
    frame, yv, x = _reference(res, chars, "[-1,+1]")
    for cluster, groups in (("date", frame["day0"]), ("industry", frame["industry"])):
        fit = res.regress("car ~ size", data=chars, window=Window(-1, 1), cluster=cluster)
        ref = sm.OLS(yv, x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups.astype(str))[0]})
        assert fit.cov_type == "cluster"
        np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse, rtol=0, atol=1e-12)


def test_events_without_characteristics_are_named_not_silently_dropped() -> None:
    res, chars = _study()
    chars = chars[chars["symbol"] != "S03"].copy()
    chars.loc[chars["symbol"] == "S05", "size"] = np.nan
    with pytest.warns(RegressionWarning) as caught:
        fit = res.regress("car ~ size", data=chars, window=Window(0, 3))
    text = " ".join(str(w.message) for w in caught)
    assert "without characteristics" in text and "S03@" in text and "missing value" in text and "S05@" in text
    assert fit.nobs == 10 and "S03@" in fit.eventstudy_note


def test_event_ids_join_where_the_frame_has_them() -> None:
    res, chars = _study()
    ids = res.car.drop_duplicates("event_id")[["event_id", "symbol"]]
    chars = chars.merge(ids, on="symbol")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RegressionWarning)
        fit = res.regress("car ~ size", data=chars, window=Window(0, 3))
    assert fit.nobs == 12


def test_default_window_is_the_first_and_formula_without_left_side() -> None:
    res, chars = _study()
    a = res.regress("car ~ size", data=chars)
    b = res.regress("size", data=chars, window="[0,+3]")
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    assert a.eventstudy_window == "[0,+3]"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"formula": "car ~ nothere"}, "cannot use the formula"),
    ({"formula": "car ~ size", "y": "bhar"}, "disagree"),
    ({"formula": "car ~ size", "cov_type": "HC9"}, "unknown cov_type"),
    ({"formula": "car ~ size", "cov_type": "cluster"}, "needs cluster="),
    ({"formula": "car ~ size", "cluster": "sector"}, "no column 'sector'"),
    ({"formula": "car ~ size", "window": Window(0, 1)}, "no CAR window"),
])
def test_mistakes_are_one_line_user_errors(kwargs: dict, message: str) -> None:
    res, chars = _study()
    with pytest.raises(UserError, match=message) as info:
        res.regress(data=chars, **kwargs)
    assert "\n" not in str(info.value)


def test_duplicate_characteristics_are_refused() -> None:
    res, chars = _study()
    with pytest.raises(UserError, match="more than one row for S00"):
        res.regress("car ~ size", data=pd.concat([chars, chars.head(1)]))


@pytest.mark.shared
def test_chen_siems_car_on_america_equals_statsmodels(peers_dir: Path) -> None:
    res = result(peers_dir)
    data = america(peers_dir)
    fit = res.regress("car ~ america", data=data, window=Window(0, 10), cov_type="HC3")
    car = res.car[res.car["window"] == "[0,+10]"].merge(data, on="symbol")
    ref = sm.OLS(car["car"].to_numpy(float), sm.add_constant(car["america"].to_numpy(float))).fit(cov_type="HC3")
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse, rtol=0, atol=1e-10)
    assert fit.nobs == 33


@pytest.mark.shared
def test_cli_writes_the_regression_into_the_study_s_output_set(peers_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    returns, events = files(peers_dir)
    chars = america(peers_dir)
    chars[chars["symbol"] != "Jberg"].to_csv(tmp_path / "chars.csv", index=False)
    out = tmp_path / "o"
    base = ["study", "--returns", str(returns), "--events", str(events), *STUDY_ARGS, "--out", str(out)]
    code, _, err = run_cli([*base, "--regress", "car ~ america", "--characteristics", str(tmp_path / "chars.csv")],
                                capsys)
    assert code == 0, err
    assert "note: regression: 1 event(s) without characteristics left out: Jberg@2001-09-11" in err
    table = pd.read_csv(out / "regression.csv")
    assert list(table.columns[:6]) == ["term", "coef", "se", "t", "p", "ci_low"] and (table["n"] == 32).all()
    assert list(table["term"]) == ["Intercept", "america"]
    text = (out / "regression.txt").read_text()
    assert "OLS Regression Results" in text and "Jberg@2001-09-11" in text and "Time:  " in text
    # Run again without the regression: the folder (marked as a study's) is replaced whole.
    assert run_cli(base, capsys)[0] == 0
    assert not (out / "regression.csv").exists()
    # A bad formula changes nothing: the old set stays.
    code, _, err = run_cli([*base, "--regress", "car ~ nothere", "--characteristics", str(tmp_path / "chars.csv")],
                           capsys)
    assert code == 2 and err.startswith("eventstudy: error: formula: cannot use the formula") and err.count("\n") == 1
    assert (out / "car.csv").exists() and not (out / "regression.csv").exists()


def test_cli_regress_needs_characteristics(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(["study", "--returns", "r.csv", "--events", "e.csv", "--regress", "car ~ x",
                            "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "--regress needs --characteristics FILE" in err
