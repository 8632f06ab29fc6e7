"""Read every known daily price-file layout into the canonical bar frame.

The layout is recognised from the header alone (never the file name), and columns are mapped by
name, never by position: baostock writes ``close`` before ``high``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.data import admission, calendars, quality
from eventstudy.data.quality import QualityIssue
from eventstudy.errors import UserError

BAR_COLUMNS = ["open", "high", "low", "close", "adj_close", "volume", "dividends", "splits", "final"]
VALUE_COLUMNS = ["open", "high", "low", "close", "adj_close", "volume", "dividends", "splits"]
# Neighbour repeats are judged on prices only: csindex writes a different turnover on the copy.
REPEAT_COLUMNS = ["open", "high", "low", "close"]
MISSING_TOKENS = frozenset({"", "nan", "null", "none", "na", "n/a"})

# yfinance column names (Ticker.history and yf.download); matched case-sensitively, which is what
# tells them apart from akshare's lowercase headers.
_YF_NAMES = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
    "Dividends": "dividends",
    "Stock Splits": "splits",
}
_YF_IGNORED = {"Capital Gains", "Repaired?"}
_BAOSTOCK_MARKERS = {"pctChg", "turn", "preclose", "adjustflag", "tradestatus", "isST", "peTTM"}
_AKSHARE_CN = {
    "日期": "date",
    "开盘": "open",
    "收盘": "close",
    "最高": "high",
    "最低": "low",
    "成交量": "volume",
}

LAYOUTS = {
    "yfinance_history": "yfinance Ticker.history export: Date,Open,High,Low,Close,Volume[,Dividends,...]",
    "yf_download_2row": "yf.download two-row header: Ticker,Date,Open,... then ,,SYMBOL,SYMBOL,...",
    "yf_download_multiindex": "yf.download 3-row header: Price,Close,... / Ticker,SYM,... / Date,,...",
    "baostock": "baostock: date,open,close,high,low,volume,amount,turn,pctChg",
    "akshare": "akshare: date,open,high,low,close[,volume]",
    "akshare_cn": "akshare Chinese header: 日期,开盘,收盘,最高,最低,成交量",
    "csindex": "csindex.com.cn: date,open,high,low,close,amount_yi,pe",
    "firstbar_lastbar": "daily bars from 1-minute bars: Date,Open_firstbar,High,Low,Close_lastbar",
    "tushare_hk_daily": "Tushare hk_daily: ts_code,trade_date (YYYYMMDD),open,high,low,close,pre_close,...,vol",
    "tencent_kline": "Tencent kline: date,symbol,currency,open,close,high,low,volume",
    "eastmoney_kline": "eastmoney kline: code,name,market,secid,date,open,close,high,low,volume (lots),...,chg",
    "stocktradebyz": "tushare-style qfq: date,open,close,high,low,volume (lots),amount,capital",
    "close_only": "close only: date,close or Date,Close[,Volume]",
    "named_close": "a close named for its instrument: date,...,hs_index (see NAMED_CLOSES)",
}

# "unadjusted": close as traded and no adjustment known (stocks; dividends make the returns across an
# ex-date too low); "forward"/"backward": forward- (qfq) or backward-adjusted (hfq) closes.
ADJUSTED_KINDS = ("auto", "adj_close", "raw", "unadjusted", "forward", "backward", "unknown")
# akshare's 复权状态 column and its values.
_AKSHARE_ADJUST = {"不复权": "unadjusted", "前复权": "forward", "后复权": "backward"}
# A close column named for the instrument it measures (the rest of such a file is other data).
NAMED_CLOSES = {"hs_index": "^HSI", "hsi": "^HSI", "hstech": "HSTECH.HK", "hs_tech": "HSTECH.HK"}
# A file's previous close must chain to the bar before within this relative tolerance.
PREV_CLOSE_TOLERANCE = 0.0005


@dataclass
class ImportedSeries:
    """One imported price file.

    ``adjusted``: "auto" (closes already split/dividend adjusted, adj_close == close), "adj_close"
    (close as traded, adjustment in a separate Adj Close column), "raw" (close as traded and the
    source has no adjustment: right for index levels), "unknown" (the layout does not say).
    """

    symbol: str
    frame: pd.DataFrame
    layout: str
    source: str
    issues: list[QualityIssue] = field(default_factory=list)
    adjusted: str = "unknown"
    exchange: str | None = None
    sha256: str = ""  # of the bytes read: a refresh re-imports the file when it changes


@dataclass
class _Parsed:
    layout: str
    columns: dict[str, int]  # canonical name -> column position
    date_col: int
    header_lines: int
    header_names: list[str]
    symbol: str | None = None
    adjusted: str = "unknown"
    tickers: list[str] = field(default_factory=list)
    # The source's own previous close: a column of it, or a change column (prev = close - change).
    prev_close: int | None = None
    change: int | None = None
    volume_scale: float = 1.0  # 100 where the volume is in lots of 100 shares


def infer_exchange(symbol: str) -> str | None:
    """Exchange from a Yahoo-style symbol, used when the caller has no registry entry.

    ``.HK`` and ``^HS...`` -> HKEX, ``.SS`` -> SSE, ``.SZ`` -> SZSE, ``.CSI`` (csindex indices,
    computed on mainland sessions) -> SSE, no suffix -> NYSE (US listings and ``^GSPC``-style
    indices); any other suffix -> None (calendar checks are skipped).
    """
    s = symbol.strip().upper()
    if s.startswith("^HS"):
        return "HKEX"
    if "." not in s:
        return "NYSE"
    suffix = s.rsplit(".", 1)[1]
    return {"HK": "HKEX", "SS": "SSE", "SZ": "SZSE", "CSI": "SSE"}.get(suffix)


def symbol_from_name(stem: str) -> str:
    """The symbol a file name gives: ``SYMBOL.csv`` or ``SYMBOL.tag.csv``, where ``tag`` (a lowercase
    word of four or more letters such as ``tencent`` or ``southbound``) names the source, so that
    several files for one symbol can sit side by side."""
    head, _, tag = stem.rpartition(".")
    if head and len(tag) >= 4 and tag.isalpha() and tag.islower():
        return head
    return stem


def read_price_file(
    path: str | Path,
    symbol: str | None = None,
    exchange: str | None = None,
    exchange_of: Callable[[str], str | None] | None = None,
) -> ImportedSeries:
    """Read a daily price file of any known layout into a bar frame with its quality issues.

    ``exchange`` (from the securities registry) decides which dates are sessions; when None it is
    looked up with ``exchange_of(symbol)`` once the symbol is known from the file, else inferred
    from the symbol (see :func:`infer_exchange`).
    """
    path = Path(path)
    rows, sha256 = _read_rows(path)
    parsed = _detect(path, rows)
    data = rows[parsed.header_lines :]
    if not data:
        raise UserError("the file has a header but no price rows", file=path, line=parsed.header_lines + 1)
    sym = symbol or parsed.symbol or symbol_from_name(path.stem)
    admission.check_symbol(sym, file=path, field="--symbol" if symbol else "symbol")
    exch = exchange if exchange is not None else (exchange_of(sym) if exchange_of else None) or infer_exchange(sym)
    if exch is not None:
        calendars.calendar_code(exch)  # an unknown exchange fails here, before any work
    date_name = _date_name(parsed)
    admission.check_daily(path, data, parsed.date_col, date_name)
    frame, lines = _to_frame(path, parsed, data, symbol)
    admission.check_dates(path, pd.DatetimeIndex(frame.index), lines, date_name)
    admission.check_usable(path, frame, "close")
    frame, issues = _clean(frame, lines, exch)
    prev_close = frame.pop("prev_close") if "prev_close" in frame else None
    frame = frame[BAR_COLUMNS]
    issues += quality.check(frame, exch)
    if prev_close is not None:
        issues += quality.prev_close_breaks(frame["close"], prev_close, PREV_CLOSE_TOLERANCE)
    return ImportedSeries(
        symbol=sym,
        frame=frame,
        layout=parsed.layout,
        source=str(path),
        issues=issues,
        adjusted=parsed.adjusted,
        exchange=exch,
        sha256=sha256,
    )


def _date_name(parsed: _Parsed) -> str:
    return parsed.header_names[parsed.date_col] if parsed.date_col < len(parsed.header_names) else "date"


def _read_rows(path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    """The file's non-empty rows (with their line numbers) and the SHA-256 of its bytes, one read."""
    if not path.exists():
        raise UserError("price file not found", file=path, hint="check the path")
    if path.is_dir():
        raise UserError("expected a price file, found a directory", file=path)
    raw = admission.read_bounded(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Chinese data tools often write GBK when not told otherwise.
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UserError("the file is neither UTF-8 nor GBK text", file=path) from exc
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise UserError(f"not a readable CSV file: {exc}", file=path, line=reader.line_num) from exc
    if not rows:
        raise UserError("the file is empty", file=path, hint="export the prices again")
    return rows, hashlib.sha256(raw).hexdigest()


def _unknown(path: Path, header: list[str], extra: str = "") -> UserError:
    supported = "; ".join(LAYOUTS.values())
    return UserError(
        f"unknown price-file layout{extra}; header found: {','.join(header)!r}",
        file=path,
        line=1,
        hint=f"supported layouts: {supported}",
    )


def _detect(path: Path, rows: list[tuple[int, list[str]]]) -> _Parsed:
    header = rows[0][1]
    second = rows[1][1] if len(rows) > 1 else []
    detectors: list[Callable[[Path, list[str], list[str], list[tuple[int, list[str]]]], _Parsed | None]] = [
        _detect_multiindex,
        _detect_2row,
        _detect_close_only,
        _detect_yf_history,
        _detect_firstbar,
        _detect_tushare,
        _detect_tencent,
        _detect_eastmoney,
        _detect_lowercase,
        _detect_named_close,
        _detect_akshare_cn,
    ]
    for detect in detectors:
        parsed = detect(path, header, second, rows)
        if parsed is not None:
            return parsed
    lowered = [h.lower() for h in header]
    if "datetime" in lowered or "time" in lowered:
        raise _unknown(path, header, " (intraday bars? aggregate them to daily first)")
    raise _unknown(path, header)


def _yf_columns(path: Path, names: list[str], skip: set[int]) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for i, name in enumerate(names):
        if i in skip or name in _YF_IGNORED:
            continue
        if name not in _YF_NAMES:
            return None
        cols[_YF_NAMES[name]] = i
    return cols if "close" in cols else None


def _detect_multiindex(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not header or not second or {header[0].lower(), second[0].lower()} != {"price", "ticker"}:
        return None
    prices, tickers = (header, second) if header[0].lower() == "price" else (second, header)
    if len(tickers) < len(prices):
        tickers = tickers + [""] * (len(prices) - len(tickers))
    header_lines = 2
    if len(rows) > 2:
        third = rows[2][1]
        if third[0].lower() in ("date", "datetime") and not any(third[1:]):
            header_lines = 3
    distinct = [t for t in dict.fromkeys(tickers[1:]) if t]
    return _Parsed(
        layout="yf_download_multiindex",
        columns={},  # resolved in _multiindex_columns, once the wanted symbol is known
        date_col=0,
        header_lines=header_lines,
        header_names=prices,
        symbol=distinct[0] if len(distinct) == 1 else None,
        adjusted="auto",
        tickers=tickers,
    )


def _multiindex_columns(path: Path, parsed: _Parsed, symbol: str | None) -> dict[str, int]:
    prices, tickers = parsed.header_names, parsed.tickers
    distinct = [t for t in dict.fromkeys(tickers[1:]) if t]
    want = symbol if len(distinct) > 1 else None
    if len(distinct) > 1 and (symbol is None or symbol not in distinct):
        raise UserError(
            f"the file holds several tickers ({', '.join(distinct)})",
            file=path,
            line=2,
            hint="pass the symbol to import one of them",
        )
    skip = {i for i, t in enumerate(tickers) if i == 0 or (want is not None and t != want)}
    cols = _yf_columns(path, prices, skip)
    if cols is None:
        raise _unknown(path, prices, " (yf.download header with unknown price fields)")
    return cols


def _detect_2row(path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]) -> _Parsed | None:
    if "Ticker" not in header or "Date" not in header or not second:
        return None
    date_col = header.index("Date")
    ticker_col = header.index("Ticker")
    if date_col < len(second) and second[date_col]:
        return None
    cols = _yf_columns(path, header, {date_col, ticker_col})
    if cols is None:
        return None
    tickers = [second[i] for i in cols.values() if i < len(second) and second[i]]
    distinct = list(dict.fromkeys(tickers))
    return _Parsed(
        layout="yf_download_2row",
        columns=cols,
        date_col=date_col,
        header_lines=2,
        header_names=header,
        symbol=distinct[0] if len(distinct) == 1 else None,
        adjusted="adj_close" if "adj_close" in cols else "auto",
    )


def _detect_yf_history(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not header or header[0] != "Date":
        return None
    cols = _yf_columns(path, header, {0})
    if cols is None:
        return None
    return _Parsed(
        layout="yfinance_history",
        columns=cols,
        date_col=0,
        header_lines=1,
        header_names=header,
        adjusted="adj_close" if "adj_close" in cols else "auto",
    )


def _detect_firstbar(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    lowered = [h.lower() for h in header]
    if "open_firstbar" not in lowered or "close_lastbar" not in lowered or lowered[0] != "date":
        return None
    names = {
        "open_firstbar": "open",
        "high": "high",
        "low": "low",
        "close_lastbar": "close",
        "volume": "volume",
    }
    cols = {names[h]: i for i, h in enumerate(lowered) if h in names}
    return _Parsed("firstbar_lastbar", cols, 0, 1, header, adjusted="raw")


def _detect_lowercase(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not header or header[0] != "date" or "close" not in header:
        return None
    names = set(header)
    base = {h: i for i, h in enumerate(header) if h in ("open", "high", "low", "close", "volume")}
    if names & _BAOSTOCK_MARKERS:
        adjusted = "unknown"
        if "adjustflag" in header:
            flags = {r[header.index("adjustflag")] for _, r in rows[1:] if len(r) > header.index("adjustflag")}
            # baostock: 3 = as traded, 1/2 = backward/forward adjusted.
            adjusted = "raw" if flags == {"3"} else "auto" if flags and flags <= {"1", "2"} else "unknown"
        return _Parsed("baostock", base, 0, 1, header, adjusted=adjusted)
    if "capital" in names and "amount" in names:
        # StockTradebyZ's tushare-derived files: forward-adjusted, volume in lots.
        parsed = _Parsed("stocktradebyz", base, 0, 1, header, adjusted="forward")
        parsed.volume_scale = 100.0
        return parsed
    if "amount_yi" in names or "pe" in names:
        base.pop("volume", None)
        # Index levels from the index provider: nothing to adjust.
        return _Parsed("csindex", base, 0, 1, header, adjusted="raw")
    if {"open", "high", "low"} <= names:
        return _Parsed("akshare", base, 0, 1, header, adjusted="unknown")
    return None


def _detect_akshare_cn(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not header or header[0] != "日期" or "收盘" not in header:
        return None
    cols = {_AKSHARE_CN[h]: i for i, h in enumerate(header) if h in _AKSHARE_CN and h != "日期"}
    adjusted = "unknown"
    if "复权状态" in header:
        states = _column_values(rows, header.index("复权状态"))
        kinds = {_AKSHARE_ADJUST.get(v, "unknown") for v in states}
        adjusted = kinds.pop() if len(kinds) == 1 else "unknown"
    parsed = _Parsed("akshare_cn", cols, 0, 1, header, adjusted=adjusted)
    parsed.prev_close = _index(header, "前收盘")
    parsed.change = _index(header, "涨跌额") if parsed.prev_close is None else None
    if "成交额" in header and "volume" in cols:
        parsed.volume_scale = _lot_scale(rows, cols["volume"], cols["close"], header.index("成交额"))
    return parsed


def _index(header: list[str], name: str) -> int | None:
    return header.index(name) if name in header else None


def _column_values(rows: list[tuple[int, list[str]]], pos: int) -> set[str]:
    return {r[pos] for _, r in rows[1:] if len(r) > pos and r[pos]}


def _lot_scale(rows: list[tuple[int, list[str]]], volume: int, close: int, amount: int) -> float:
    """100 when the volume counts lots of 100 shares: turnover / (volume x close) is then ~100."""
    table = pd.DataFrame([r for _, r in rows[1:]], dtype=str)
    width = table.shape[1]
    if max(volume, close, amount) >= width:
        return 1.0
    num = table[[volume, close, amount]].apply(pd.to_numeric, errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (num[amount] / (num[volume] * num[close])).replace([np.inf, -np.inf], np.nan).median()
    return 100.0 if np.isfinite(ratio) and 30 < ratio < 300 else 1.0


def _yahoo_code(code: str) -> str | None:
    """``02513.HK`` -> ``2513.HK``, ``600000.SH`` -> ``600000.SS``, ``000977.SZ`` kept; else None."""
    head, _, suffix = code.strip().upper().rpartition(".")
    if not head.isdigit():
        return None
    if suffix == "HK":
        return f"{int(head):04d}.HK"
    if suffix in ("SH", "SS"):
        return f"{head}.SS"
    if suffix == "SZ":
        return f"{head}.SZ"
    return None


def _one_symbol(path: Path, rows: list[tuple[int, list[str]]], pos: int, name: str) -> str | None:
    codes = _column_values(rows, pos)
    if len(codes) > 1:
        raise UserError(
            f"the file mixes several instruments ({', '.join(sorted(codes)[:4])})",
            file=path,
            field=name,
            hint="split it into one file per instrument",
        )
    return next(iter(codes), None)


def _detect_tushare(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if "ts_code" not in header or "trade_date" not in header or "close" not in header:
        return None
    names = {"open": "open", "high": "high", "low": "low", "close": "close", "vol": "volume"}
    cols = {names[h]: i for i, h in enumerate(header) if h in names}
    code = _one_symbol(path, rows, header.index("ts_code"), "ts_code")
    # hk_daily: as traded (Tushare's adjusted HK series come from a different endpoint and header).
    parsed = _Parsed("tushare_hk_daily", cols, header.index("trade_date"), 1, header, adjusted="unadjusted")
    parsed.symbol = _yahoo_code(code) if code else None
    parsed.prev_close = _index(header, "pre_close")
    return parsed


def _detect_tencent(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not header or header[0] != "date" or not {"symbol", "currency", "close"} <= set(header):
        return None
    base = {h: i for i, h in enumerate(header) if h in ("open", "high", "low", "close", "volume")}
    # The gtimg "day" kline as written by stock-analyst: unadjusted bars, volume in shares.
    parsed = _Parsed("tencent_kline", base, 0, 1, header, adjusted="unadjusted")
    parsed.symbol = _one_symbol(path, rows, header.index("symbol"), "symbol")
    return parsed


def _detect_eastmoney(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not {"code", "secid", "date", "close"} <= set(header):
        return None
    base = {h: i for i, h in enumerate(header) if h in ("open", "high", "low", "close", "volume")}
    # The eastmoney kline scrapers ask for fqt=1 (forward-adjusted) and get volume in lots.
    parsed = _Parsed("eastmoney_kline", base, header.index("date"), 1, header, adjusted="forward")
    parsed.volume_scale = 100.0
    parsed.change = _index(header, "chg")
    secid = _one_symbol(path, rows, header.index("secid"), "secid")
    if secid and "." in secid:
        market, _, code = secid.partition(".")
        parsed.symbol = {"1": f"{code}.SS", "0": f"{code}.SZ"}.get(market)
    return parsed


def _detect_close_only(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    lowered = [h.lower() for h in header]
    if not lowered or lowered[0] != "date" or "close" not in lowered or not set(lowered) <= {"date", "close", "volume"}:
        return None
    cols = {h: i for i, h in enumerate(lowered) if h in ("close", "volume")}
    return _Parsed("close_only", cols, 0, 1, header, adjusted="unknown")


def _detect_named_close(
    path: Path, header: list[str], second: list[str], rows: list[tuple[int, list[str]]]
) -> _Parsed | None:
    if not header or header[0].lower() != "date":
        return None
    named = [i for i, h in enumerate(header) if h.lower() in NAMED_CLOSES]
    if len(named) != 1:
        return None
    # An index level: nothing to adjust.
    parsed = _Parsed("named_close", {"close": named[0]}, 0, 1, header, adjusted="raw")
    parsed.symbol = NAMED_CLOSES[header[named[0]].lower()]
    return parsed


_DATE_RE = (
    r"^(?P<y>\d{4})(?P<sep>[-/]?)(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)


def _parse_dates(path: Path, raw: pd.Series, lines: np.ndarray, name: str) -> pd.DatetimeIndex:
    """Local session dates; a tz-aware stamp keeps the date as written, which is the local one."""
    parts = raw.str.extract(_DATE_RE)
    compact_bad = (parts["sep"] == "") & ((parts["m"].str.len() != 2) | (parts["d"].str.len() != 2))
    dates = pd.to_datetime({"year": parts["y"], "month": parts["m"], "day": parts["d"]}, errors="coerce")
    bad = dates.isna().to_numpy() | compact_bad.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UserError(
            f"cannot read date {raw.iloc[i]!r}",
            file=path,
            line=int(lines[i]),
            field=name,
            hint="dates must look like 2026-01-14",
        )
    return pd.DatetimeIndex(dates, name="date").as_unit("ns")


def _parse_numbers(path: Path, raw: pd.Series, lines: np.ndarray, name: str) -> np.ndarray:
    # Only a quoted "1,234.5" loses its commas; "1,5" stays unreadable rather than becoming 15.
    thousands = raw.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?").fillna(False).astype(bool)
    text = raw.where(~thousands, raw.str.replace(",", "", regex=False))
    missing = text.str.lower().isin(MISSING_TOKENS).to_numpy()
    values = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(dtype=float)
    bad = ~missing & ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UserError(f"cannot read number {raw.iloc[i]!r}", file=path, line=int(lines[i]), field=name)
    return values


def _to_frame(
    path: Path, parsed: _Parsed, data: list[tuple[int, list[str]]], symbol: str | None
) -> tuple[pd.DataFrame, np.ndarray]:
    if parsed.layout == "yf_download_multiindex":
        parsed.columns = _multiindex_columns(path, parsed, symbol)
        parsed.adjusted = "adj_close" if "adj_close" in parsed.columns else "auto"
    lines = np.array([ln for ln, _ in data], dtype=np.int64)
    width = max(max(len(r) for _, r in data), len(parsed.header_names))
    padded = [r + [""] * (width - len(r)) for _, r in data]
    table = pd.DataFrame(padded, dtype=str)
    index = _parse_dates(path, table[parsed.date_col], lines, _date_name(parsed))
    out: dict[str, np.ndarray] = {}
    for canon, pos in parsed.columns.items():
        out[canon] = _parse_numbers(path, table[pos], lines, parsed.header_names[pos])
    n = len(table)
    nan = np.full(n, np.nan)
    frame = pd.DataFrame(
        {
            "open": out.get("open", nan),
            "high": out.get("high", nan),
            "low": out.get("low", nan),
            "close": out["close"],
            "adj_close": out.get("adj_close", out["close"]),
            "volume": out.get("volume", nan),
            "dividends": out.get("dividends", nan),
            "splits": out.get("splits", nan),
            "final": np.ones(n, dtype=bool),
        },
        index=index,
    )
    frame[VALUE_COLUMNS] = frame[VALUE_COLUMNS].astype("float64")
    frame["volume"] *= parsed.volume_scale
    if parsed.prev_close is not None:
        pos = parsed.prev_close
        frame["prev_close"] = _parse_numbers(path, table[pos], lines, parsed.header_names[pos])
    elif parsed.change is not None:
        change = _parse_numbers(path, table[parsed.change], lines, parsed.header_names[parsed.change])
        frame["prev_close"] = frame["close"].to_numpy() - change
    return frame, lines


def _same_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise equality where NaN equals NaN (a blank open repeats a blank open)."""
    return ((a == b) | (np.isnan(a) & np.isnan(b))).all(axis=1)


def _clean(frame: pd.DataFrame, lines: np.ndarray, exchange: str | None) -> tuple[pd.DataFrame, list[QualityIssue]]:
    """Sort, drop rows without a close, resolve duplicate dates, drop bars on non-sessions."""
    issues: list[QualityIssue] = []
    order = np.argsort(frame.index.to_numpy(), kind="stable")
    frame, lines = frame.iloc[order], lines[order]

    blank = frame["close"].isna().to_numpy()
    if blank.any():
        dropped = frame.index[blank]
        issues.append(
            QualityIssue(
                "missing_session",
                pd.Timestamp(dropped[0]),
                f"{blank.sum()} rows without a close dropped ({dropped[0].date()}..{dropped[-1].date()})",
                "info",
            )
        )
        frame, lines = frame.loc[~blank], lines[~blank]

    dup = frame.index.duplicated(keep="first")
    if dup.any():
        values = frame[VALUE_COLUMNS].to_numpy(dtype=float)  # prev_close may differ on a twin row
        first_pos = pd.Series(np.arange(len(frame)), index=frame.index).groupby(level=0).transform("first")
        firsts = values[first_pos.to_numpy()]
        identical = _same_values(values, firsts)
        for i in np.flatnonzero(dup).tolist():
            d = pd.Timestamp(frame.index[i])
            kept = int(lines[first_pos.iloc[i]])
            if identical[i]:
                issues.append(
                    QualityIssue("duplicate_date", d, f"line {lines[i]} repeats line {kept}; kept one", "warning")
                )
            else:
                issues.append(
                    QualityIssue(
                        "duplicate_date",
                        d,
                        f"line {lines[i]} conflicts with line {kept}; kept line {kept}",
                        "error",
                    )
                )
        frame, lines = frame.loc[~dup], lines[~dup]

    if exchange is not None and len(frame):
        frame, extra = _drop_non_sessions(frame, lines, exchange)
        issues += extra
    frame.index.name = "date"
    return frame, issues


def _drop_non_sessions(
    frame: pd.DataFrame, lines: np.ndarray, exchange: str
) -> tuple[pd.DataFrame, list[QualityIssue]]:
    # A bar on a closed day cannot be a session; kept, it would become a zero return or a fake move.
    lo, hi = calendars.bounds(exchange)
    idx = pd.DatetimeIndex(frame.index)
    inside = (idx >= lo) & (idx <= hi)
    if not inside.any():
        return frame, []
    sess = pd.DatetimeIndex(calendars.get_calendar(exchange).sessions_in_range(idx[inside].min(), idx[inside].max()))
    if sess.tz is not None:
        sess = sess.tz_localize(None)
    off = inside & ~idx.isin(sess)
    if not off.any():
        return frame, []
    prices = frame[REPEAT_COLUMNS].to_numpy(dtype=float)
    issues = []
    for i in np.flatnonzero(off).tolist():
        d = pd.Timestamp(idx[i])
        twin = None
        for j in (i + 1, i - 1):
            if 0 <= j < len(frame) and _same_values(prices[i : i + 1], prices[j : j + 1])[0]:
                twin = j
                break
        if twin is not None:
            issues.append(
                QualityIssue(
                    "repeated_neighbour",
                    d,
                    f"line {lines[i]}: {d.date()} is not a trading session of {exchange} (holiday) and repeats the "
                    f"prices of {idx[twin].date()}; dropped",
                    "warning",
                )
            )
        else:
            issues.append(
                QualityIssue(
                    "holiday_row",
                    d,
                    f"line {lines[i]}: {d.date()} is not a trading session of {exchange}; bar dropped",
                    "warning",
                )
            )
    return frame.loc[~off], issues
