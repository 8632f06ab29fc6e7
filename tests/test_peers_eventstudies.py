"""Parity with the R package eventstudies (1.2.2): the Chen & Siems (2004) replication.

The replications vignette of eventstudies takes the bundled TerrorIndiceReturns (daily returns of 33
stock indices, in percent) and TerrorAttack (the first trading reaction to 11 September 2001 per
index), and per index: drops missing rows (``na.omit``), maps the event date to the last trading day
on or before it (``phys2eventtime``), estimates a constant mean over event days -30..-11 and prints
the cumulative abnormal return from day 0 over 11 days (``TerrorIndiceCAR[11, ]``) and 6 days
(``TerrorIndiceCAR[6, ]``). tests/reference/chen_siems_2004.csv holds those printed values, exactly
as R printed them (7 significant digits); see tests/reference/README.md.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clirun import run_cli

from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

pytestmark = pytest.mark.shared

REFERENCE = Path(__file__).resolve().parent / "reference" / "chen_siems_2004.csv"
CARS = {"car_0_10": "[0,+10]", "car_0_5": "[0,+5]"}


def r_signif(x: float, digits: int = 7) -> str:
    """How R prints one number at ``options(digits = 7)``: ``signif(x, 7)`` with trailing zeros dropped.

    ``-10.67240`` prints as ``-10.6724`` and ``-0.56362911`` as ``-0.5636291``. (R switches to
    scientific notation only for very small or large magnitudes, which a CAR in percent never has.)
    """
    if x == 0 or not math.isfinite(x):
        return repr(x)
    text = f"{x:.{digits}g}"
    assert "e" not in text, f"{x} would print in scientific notation"
    return text


def _published() -> pd.DataFrame:
    # Read as text: the test compares printed strings, digit by digit.
    return pd.read_csv(REFERENCE, dtype=str).set_index("index")


@lru_cache(maxsize=2)
def _fit(peers: str) -> pd.DataFrame:
    base = Path(peers) / "eventstudies"
    returns = pd.read_csv(base / "TerrorIndiceReturns.csv", index_col=0, parse_dates=True)
    events = pd.read_csv(base / "TerrorAttack.csv").rename(columns={"name": "symbol", "when": "date"})
    study = EventStudy(
        returns,
        events,
        model="constant-mean",
        estimation=Estimation(Window(-30, -11), min_days=10),
        window=Window(-10, 10),
        cars=[Window(0, 10), Window(0, 5)],
        event_day="previous",
        fallback=False,
        clustered=False,
    )
    result = study.fit()
    return result.car


def test_r_signif_formats_like_r() -> None:
    assert r_signif(-10.672400000001) == "-10.6724"
    assert r_signif(-0.56362911) == "-0.5636291"
    assert r_signif(1.6980794) == "1.698079"
    assert r_signif(-6.5397304) == "-6.53973"
    assert r_signif(-3.8327935) == "-3.832794"


def test_reference_file_is_complete() -> None:
    pub = _published()
    assert list(pub.columns) == list(CARS)
    assert len(pub) == 33 and pub.index.is_unique
    for col in CARS:
        for text in pub[col]:
            # As printed: at most 7 significant digits, no trailing zeros after the point.
            digits = text.lstrip("-").replace(".", "").lstrip("0")
            assert len(digits) <= 7, text
            assert not ("." in text and text.endswith("0")), text


def test_every_index_is_studied(peers_dir: Path) -> None:
    car = _fit(str(peers_dir))
    assert set(car["symbol"]) == set(_published().index)
    assert car["estimation_days"].eq(20).all()  # event days -30..-11, all trading days
    expected_days = car["window"].map({"[0,+10]": 11, "[0,+5]": 6})
    assert car["n_days"].eq(expected_days).all()


def test_day0_is_last_trading_day_on_or_before_the_date(peers_dir: Path) -> None:
    base = peers_dir / "eventstudies"
    returns = pd.read_csv(base / "TerrorIndiceReturns.csv", index_col=0, parse_dates=True)
    events = pd.read_csv(base / "TerrorAttack.csv", parse_dates=["when"]).set_index("name")["when"]
    car = _fit(str(peers_dir)).drop_duplicates("symbol").set_index("symbol")
    for symbol, when in events.items():
        days = returns[symbol].dropna().index
        assert car.loc[symbol, "day0"] == days[days <= when].max(), symbol


@pytest.mark.parametrize("column", list(CARS))
def test_car_matches_every_printed_digit(peers_dir: Path, column: str) -> None:
    """Rounded like R prints it, our CAR is the published string, for all 33 indices."""
    car = _fit(str(peers_dir))
    ours = car[car["window"] == CARS[column]].set_index("symbol")["car"]
    pub = _published()[column]
    mismatches = []
    for index, printed in pub.items():
        value = float(ours.loc[index])
        if r_signif(value) != printed:
            mismatches.append(f"{index}: ours {value!r} prints {r_signif(value)}, published {printed}")
        # Rounding to 7 significant digits moves a value by at most 5e-7 of itself.
        assert abs(value - float(printed)) <= 5e-7 * abs(float(printed)) + 1e-12, (index, value, printed)
    assert not mismatches, "\n".join(mismatches)


def test_car_is_plain_cumsum_of_ar_from_day0(peers_dir: Path) -> None:
    """eventstudies' remap.cumsum(ar, base = ar[1]) is the plain cumulative sum from day 0 inclusive."""
    car = _fit(str(peers_dir))
    wide = car.pivot(index="symbol", columns="window", values="car")
    base = peers_dir / "eventstudies"
    returns = pd.read_csv(base / "TerrorIndiceReturns.csv", index_col=0, parse_dates=True)
    events = pd.read_csv(base / "TerrorAttack.csv", parse_dates=["when"]).set_index("name")["when"]
    for symbol in ("S.P500", "Tokyo", "Jberg"):
        r = returns[symbol].dropna()
        day0 = int(np.flatnonzero(r.index <= events[symbol])[-1])
        mean = r.iloc[day0 - 30 : day0 - 10].mean()
        assert wide.loc[symbol, "[0,+10]"] == pytest.approx((r.iloc[day0 : day0 + 11] - mean).sum(), abs=1e-12)
        assert wide.loc[symbol, "[0,+5]"] == pytest.approx((r.iloc[day0 : day0 + 6] - mean).sum(), abs=1e-12)


