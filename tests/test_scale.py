"""The fast paths give the results of the plain ones: a wide frame by position equals a mapping of
series, the panel sized to the events equals the wide one, repeated events stay apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

EST = Estimation(Window(-120, -11), min_days=30)


def panel(seed: int = 3, n: int = 12, days: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-01", periods=days)
    m = rng.normal(0.0004, 0.01, days)
    r = 0.0002 + m[:, None] * rng.uniform(0.5, 1.5, n) + rng.normal(0, 0.02, (days, n))
    r[rng.random(r.shape) < 0.05] = np.nan  # own calendars
    frame = pd.DataFrame(r, index=dates, columns=[f"S{i}" for i in range(n)])
    frame["MKT"] = m
    return frame


def events(frame: pd.DataFrame, pos: list[int], symbols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"symbol": symbols, "date": frame.index[pos]})


def tables(result) -> dict[str, pd.DataFrame]:
    return {"ar": result.ar, "car": result.car, "tests": result.tests, "estimates": result.estimates}


def test_wide_frame_by_position_equals_mapping_of_series() -> None:
    frame = panel()
    ev = events(frame, [200, 250, 250, 300, 390], ["S0", "S1", "S2", "S3", "S4"])
    kw = dict(market="MKT", estimation=EST, window=Window(-5, 5), bootstrap=99)
    fast = EventStudy(frame, ev, **kw).fit()  # type: ignore[arg-type]
    plain = EventStudy({c: frame[c] for c in frame.columns}, ev, **kw).fit()  # type: ignore[arg-type]
    for name, table in tables(fast).items():
        pd.testing.assert_frame_equal(table, tables(plain)[name], check_exact=True, obj=name)


def test_a_short_history_event_leaves_the_others_unchanged() -> None:
    """Without a short event the panel ends at the event window; one short event widens it for
    its post-event fallback. The other events' statistics must not notice."""
    frame = panel()
    base = events(frame, [200, 250, 300], ["S0", "S1", "S2"])
    with_short = pd.concat([base, events(frame, [30], ["S3"])], ignore_index=True)
    kw = dict(market="MKT", estimation=EST, window=Window(-5, 5), cars=[Window(0, 0), Window(-1, 1)])
    narrow = EventStudy(frame, base, **kw).fit()  # type: ignore[arg-type]
    wide = EventStudy(frame, with_short, **kw).fit()  # type: ignore[arg-type]
    assert narrow.output.rel.max() == 5
    assert wide.output.rel.max() > 5 and "fallback" in wide.output.model_used[3]
    for name in ("ar", "car", "estimates"):
        a = tables(narrow)[name]
        b = tables(wide)[name]
        b = b[b["symbol"] != "S3"].reset_index(drop=True)
        num = a.select_dtypes("number").columns
        np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=1e-12, atol=0)


@pytest.mark.parametrize("given", [False, True])
def test_repeated_security_date_pairs_get_distinct_ids(given: bool) -> None:
    frame = panel()
    ev = events(frame, [200, 200, 200, 300], ["S0", "S0", "S0", "S1"])
    if given:
        ev["event_id"] = ["", "S0@" + str(frame.index[200].date()), "", "x"]
    res = EventStudy(frame, ev, market="MKT", estimation=EST, window=Window(-5, 5), bootstrap=99).fit()
    ids = list(res.estimates["event_id"])
    assert len(set(ids)) == 4
    day = str(frame.index[200].date())
    assert ids[:3] == ([f"S0@{day}#2", f"S0@{day}", f"S0@{day}#3"] if given else
                       [f"S0@{day}", f"S0@{day}#2", f"S0@{day}#3"])
    # Same data, same statistics: only the ids differ.
    car = res.car[res.car["window"] == "[0,0]"]["car"].to_numpy()
    assert car[0] == car[1] == car[2]
    assert res.ar.groupby("event_id").size().eq(11).all()


def test_cluster_matrix_on_one_calendar_equals_the_date_grid() -> None:
    from eventstudy.stats.significance import _cluster_matrix

    rng = np.random.default_rng(9)
    m, k = 7, 40
    days = pd.bdate_range("2021-01-04", periods=k + 5).values
    dates = np.tile(days[:k], (m, 1))
    ar = rng.normal(0, 0.01, (m, k))
    est = rng.random((m, k)) < 0.7
    est[:, 5] = False  # a day no member uses
    # By dates, as for securities on different calendars.
    who, col = np.nonzero(est)
    grid, day = np.unique(dates[who, col], return_inverse=True)
    expected = np.full((len(grid), m), np.nan)
    expected[day.ravel(), who] = ar[who, col]
    np.testing.assert_array_equal(_cluster_matrix(est, dates, ar), expected)
    # One member a day behind (another calendar): the general path, same construction.
    shifted = dates.copy()
    shifted[0] = days[1 : k + 1]
    who, col = np.nonzero(est)
    grid, day = np.unique(shifted[who, col], return_inverse=True)
    expected = np.full((len(grid), m), np.nan)
    expected[day.ravel(), who] = ar[who, col]
    np.testing.assert_array_equal(_cluster_matrix(est, shifted, ar), expected)


