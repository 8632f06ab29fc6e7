from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.data.importers import ImportedSeries, infer_exchange, read_price_file, symbol_from_name
from eventstudy.errors import UserError

COLUMNS = ["open", "high", "low", "close", "adj_close", "volume", "dividends", "splits", "final"]


def write(folder: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def assert_bar_frame(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == COLUMNS
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.name == "date"
    assert frame.index.tz is None
    assert (frame.index == frame.index.normalize()).all()
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    for col in COLUMNS[:-1]:
        assert frame[col].dtype == np.float64, col
    assert frame["final"].dtype == bool
    assert frame["final"].all()


def kinds(series: ImportedSeries) -> list[str]:
    return [i.kind for i in series.issues]


# --- every layout -------------------------------------------------------------------------------

YF_HISTORY = """Date,Close,High,Low,Open,Volume
2026-01-12,208.4,258.0,165.1,182.3,9421009
2026-01-13,181.8,225.2,176.0,220.4,5000000
2026-01-14,216.0,222.6,189.0,194.7,6000000
"""


def test_yfinance_history(tmp_path: Path) -> None:
    s = read_price_file(write(tmp_path, "2513.HK.csv", YF_HISTORY))
    assert (s.symbol, s.layout, s.adjusted, s.exchange) == ("2513.HK", "yfinance_history", "auto", "HKEX")
    assert s.source == str(tmp_path / "2513.HK.csv")
    assert_bar_frame(s.frame)
    row = s.frame.loc["2026-01-14"]
    assert (row.open, row.high, row.low, row.close, row.volume) == (194.7, 222.6, 189.0, 216.0, 6e6)
    assert row.adj_close == row.close
    assert np.isnan(row.dividends) and np.isnan(row.splits)
    assert s.issues == []


def test_yfinance_history_tz_aware_dates_keep_the_local_date(tmp_path: Path) -> None:
    text = """Date,Open,High,Low,Close,Volume,Dividends,Stock Splits
2026-01-08 00:00:00+08:00,120.0,135.0,116.1,131.5,17518159,0.0,0.0
2026-01-09 00:00:00+08:00,137.2,165.0,137.2,158.6,6908145,0.5,0.0
2026-01-12 00:00:00+08:00,182.3,258.0,165.1,208.4,9421009,0.0,2.0
"""
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert list(s.frame.index) == [pd.Timestamp(d) for d in ("2026-01-08", "2026-01-09", "2026-01-12")]
    assert list(s.frame.dividends) == [0.0, 0.5, 0.0]
    assert list(s.frame.splits) == [0.0, 0.0, 2.0]
    assert_bar_frame(s.frame)


def test_yfinance_negative_offsets_and_adj_close(tmp_path: Path) -> None:
    text = """Date,Open,High,Low,Close,Adj Close,Volume
2026-01-13 00:00:00-05:00,10,11,9,10.5,10.0,100
2026-01-14 00:00:00-05:00,10.5,11,10,10.8,10.3,100
"""
    s = read_price_file(write(tmp_path, "AAPL.csv", text))
    assert s.exchange == "NYSE"
    assert s.adjusted == "adj_close"
    assert list(s.frame.index) == [pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-14")]
    assert list(s.frame.close) == [10.5, 10.8]
    assert list(s.frame.adj_close) == [10.0, 10.3]


def test_yf_download_two_row_header(tmp_path: Path) -> None:
    text = """Ticker,Date,Open,High,Low,Close,Volume
,,688256.SS,688256.SS,688256.SS,688256.SS,688256.SS
688256,2026-01-13,1400.0,1450.0,1390.0,1420.5,100
688256,2026-01-14,1420.0,1480.0,1410.0,1470.25,200
"""
    s = read_price_file(write(tmp_path, "688256.csv", text))
    assert (s.symbol, s.layout, s.adjusted, s.exchange) == ("688256.SS", "yf_download_2row", "auto", "SSE")
    assert list(s.frame.close) == [1420.5, 1470.25]
    assert list(s.frame.open) == [1400.0, 1420.0]
    assert_bar_frame(s.frame)


MULTI = """Price,Close,High,Low,Open,Volume
Ticker,AAPL,AAPL,AAPL,AAPL,AAPL
Date,,,,,
2026-01-13,261.0,262.0,258.0,259.0,1000
2026-01-14,259.5,263.0,257.0,261.0,2000
"""


def test_yf_download_multiindex(tmp_path: Path) -> None:
    s = read_price_file(write(tmp_path, "prices.csv", MULTI))
    assert (s.symbol, s.layout, s.adjusted) == ("AAPL", "yf_download_multiindex", "auto")
    assert list(s.frame.close) == [261.0, 259.5]
    assert list(s.frame.open) == [259.0, 261.0]
    assert_bar_frame(s.frame)


def test_yf_download_multiindex_without_date_row(tmp_path: Path) -> None:
    text = MULTI.replace("Date,,,,,\n", "")
    s = read_price_file(write(tmp_path, "prices.csv", text))
    assert len(s.frame) == 2


def test_yf_download_multiindex_several_tickers(tmp_path: Path) -> None:
    text = """Price,Close,Close,Open,Open
Ticker,AAPL,NVDA,AAPL,NVDA
Date,,,,
2026-01-13,261.0,185.0,259.0,184.0
2026-01-14,259.5,183.0,261.0,186.0
"""
    path = write(tmp_path, "two.csv", text)
    with pytest.raises(UserError, match=r"several tickers \(AAPL, NVDA\)") as err:
        read_price_file(path)
    assert err.value.line == 2
    s = read_price_file(path, symbol="NVDA")
    assert s.symbol == "NVDA"
    assert list(s.frame.close) == [185.0, 183.0]
    assert list(s.frame.open) == [184.0, 186.0]


def test_baostock_maps_columns_by_name(tmp_path: Path) -> None:
    text = """date,open,close,high,low,volume,amount,turn,pctChg
2026-01-13,4780.1,4762.5,4800.0,4750.0,100,1000.0,0.0,-0.5
2026-01-14,4767.6956,4741.9306,4818.1008,4720.246,36495102300,1.0,0.0,-0.4
"""
    s = read_price_file(write(tmp_path, "000300.SS.csv", text))
    assert (s.layout, s.adjusted, s.exchange) == ("baostock", "unknown", "SSE")
    row = s.frame.loc["2026-01-14"]
    assert (row.open, row.close, row.high, row.low) == (4767.6956, 4741.9306, 4818.1008, 4720.246)
    assert_bar_frame(s.frame)


def test_baostock_adjustflag(tmp_path: Path) -> None:
    text = """date,code,open,high,low,close,volume,adjustflag
2026-01-13,sh.600000,10,11,9,10.5,100,3
2026-01-14,sh.600000,10,11,9,10.6,100,3
"""
    assert read_price_file(write(tmp_path, "600000.SS.csv", text)).adjusted == "raw"
    text = text.replace(",3\n", ",2\n")
    assert read_price_file(write(tmp_path, "600000.SS.csv", text)).adjusted == "auto"


def test_akshare_with_bom_and_crlf(tmp_path: Path) -> None:
    text = "\ufeffdate,open,high,low,close,volume\n2026-01-13,1400.1,1410.0,1390.0,1405.5,1659\n"
    text += "2026-01-14,1405.0,1420.0,1400.0,1415.25,1700\n"
    s = read_price_file(write(tmp_path, "000688.SS.csv", text, newline="\r\n"))
    assert (s.symbol, s.layout) == ("000688.SS", "akshare")
    assert list(s.frame.close) == [1405.5, 1415.25]
    assert_bar_frame(s.frame)


def test_akshare_chinese_header_in_gbk(tmp_path: Path) -> None:
    text = "日期,开盘,收盘,最高,最低,成交量,成交额\n2026-01-13,10.0,10.5,10.8,9.9,1000,10500\n"
    s = read_price_file(write(tmp_path, "002230.SZ.csv", text, encoding="gb18030"))
    assert s.layout == "akshare_cn"
    row = s.frame.iloc[0]
    assert (row.open, row.close, row.high, row.low, row.volume) == (10.0, 10.5, 10.8, 9.9, 1000.0)


def test_csindex_blank_open_high_low(tmp_path: Path) -> None:
    text = """date,open,high,low,close,amount_yi,pe
2026-01-13,,,,2273.23,33.55,65.17
2026-01-14,2280.0,2300.0,2270.0,2290.5,35.0,
"""
    s = read_price_file(write(tmp_path, "H30184.CSI.csv", text))
    assert (s.layout, s.adjusted, s.exchange) == ("csindex", "raw", "SSE")
    first = s.frame.iloc[0]
    assert np.isnan(first.open) and np.isnan(first.high) and np.isnan(first.low)
    assert first.close == 2273.23
    assert s.frame.volume.isna().all()  # amount_yi is turnover, not volume
    assert_bar_frame(s.frame)


def test_firstbar_lastbar_daily(tmp_path: Path) -> None:
    text = """Date,Open_firstbar,High,Low,Close_lastbar
2026-01-13,26900.0,27000.0,26800.0,26848.47
2026-01-14,26850.0,27050.0,26840.0,26999.81
"""
    s = read_price_file(write(tmp_path, "^HSI.csv", text))
    assert (s.symbol, s.layout, s.exchange) == ("^HSI", "firstbar_lastbar", "HKEX")
    assert list(s.frame.close) == [26848.47, 26999.81]
    assert list(s.frame.open) == [26900.0, 26850.0]


def test_layout_comes_from_the_header_not_the_name(tmp_path: Path) -> None:
    s = read_price_file(write(tmp_path, "looks_like_baostock.csv", YF_HISTORY), exchange="HKEX")
    assert s.layout == "yfinance_history"


# --- symbol and exchange ------------------------------------------------------------------------


def test_symbol_precedence(tmp_path: Path) -> None:
    text = """Ticker,Date,Open,High,Low,Close,Volume
,,688256.SS,688256.SS,688256.SS,688256.SS,688256.SS
688256,2026-01-14,1420.0,1480.0,1410.0,1470.25,200
"""
    path = write(tmp_path, "whatever.csv", text)
    assert read_price_file(path).symbol == "688256.SS"
    assert read_price_file(path, symbol="CAMBRICON.SS").symbol == "CAMBRICON.SS"
    stem = write(tmp_path, "000300.CSI.csv", "date,open,high,low,close,amount_yi,pe\n2026-01-14,,,,4741.9,1,1\n")
    assert read_price_file(stem).symbol == "000300.CSI"


@pytest.mark.parametrize(
    ("symbol", "exchange"),
    [
        ("2513.HK", "HKEX"),
        ("0981.hk", "HKEX"),
        ("688256.SS", "SSE"),
        ("002230.SZ", "SZSE"),
        ("000300.CSI", "SSE"),
        ("^HSI", "HKEX"),
        ("^HSTECH", "HKEX"),
        ("NVDA", "NYSE"),
        ("^GSPC", "NYSE"),
        ("7203.T", None),
    ],
)
def test_infer_exchange(symbol: str, exchange: str | None) -> None:
    assert infer_exchange(symbol) == exchange


def test_exchange_argument_wins(tmp_path: Path) -> None:
    # 2026-01-19 is a session in Hong Kong but a US holiday.
    text = "Date,Close,High,Low,Open,Volume\n"
    text += "2026-01-16,10,10,10,10,1\n2026-01-19,11,11,11,11,1\n2026-01-20,12,12,12,12,1\n"
    path = write(tmp_path, "X.HK.csv", text)
    assert len(read_price_file(path).frame) == 3
    s = read_price_file(path, exchange="NYSE")
    assert list(s.frame.index.strftime("%Y-%m-%d")) == ["2026-01-16", "2026-01-20"]
    assert kinds(s) == ["holiday_row"]


def test_unknown_exchange(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown exchange"):
        read_price_file(write(tmp_path, "a.csv", YF_HISTORY), exchange="MOON")


def test_no_calendar_checks_for_unknown_suffix(tmp_path: Path) -> None:
    text = "Date,Close,High,Low,Open,Volume\n2026-01-17,1,1,1,1,1\n"  # a Saturday
    s = read_price_file(write(tmp_path, "7203.T.csv", text))
    assert s.exchange is None and len(s.frame) == 1 and s.issues == []


# --- errors -------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found") as err:
        read_price_file(tmp_path / "nope.csv")
    assert "nope.csv" in str(err.value)


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    with pytest.raises(UserError, match="empty"):
        read_price_file(write(tmp_path, "empty.csv", text))


def test_header_without_rows(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no price rows"):
        read_price_file(write(tmp_path, "h.csv", "Date,Close,High,Low,Open,Volume\n"))


def test_unknown_header(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "when,price\n2026-01-14,1.0\n")
    with pytest.raises(UserError) as err:
        read_price_file(path)
    e = err.value
    assert e.file == path and e.line == 1
    assert "when,price" in e.message
    assert e.hint is not None and "baostock" in e.hint and "csindex" in e.hint and "yf.download" in e.hint


def test_intraday_header_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "HSI.1min.csv", "\ufeffdatetime,open,high,low,close\n2026-01-14 09:30:00,1,1,1,1\n")
    with pytest.raises(UserError, match="intraday"):
        read_price_file(path)


@pytest.mark.parametrize("bad", ["2026-13-01", "14/01/2026", "yesterday", "2026-02-30", ""])
def test_bad_date_names_the_line(tmp_path: Path, bad: str) -> None:
    text = YF_HISTORY + f"{bad},1,1,1,1,1\n"
    with pytest.raises(UserError, match="cannot read date") as err:
        read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert err.value.line == 5
    assert err.value.field == "Date"
    assert "2513.HK.csv:5" in str(err.value)


def test_bad_number_names_line_and_field(tmp_path: Path) -> None:
    text = """date,open,close,high,low,volume,amount,turn,pctChg
2026-01-13,1,1,1,1,1,1,0,0

2026-01-14,1,abc,1,1,1,1,0,0
"""
    with pytest.raises(UserError, match="cannot read number 'abc'") as err:
        read_price_file(write(tmp_path, "000300.SS.csv", text))
    assert err.value.line == 4  # blank lines still count
    assert err.value.field == "close"


def test_thousands_separators(tmp_path: Path) -> None:
    text = 'Date,Close,High,Low,Open,Volume\n2026-01-14,"1,216.5",1300,1200,1250,"6,000,000"\n'
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert (s.frame.close.iloc[0], s.frame.volume.iloc[0]) == (1216.5, 6e6)
    with pytest.raises(UserError, match="cannot read number '1,5'"):
        read_price_file(write(tmp_path, "2513.HK.csv", text.replace('"1,216.5"', '"1,5"')))


def test_bad_number_in_two_row_layout(tmp_path: Path) -> None:
    text = """Ticker,Date,Open,High,Low,Close,Volume
,,688256.SS,688256.SS,688256.SS,688256.SS,688256.SS
688256,2026-01-13,1,1,1,1,1
688256,2026-01-14,1,1,1,1,1e
"""
    with pytest.raises(UserError) as err:
        read_price_file(write(tmp_path, "688256.SS.csv", text))
    assert (err.value.line, err.value.field) == (4, "Volume")


# --- duplicates, holidays, blanks ---------------------------------------------------------------


def test_identical_duplicate_kept_once(tmp_path: Path) -> None:
    text = YF_HISTORY + "2026-01-13,181.8,225.2,176.0,220.4,5000000\n"
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert len(s.frame) == 3
    assert [(i.kind, i.severity) for i in s.issues] == [("duplicate_date", "warning")]
    assert "line 5 repeats line 3" in s.issues[0].detail


def test_conflicting_duplicate_keeps_the_first(tmp_path: Path) -> None:
    text = YF_HISTORY + "2026-01-13,999.0,999.0,176.0,220.4,5000000\n"
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert s.frame.loc["2026-01-13", "close"] == 181.8
    assert [(i.kind, i.severity) for i in s.issues] == [("duplicate_date", "error")]


def test_holiday_row_repeating_a_neighbour_is_dropped(tmp_path: Path) -> None:
    text = """date,open,high,low,close,amount_yi,pe
2015-01-01,3566.09,3669.04,3551.51,3641.54,5198.5,14.28
2015-01-05,3566.09,3669.04,3551.51,3641.54,5198.5,14.28
2015-01-06,3608.43,3683.23,3587.23,3641.06,4985.3,14.29
"""
    s = read_price_file(write(tmp_path, "000300.CSI.csv", text))
    assert pd.Timestamp("2015-01-01") not in s.frame.index
    assert len(s.frame) == 2
    assert [(i.kind, i.date) for i in s.issues] == [("repeated_neighbour", pd.Timestamp("2015-01-01"))]
    assert "2015-01-05" in s.issues[0].detail


def test_holiday_row_repeating_the_previous_bar_with_blanks(tmp_path: Path) -> None:
    # csindex writes a holiday as the previous close with blank open/high/low and zero turnover.
    text = """date,open,high,low,close,amount_yi,pe
2018-06-15,,,,3222.48,69.15,47.66
2018-06-18,,,,3222.48,0.0,47.66
2018-06-19,,,,3023.09,79.82,44.92
"""
    s = read_price_file(write(tmp_path, "H30184.CSI.csv", text))
    assert kinds(s) == ["repeated_neighbour"]
    assert list(s.frame.close) == [3222.48, 3023.09]


def test_other_non_session_rows_are_dropped(tmp_path: Path) -> None:
    text = YF_HISTORY + "2026-01-17,216.5,222.6,189.0,194.7,10\n"  # a Saturday
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert pd.Timestamp("2026-01-17") not in s.frame.index
    assert [(i.kind, i.severity) for i in s.issues] == [("holiday_row", "warning")]


def test_rows_without_close_are_dropped(tmp_path: Path) -> None:
    text = """date,open,close,high,low,volume,amount,turn,pctChg
2026-01-12,1,1,1,1,1,1,0,0
2026-01-13,,,,,,,,
2026-01-14,1,1.1,1.1,1,1,1,0,0
"""
    s = read_price_file(write(tmp_path, "399001.SZ.csv", text))
    assert list(s.frame.index.strftime("%Y-%m-%d")) == ["2026-01-12", "2026-01-14"]
    assert [(i.kind, i.severity) for i in s.issues] == [
        ("missing_session", "info"),  # the importer: the row had no prices
        ("missing_session", "warning"),  # the quality check: the session has no bar
    ]


def test_rows_are_sorted(tmp_path: Path) -> None:
    lines = YF_HISTORY.strip().split("\n")
    text = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert s.frame.index.is_monotonic_increasing
    assert list(s.frame.close) == [208.4, 181.8, 216.0]


def test_quality_issues_are_included(tmp_path: Path) -> None:
    text = "Date,Close,High,Low,Open,Volume\n2026-01-12,1,1,1,1,1\n2026-01-15,1.1,1,1,1,1\n"
    s = read_price_file(write(tmp_path, "2513.HK.csv", text))
    assert kinds(s) == ["missing_session", "missing_session"]


# --- the real files -----------------------------------------------------------------------------

MANIFEST_LAYOUTS = {
    "yfinance history export": "yfinance_history",
    "yf.download two-row header": "yf_download_2row",
    "daily bars derived from 1-minute bars": "firstbar_lastbar",
    "baostock (close before high)": "baostock",
    "akshare with BOM": "akshare",
    "csindex": "csindex",
}
MANIFEST_EXCHANGES = {"XHKG": {"HKEX"}, "XNYS": {"NYSE"}, "XSHG": {"SSE", "SZSE"}}


@pytest.mark.shared
def test_every_real_file_imports(real_dir: Path) -> None:
    with (real_dir / "manifest.tsv").open(encoding="utf-8") as fh:
        manifest = {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}
    files = sorted(real_dir.glob("*.csv"))
    assert {f.name for f in files} == set(manifest)
    for path in files:
        entry = manifest[path.name]
        s = read_price_file(path)
        assert s.symbol == entry["symbol"], path.name
        assert s.layout == MANIFEST_LAYOUTS[entry["layout"]], path.name
        assert s.exchange in MANIFEST_EXCHANGES[entry["exchange_calendar"]], path.name
        assert_bar_frame(s.frame)
        assert len(s.frame) > 50
        assert not [i for i in s.issues if i.severity == "error"], (path.name, s.issues)


@pytest.mark.shared
def test_real_2513_hk_closes(real_dir: Path) -> None:
    s = read_price_file(real_dir / "2513.HK.csv")
    assert s.frame.loc["2026-01-14", "close"] == pytest.approx(216.0)
    assert s.frame.loc["2026-01-13", "close"] == pytest.approx(181.8)
    assert s.adjusted == "auto"


@pytest.mark.shared
def test_real_csindex_holiday_repeat(real_dir: Path) -> None:
    s = read_price_file(real_dir / "000300.CSI.csv")
    assert pd.Timestamp("2015-01-01") not in s.frame.index
    assert s.frame.index[0] == pd.Timestamp("2015-01-05")
    repeats = [i for i in s.issues if i.kind == "repeated_neighbour"]
    assert [i.date for i in repeats] == [pd.Timestamp("2015-01-01")]
    # The dropped copy must not leave a zero return behind.
    assert s.frame.close.pct_change().iloc[1] != 0


@pytest.mark.shared
def test_real_baostock_close_is_the_close(real_dir: Path) -> None:
    s = read_price_file(real_dir / "000300.SS.csv")
    assert s.frame.loc["2026-01-14", "close"] == pytest.approx(4741.9306)
    assert s.frame.loc["2026-01-14", "high"] == pytest.approx(4818.1008)


@pytest.mark.shared
def test_real_hsi_closes(real_dir: Path) -> None:
    s = read_price_file(real_dir / "^HSI.csv")
    assert s.frame.loc["2026-01-13", "close"] == pytest.approx(26848.47)
    assert s.frame.loc["2026-01-14", "close"] == pytest.approx(26999.81)


@pytest.mark.shared
def test_real_two_row_symbol_from_header(real_dir: Path, tmp_path: Path) -> None:
    # Renamed, the file still knows its own symbol.
    copy = tmp_path / "renamed.csv"
    copy.write_bytes((real_dir / "688256.SS.csv").read_bytes())
    assert read_price_file(copy).symbol == "688256.SS"


@pytest.mark.shared
def test_real_shenzhen_blank_rows(real_dir: Path) -> None:
    s = read_price_file(real_dir / "399001.SZ.csv")
    assert not s.frame.loc["1995-02-01":"1995-02-12"].close.isna().any()
    assert any(i.kind == "missing_session" and i.severity == "info" for i in s.issues)


# --- the layouts of shared/more -----------------------------------------------------------------


def test_tushare_hk_daily(tmp_path: Path) -> None:
    text = """ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount
02513.HK,20260114,194.7,222.6,189.0,216.0,181.8,34.2,18.81,6000000.0,1.2e9
02513.HK,20260113,220.4,225.2,176.0,181.8,208.4,-26.6,-12.76,5000000.0,1.0e9
"""
    s = read_price_file(write(tmp_path, "zhipu.csv", text))
    assert (s.symbol, s.layout, s.adjusted, s.exchange) == ("2513.HK", "tushare_hk_daily", "unadjusted", "HKEX")
    assert list(s.frame.index) == [pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-14")]
    row = s.frame.loc["2026-01-14"]
    assert (row.open, row.high, row.low, row.close, row.volume) == (194.7, 222.6, 189.0, 216.0, 6e6)
    assert_bar_frame(s.frame)
    assert s.issues == []  # 181.8 chains to the next bar's pre_close


def test_tushare_mixed_codes_are_refused(tmp_path: Path) -> None:
    text = """ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount
02513.HK,20260113,1,1,1,1,1,0,0,1,1
00100.HK,20260114,1,1,1,1,1,0,0,1,1
"""
    with pytest.raises(UserError, match="several instruments") as err:
        read_price_file(write(tmp_path, "mixed.csv", text))
    assert err.value.field == "ts_code"


def test_tencent_kline_close_before_high_crlf(tmp_path: Path) -> None:
    text = """date,symbol,currency,open,close,high,low,volume
2026-01-13,0981.HK,HKD,73.0,74.45,75.0,72.5,1000
2026-01-14,0981.HK,HKD,74.5,75.95,76.5,74.0,2000
"""
    s = read_price_file(write(tmp_path, "0981.HK.tencent.csv", text, newline="\r\n"))
    assert (s.symbol, s.layout, s.adjusted) == ("0981.HK", "tencent_kline", "unadjusted")
    row = s.frame.loc["2026-01-14"]
    assert (row.open, row.close, row.high, row.low, row.volume) == (74.5, 75.95, 76.5, 74.0, 2000.0)
    assert_bar_frame(s.frame)


AKSHARE_CN = (
    "日期,股票代码,开盘,收盘,最高,最低,成交量,成交额,振幅,涨跌幅,涨跌额,换手率,股票名称,前收盘,复权状态\n"
    "2026-01-13,688795,640.0,650.15,660.0,630.0,1000,650150.0,4.6,0.01,6.0,0.01,摩尔线程,644.15,{adj}\n"
    "2026-01-14,688795,650.0,648.0,655.0,640.0,2000,1296000.0,2.3,-0.003,-2.15,0.02,摩尔线程,{prev},{adj}\n"
)


@pytest.mark.parametrize(("state", "kind"), [("不复权", "unadjusted"), ("前复权", "forward"), ("后复权", "backward")])
def test_akshare_adjustment_state(tmp_path: Path, state: str, kind: str) -> None:
    s = read_price_file(write(tmp_path, "688795.SS.csv", AKSHARE_CN.format(adj=state, prev="650.15")))
    assert (s.layout, s.adjusted, s.symbol) == ("akshare_cn", kind, "688795.SS")
    assert list(s.frame.close) == [650.15, 648.0]
    assert list(s.frame.volume) == [1000.0, 2000.0]  # turnover / (volume x close) = 1: shares


def test_akshare_volume_in_lots_is_scaled(tmp_path: Path) -> None:
    text = AKSHARE_CN.format(adj="不复权", prev="650.15").replace("650150.0", "65015000.0")
    text = text.replace("1296000.0", "129600000.0")
    s = read_price_file(write(tmp_path, "688795.SS.csv", text))
    assert list(s.frame.volume) == [100000.0, 200000.0]


def test_akshare_previous_close_break_is_an_intraday_snapshot(tmp_path: Path) -> None:
    s = read_price_file(write(tmp_path, "688795.SS.csv", AKSHARE_CN.format(adj="不复权", prev="655.42")))
    snaps = [i for i in s.issues if i.kind == "intraday_snapshot"]
    assert [i.date for i in snaps] == [pd.Timestamp("2026-01-13")]
    assert "650.15" in snaps[0].detail and "655.42" in snaps[0].detail


def test_eastmoney_kline(tmp_path: Path) -> None:
    header = "code,name,market,secid,date,open,close,high,low,volume,amount,amplitude,pct_chg,chg,turnover,"
    header += "meta_decimal,meta_dktotal,meta_preKPrice\n"
    text = header + (
        "688347,华虹公司,1,1.688347,2026-01-21,139.0,140.0,142.0,138.0,1000,14000000.0,2.9,0.5,0.7,0.6,2,588,51.85\n"
        "688347,华虹公司,1,1.688347,2026-01-22,140.0,141.29,143.0,139.5,1200,16900000.0,2.5,0.92,1.29,0.7,2,588,51.85\n"
        "688347,华虹公司,1,1.688347,2026-01-23,141.0,142.58,144.0,140.0,1300,18500000.0,2.8,1.42,2.0,0.8,2,588,51.85\n"
    )
    s = read_price_file(write(tmp_path, "hua_hong_a.csv", text, newline="\r\n"))
    assert (s.symbol, s.layout, s.adjusted, s.exchange) == ("688347.SS", "eastmoney_kline", "forward", "SSE")
    assert list(s.frame.close) == [140.0, 141.29, 142.58]
    assert list(s.frame.volume) == [100000.0, 120000.0, 130000.0]  # lots of 100
    # 2026-01-23: close 142.58 - chg 2.0 = 140.58, not the stored 141.29 of the day before.
    snaps = [i for i in s.issues if i.kind == "intraday_snapshot"]
    assert [i.date for i in snaps] == [pd.Timestamp("2026-01-22")]


def test_stocktradebyz_forward_adjusted_lots(tmp_path: Path) -> None:
    text = """date,open,close,high,low,volume,amount,capital
2026-01-13,75.5,76.16,77.0,75.0,2000.5,15236.0,52261.9
2026-01-14,76.0,76.79,77.5,75.8,1500.25,11520.0,52261.9
"""
    s = read_price_file(write(tmp_path, "300474.SZ.csv", text))
    assert (s.layout, s.adjusted, s.exchange) == ("stocktradebyz", "forward", "SZSE")
    assert list(s.frame.close) == [76.16, 76.79]
    assert list(s.frame.high) == [77.0, 77.5]
    assert list(s.frame.volume) == [200050.0, 150025.0]


@pytest.mark.parametrize(
    "text",
    [
        "date,close\n2026-01-13,5869.79\n2026-01-14,5908.26\n",
        "Date,Close,Volume\n2026-01-13,5869.79,0\n2026-01-14,5908.26,0\n",
    ],
)
def test_close_only(tmp_path: Path, text: str) -> None:
    s = read_price_file(write(tmp_path, "HSTECH.HK.csv", text))
    assert (s.symbol, s.layout, s.exchange) == ("HSTECH.HK", "close_only", "HKEX")
    assert list(s.frame.close) == [5869.79, 5908.26]
    assert s.frame.open.isna().all() and s.frame.high.isna().all()
    assert_bar_frame(s.frame)


def test_close_named_for_its_instrument(tmp_path: Path) -> None:
    text = "date,net_buy,hs_index\n2026-01-13,12.5,26848.4700\n2026-01-14,-3.2,26999.8100\n"
    s = read_price_file(write(tmp_path, "southbound.csv", text))
    assert (s.symbol, s.layout, s.adjusted, s.exchange) == ("^HSI", "named_close", "raw", "HKEX")
    assert list(s.frame.close) == [26848.47, 26999.81]
    assert s.frame.volume.isna().all()  # net buying is not volume


@pytest.mark.parametrize(
    ("stem", "symbol"),
    [("0981.HK.tacitlab", "0981.HK"), ("^HSI.southbound", "^HSI"), ("2513.HK", "2513.HK"), ("2513.hk", "2513.hk"),
     ("NVDA", "NVDA"), ("0981.HK.long", "0981.HK")],
)
def test_symbol_from_a_tagged_file_name(stem: str, symbol: str) -> None:
    assert symbol_from_name(stem) == symbol


def test_exchange_from_the_registry_once_the_symbol_is_known(tmp_path: Path) -> None:
    text = "date,close\n2026-01-13,1.0\n2026-01-14,1.1\n"
    s = read_price_file(write(tmp_path, "FOO.csv", text), exchange_of=lambda sym: "HKEX" if sym == "FOO" else None)
    assert s.exchange == "HKEX"