def _study_cli(peers_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """README's Chen & Siems command, with ``extra`` options."""
    base = peers_dir / "eventstudies"
    args = ["study", "--returns", str(base / "TerrorIndiceReturns.csv"), "--percent",
            "--events", str(base / "TerrorAttack.csv"), "--model", "constant-mean", "--estimation", "-30:-11",
            "--window", "0:10", "--car", "0:10", "--car", "0:5", "--event-day", "previous",
            "--out", str(tmp_path / "out"), *extra]
    code, _, err = run_cli(args, capsys)
    return code, err


def test_readme_command_without_min_estimation_stops_with_one_line(
        peers_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20 estimation days under the default minimum of 30: a one-line error, never a silent swap of
    the constant mean for a mean of post-event days (which gave -6.897% for the S&P 500)."""
    for fallback in ((), ("--fallback", "post-event"), ("--fallback", "none")):
        code, err = _study_cli(peers_dir, tmp_path, capsys, *fallback)
        assert code == 2
        assert err.count("\n") == 1 and err.startswith("eventstudy: error: ")
        assert "estimation window [-30,-11] has 20 trading days, fewer than the minimum of 30" in err
        assert not (tmp_path / "out").exists()


def test_readme_command_reproduces_the_published_car(
        peers_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _study_cli(peers_dir, tmp_path, capsys, "--min-estimation", "10")
    assert code == 0, err
    car = pd.read_csv(tmp_path / "out" / "car.csv")
    sp = car[(car["symbol"] == "S.P500") & (car["window"] == "[0,+10]")]["car"].iloc[0]
    assert r_signif(100 * sp) == "-3.832794"
    assert (car["model"] == "constant-mean").all()