@pytest.mark.parametrize("order", ["C", "F"])
def test_layout_of_pieces_of_one_array_shares_it_and_equals_copies(order: str) -> None:
    """Contiguous pieces of one array (a frame's columns; rows of a C array) are stored as that
    array's memory (no copy); the panels are those of a layout built from copies (the
    concatenating path). Strided pieces are copied."""
    from eventstudy.stats.panel import Layout

    rng = np.random.default_rng(11)
    days, k = 60, 7
    if order == "F":
        block = np.asfortranarray(rng.normal(size=(days, k)))
        piece = lambda j: block[:, j]  # noqa: E731
    else:
        block = np.ascontiguousarray(rng.normal(size=(k, days)))
        piece = lambda j: block[j]  # noqa: E731
    dates = pd.bdate_range("2020-01-01", periods=days).values
    market = rng.normal(size=days)
    cols = [0, 3, 3, 6, 1]  # a piece twice: stored once either way
    views = [{"returns": piece(j), "market": market, "sector": None, "dates": dates} for j in cols]
    copies = [{**a, "returns": a["returns"].copy()} for a in views]
    security = rng.integers(0, len(cols), 40)
    day0 = rng.integers(-5, days + 5, 40)  # windows off both ends of the data too
    shared = Layout.of_securities(views, security, day0, anchor=block)
    copied = Layout.of_securities(copies, security, day0, anchor=block)
    unanchored = Layout.of_securities(views, security, day0)  # nothing keeps the memory: copied
    assert not np.shares_memory(unanchored.flats["returns"], block)
    flat = shared.flats["returns"]
    assert flat is not None and np.shares_memory(flat, block) and not flat.flags.writeable
    assert not np.shares_memory(copied.flats["returns"], block)
    rel = np.arange(-8, 9)
    for name in ("returns", "market", "dates"):
        a, b = shared.panel(name, rel), copied.panel(name, rel)
        assert a is not None and b is not None
        np.testing.assert_array_equal(a, b)
    strided = [{**views[0], "returns": piece(0)[::2]}, views[1]]
    lay = Layout.of_securities(strided, np.array([0, 1]), np.array([3, 3]), anchor=block)
    assert not np.shares_memory(lay.flats["returns"], block)
    np.testing.assert_array_equal(lay.panel("returns", np.arange(-3, 3))[0], piece(0)[::2][:6])


def test_wide_frame_without_a_copy_equals_copied_series() -> None:
    frame = panel(seed=5)
    ev = events(frame, [200, 250, 250, 300, 390], ["S0", "S1", "S2", "S3", "S4"])
    kw = dict(market="MKT", estimation=EST, window=Window(-5, 5), bootstrap=99)
    for on_sessions in (True, False):
        fast = EventStudy(frame, ev, returns_on_sessions=on_sessions, **kw).fit_chunked(2)  # type: ignore[arg-type]
        plain = EventStudy({c: frame[c].copy() for c in frame.columns}, ev, returns_on_sessions=on_sessions,
                           **kw).fit_chunked(2)  # type: ignore[arg-type]
        for name, table in tables(fast).items():
            pd.testing.assert_frame_equal(table, tables(plain)[name], check_exact=True, obj=name)


def test_layout_shares_only_a_span_mostly_covered_and_pickles_without_the_rest() -> None:
    """Two columns of a wide array are copied (sharing would keep, and pickle, all of it); pieces
    covering most of their span share just that span."""
    import pickle

    from eventstudy.stats.panel import Layout

    block = np.asfortranarray(np.random.default_rng(2).normal(size=(50, 40)))
    dates = pd.bdate_range("2020-01-01", periods=50).values

    def lay(cols: list[int]) -> Layout:
        arrays = [{"returns": block[:, j], "market": None, "sector": None, "dates": dates} for j in cols]
        return Layout.of_securities(arrays, np.arange(len(cols)), np.full(len(cols), 20), anchor=block)

    few = lay([3, 30])
    assert not np.shares_memory(few.flats["returns"], block) and len(few.flats["returns"]) == 100
    most = lay([10, 11, 13, 14])
    assert np.shares_memory(most.flats["returns"], block) and len(most.flats["returns"]) == 5 * 50
    back = pickle.loads(pickle.dumps(most))
    assert back.anchor is None and len(back.flats["returns"]) == 5 * 50
    np.testing.assert_array_equal(back.panel("returns", np.arange(-5, 5)), most.panel("returns", np.arange(-5, 5)))


def test_a_fitted_chunked_study_does_not_change_when_the_frame_does() -> None:
    """The layout shares the frame's memory; a change to the frame after the fit must not reach the
    result's tables (they are built from the layout when read)."""
    gappy = panel(seed=9).fillna(0.0)
    # One float block without gaps: every column is a piece of the frame's own memory.
    frame = pd.DataFrame(gappy.to_numpy(), index=gappy.index, columns=gappy.columns)
    ev = events(frame, [200, 250, 300], ["S0", "S1", "S2"])
    # No benchmark: nothing else of the study holds a pandas object over the frame's memory.
    study = EventStudy(frame, ev, model="constant-mean", estimation=EST, window=Window(-5, 5), bootstrap=0)
    flat = study._series()[2].flats["returns"]
    assert np.shares_memory(flat, frame.to_numpy()), "the case this test is about: the layout shares the frame"
    result = study.fit_chunked(1)
    expected = EventStudy(frame.copy(), ev, model="constant-mean", estimation=EST, window=Window(-5, 5),
                          bootstrap=0).fit_chunked(1).ar
    frame.iloc[190:260, :] = 0.5
    frame["S1"] = 0.25
    pd.testing.assert_frame_equal(result.ar, expected, check_exact=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6)), max_size=60))
def test_repeats_count_the_earlier_rows_with_the_same_keys(rows: list[tuple[int, int]]) -> None:
    """The counter behind ``#2``, ``#3``... of repeated (security, date) ids, as pandas' cumcount."""
    from eventstudy.stats.placed import repeats

    c = np.array([r[0] for r in rows], dtype=np.int64)
    d = np.array([r[1] for r in rows], dtype=np.int64)
    expected = pd.DataFrame({"c": c, "d": d}).groupby(["c", "d"], sort=False).cumcount().to_numpy()
    np.testing.assert_array_equal(repeats(c, d), expected)
