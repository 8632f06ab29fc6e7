"""Notebook display and the API's event columns (issue 24): a short repr and an HTML summary, the CLI's
name,when columns or a columns= mapping, and NaN bootstrap p-values explained in the tests table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chen_siems import result

from eventstudy.errors import UserError
from eventstudy.stats.display import MAX_REPR
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window


def _data(n: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(9)
    dates = pd.bdate_range("2020-01-01", periods=300)
    cols = [f"SECURITY_WITH_A_LONG_NAME_{i}" for i in range(n)]
    return dates, cols, pd.DataFrame(rng.normal(0, 0.01, (300, n + 1)), index=dates, columns=[*cols, "MKT"])


def test_repr_is_short_for_many_events_and_many_windows() -> None:
    dates, cols, data = _data(400)
    events = pd.DataFrame({"symbol": cols, "date": [dates[200 + i % 50] for i in range(400)]})
    res = EventStudy(data, events, market="MKT", window=Window(-10, 10),
                     cars=[Window(0, k) for k in range(10)]).fit()
    text = repr(res)
    assert len(text) <= MAX_REPR
    assert "400 event(s)" in text and "CAR[0,0]" in text and "more CAR window" in text and ".tests" in text
    html = res._repr_html_()
    assert html.startswith("<div>") and "<table>" in html and len(html) < 6000
    assert res.summary().startswith("Event study: 400 event(s)")  # unchanged


def test_the_cli_s_event_columns_and_a_mapping() -> None:
    dates, cols, data = _data(3)
    plain = pd.DataFrame({"symbol": cols, "date": [dates[250]] * 3})
    ref = EventStudy(data, plain, market="MKT").fit().car
    as_cli = plain.rename(columns={"symbol": "name", "date": "when"})
    pd.testing.assert_frame_equal(EventStudy(data, as_cli, market="MKT").fit().car, ref)
    own = plain.rename(columns={"symbol": "ticker", "date": "announced"})
    mapped = EventStudy(data, own, market="MKT", columns={"ticker": "symbol", "announced": "date"}).fit().car
    pd.testing.assert_frame_equal(mapped, ref)
    with pytest.raises(UserError, match="map yours with columns="):
        EventStudy(data, own, market="MKT").fit()
    with pytest.raises(UserError, match="not an event column"):
        EventStudy(data, own, market="MKT", columns={"ticker": "sym"}).fit()


def test_a_nan_bootstrap_p_value_says_why() -> None:
    dates, cols, data = _data(4)
    events = pd.DataFrame({"symbol": cols, "date": [dates[250]] * 4})
    res = EventStudy(data, events, market="MKT", estimation=Estimation(Window(-30, -11), min_days=10),
                     window=Window(-10, 10), cars=[Window(0, 10), Window(0, 0)]).fit()
    boot = res.tests[res.tests["statistic"] == "bootstrap"].set_index("window")
    assert np.isnan(boot.loc["[0,+10]", "p_value"])
    assert "20 estimation days give 10 distinct blocks of 11 consecutive days" in boot.loc["[0,+10]", "note"]
    assert np.isfinite(boot.loc["[0,0]", "p_value"]) and boot.loc["[0,0]", "note"] == ""


@pytest.mark.shared
def test_chen_siems_display(peers_dir: Path) -> None:
    res = result(peers_dir)
    assert len(repr(res)) <= 2000
    assert "33 event(s)" in repr(res) and "CAR[0,+10]" in repr(res)
    assert "KP-adjusted BMP" in res._repr_html_()
