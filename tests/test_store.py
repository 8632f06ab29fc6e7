from __future__ import annotations

from pathlib import Path

import filelock
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from eventstudy.data import store as store_mod
from eventstudy.data.quality import QualityIssue
from eventstudy.data.store import COLUMNS, PriceStore, encode_symbol
from eventstudy.errors import DataError


def bars(start: str = "2025-01-02", n: int = 5, price: float = 10.0, final: bool = True) -> pd.DataFrame:
    idx = pd.bdate_range(start, periods=n, name="date")
    close = price + np.arange(n, dtype=float)
    return pd.DataFrame(
        {
            "open": close - 0.1,
            "high": close + 0.5,
            "low": close - 0.5,
            "close": close,
            "adj_close": close * 0.98,
            "volume": np.full(n, 1000.0),
            "dividends": np.zeros(n),
            "splits": np.zeros(n),
            "final": np.full(n, final),
        },
        index=idx,
    )


META = {
    "source": "yahoo",
    "layout": "yahoo-chart-v8",
    "fetched_at": "2025-01-10T00:00:00+00:00",
    "yfinance_version": "1.7.0",
    "adjusted": "raw",
    "exchange": "HKEX",
}


@pytest.fixture
def store(home: Path) -> PriceStore:
    return PriceStore(home)


def files(store: PriceStore) -> list[str]:
    return sorted(p.name for p in store.dir.iterdir()) if store.dir.exists() else []


def test_round_trip_frame_and_metadata(store: PriceStore) -> None:
    frame = bars()
    issue = QualityIssue("missing_session", pd.Timestamp("2025-01-03"), "no bar", "warning")
    store.write("^HSI", frame, {**META, "issues": [issue], "extra": {"n": 3}})

    assert store.path("^HSI").name == "%5EHSI.parquet"
    assert store.symbols() == ["^HSI"]
    assert store.has("^HSI") and not store.has("0700.HK")
    back = store.read("^HSI")
    expected = frame[list(COLUMNS)].set_axis(pd.DatetimeIndex(frame.index).as_unit("ns"))
    pd.testing.assert_frame_equal(back, expected, check_freq=False)
    assert back.index.name == "date" and back["final"].dtype == bool

    meta = store.meta("^HSI")
    for key, value in META.items():
        assert meta[key] == value
    assert meta["symbol"] == "^HSI"
    assert meta["issues"] == [
        {"kind": "missing_session", "date": "2025-01-03T00:00:00", "detail": "no bar", "severity": "warning",
         "source": None}
    ]
    assert meta["extra"] == {"n": 3}


def test_file_is_readable_without_eventstudy(store: PriceStore) -> None:
    store.write("0700.HK", bars(), META)
    path = store.path("0700.HK")
    frame = pd.read_parquet(path)
    assert frame.index.name == "date"
    assert list(frame.columns) == list(COLUMNS)
    metadata = pq.read_schema(path).metadata
    assert metadata[b"symbol"] == b"0700.HK"
    assert metadata[b"source"] == b"yahoo"
    assert metadata[b"issues"] == b"[]"


def test_symbol_encoding_is_reversible_and_safe() -> None:
    for sym in ["^HSI", "0700.HK", "BRK-B", "000001.SZ", "A/B", ".X", "%41"]:
        enc = encode_symbol(sym)
        assert "/" not in enc and not enc.startswith(".")
        assert store_mod.decode_symbol(enc) == sym


def test_read_missing_names_symbol_and_fix(store: PriceStore) -> None:
    with pytest.raises(DataError) as err:
        store.read("0700.HK")
    text = str(err.value)
    assert "0700.HK" in text
    assert "eventstudy prices import FILE" in text and "eventstudy prices fetch 0700.HK" in text
    with pytest.raises(DataError):
        store.meta("0700.HK")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f.iloc[::-1], "sorted"),
        (lambda f: pd.concat([f, f.iloc[[-1]]]), "duplicate"),
        (lambda f: f.drop(columns=["adj_close"]), "missing columns"),
        (lambda f: f.tz_localize("Asia/Hong_Kong"), "tz-naive"),
        (lambda f: f.set_axis(f.index + pd.Timedelta(hours=9)), "midnight"),
        (lambda f: f.reset_index(drop=True), "DatetimeIndex"),
        (lambda f: f.assign(close="x"), "not numeric"),
    ],
)
def test_write_validates_contract(store: PriceStore, mutate, message: str) -> None:
    store.write("0700.HK", bars(), META)
    before = store.path("0700.HK").read_bytes()
    with pytest.raises(ValueError, match=message):
        store.write("0700.HK", mutate(bars(price=50.0)), META)
    assert store.path("0700.HK").read_bytes() == before
    assert files(store) == ["0700.HK.parquet", "manifest.json"]


def test_write_many_is_all_or_nothing_when_a_temp_write_fails(
    store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("A", bars(price=1.0), META)
    before = {p.name: p.read_bytes() for p in store.dir.glob("*.parquet")}

    real = pq.write_table
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store_mod.pq, "write_table", flaky)
    batch = {s: (bars(price=p), META) for s, p in [("A", 100.0), ("B", 200.0), ("C", 300.0)]}
    with pytest.raises(OSError, match="disk full"):
        store.write_many(batch)

    after = {p.name: p.read_bytes() for p in store.dir.glob("*.parquet")}
    assert after == before
    assert store.symbols() == ["A"]
    assert [n for n in files(store) if n.endswith((".tmp", ".bak"))] == []


