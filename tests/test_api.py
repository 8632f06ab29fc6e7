"""The public Python API: what `import eventstudy` promises in its docstring works as written."""

from __future__ import annotations

import numpy as np
import pandas as pd

import eventstudy as es


def test_api_from_returns_and_from_prices_agree() -> None:
    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2022-01-03", periods=400)
    m = rng.normal(0.0003, 0.01, 400)
    rets = pd.DataFrame({f"S{i}": 0.0002 + (0.8 + 0.2 * i) * m + rng.normal(0, 0.015, 400) for i in range(4)},
                        index=dates)
    rets["^MKT"] = m
    events = pd.DataFrame({"symbol": ["S0", "S1", "S2", "S3"], "date": [dates[300]] * 4})
    study = es.EventStudy(rets, events, market="^MKT", model="market",
                          estimation=es.Estimation(es.Window(-250, -11), min_days=30),
                          window=es.Window(-5, 5), cars=[es.Window(0, 0), es.Window(-1, 1)])
    result = study.fit()
    assert isinstance(result, es.StudyResult)
    assert len(result.ar) == 4 * 11 and len(result.car) == 4 * 2 and len(result.estimates) == 4
    assert result.clustered and result.tests.iloc[0]["statistic"] == "KP-adjusted BMP"
    assert "model market" in result.summary() and "r =" in result.summary()

    prices = 100 * (1 + rets).cumprod()
    from_prices = es.EventStudy.from_prices(prices, events, market=prices["^MKT"], model="market",
                                            estimation=es.Estimation(es.Window(-250, -11), min_days=30),
                                            window=es.Window(-5, 5), cars=[es.Window(0, 0), es.Window(-1, 1)])
    other = from_prices.fit()
    np.testing.assert_allclose(other.car["car"], result.car["car"], rtol=1e-9, atol=1e-12)


def test_api_names() -> None:
    for name in es.__all__:
        assert hasattr(es, name), name
    assert es.MODELS == ("constant-mean", "market-adjusted", "market", "two-index", "scholes-williams", "dimson",
                         "ff3", "carhart", "ff5", "garch")
    assert es.parse_window("-30:-11") == es.Window(-30, -11)