def test_write_many_leaves_the_store_when_the_switch_fails(
    store: PriceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write("A", bars(price=1.0), META)
    store.write("B", bars(price=2.0), META)
    before = {p.name: p.read_bytes() for p in store.dir.iterdir()}

    def broken(staged, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_mod.atomic, "switch_dir", broken)
    with pytest.raises(OSError, match="No space"):
        store.write_many({"A": (bars(price=100.0), META), "B": (bars(price=200.0), META)})
    monkeypatch.undo()

    assert {p.name: p.read_bytes() for p in store.dir.iterdir()} == before
    assert store.read("A")["close"].iloc[0] == 1.0
    assert [p.name for p in store.home.iterdir() if p.name.startswith(".prices.new")] == []


def test_a_killed_writers_leftovers_are_removed_by_the_next_write(store: PriceStore) -> None:
    store.write("A", bars(price=1.0), META)
    orphan = store.home / ".prices.new-killed"
    orphan.mkdir()
    (orphan / "B.parquet").write_bytes(b"half")
    (store.dir / ".A.parquet.x.tmp").write_bytes(b"old-style temp")
    store.write("B", bars(price=2.0), META)
    assert not orphan.exists()
    assert files(store) == ["A.parquet", "B.parquet", "manifest.json"]
    assert store.verify() == []


def test_write_many_validates_before_touching_disk(store: PriceStore) -> None:
    bad = bars().drop(columns=["final"])
    with pytest.raises(ValueError, match="B: missing columns"):
        store.write_many({"A": (bars(), META), "B": (bad, META)})
    assert store.symbols() == []


def test_status_summarizes_each_security(store: PriceStore) -> None:
    frame = bars(n=4)
    frame.loc[frame.index[-1], "final"] = False
    issues = [
        QualityIssue("not_final", frame.index[-1], "session open", "info"),
        QualityIssue("missing_session", None, "gap", "warning"),
        QualityIssue("nonpositive_price", None, "zero", "error"),
    ]
    store.write("0700.HK", frame, {**META, "issues": issues})
    store.write("AAPL", bars(start="2025-02-03", n=2), {**META, "exchange": "NASDAQ"})
    status = store.status()
    assert list(status.columns) == list(store_mod.STATUS_COLUMNS)
    row = status.set_index("symbol").loc["0700.HK"]
    assert row["rows"] == 4
    assert row["first"] == frame.index[0] and row["last"] == frame.index[-1]
    assert row["last_final"] == frame.index[-2]
    assert row["source"] == "yahoo" and row["fetched_at"] == META["fetched_at"]
    assert row["issues"] == "1 error, 1 warning, 1 info"
    assert status.set_index("symbol").loc["AAPL", "issues"] == ""


def test_empty_store_status(store: PriceStore) -> None:
    assert store.symbols() == []
    assert store.status().empty


def test_writer_lock_held_elsewhere_is_a_clear_error(home: Path) -> None:
    store = PriceStore(home, lock_timeout=0.05)
    store.dir.mkdir(parents=True)
    other = filelock.FileLock(str(home / ".prices.lock"))  # another process, as far as flock can tell
    with other, pytest.raises(DataError, match="locked by another process"):
        store.write("A", bars(), META)
    assert store.symbols() == []


def test_lock_is_reentrant_for_a_refresh_holding_it(store: PriceStore) -> None:
    with store.lock(), store.lock():
        store.write("A", bars(), META)
    assert store.symbols() == ["A"]


def test_a_pinned_view_reads_one_generation_while_writes_land(store: PriceStore) -> None:
    store.write_many({"A": (bars(price=1.0), META), "B": (bars(price=1.0), META)})
    with store.pinned() as view:
        store.write_many({"A": (bars(price=2.0), META), "B": (bars(price=2.0), META), "C": (bars(), META)})
        store.remove("B")
        assert view.symbols() == ["A", "B"] and view.has("B") and not view.has("C")
        assert [view.read(s)["close"].iloc[0] for s in ("A", "B")] == [1.0, 1.0]
        assert view.meta("A")["source"] == "yahoo" and set(view.manifest()) == {"A.parquet", "B.parquet"}
        assert view.verify() == []
        assert store.symbols() == ["A", "C"] and store.read("A")["close"].iloc[0] == 2.0
        # the generation the view holds is set aside, not removed, while it is held
        assert any(p.name.startswith(".prices.retired-") for p in store.home.iterdir())
        with pytest.raises(TypeError, match="read-only"):
            view.write("A", bars(), META)
    store.write_many({})  # the next writer removes what no reader holds any more
    assert sorted(p.name for p in store.home.iterdir()) == [".prices.lock", "prices"]


def test_a_view_of_a_store_not_yet_made_stays_empty(store: PriceStore) -> None:
    with store.pinned() as view:
        store.write("A", bars(), META)
        assert view.symbols() == [] and not view.has("A")
        with pytest.raises(DataError, match="no prices stored for A"):
            view.read("A")
    assert store.symbols() == ["A"]
