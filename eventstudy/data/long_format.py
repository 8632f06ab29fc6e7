"""Long-format returns or prices: one row per security and day (``symbol,date,return`` or
``symbol,date,close``), in CSV or Parquet, a single file or a partitioned dataset (hive folders such
as ``symbol=AAPL/`` or ``year=2020/``), read through :mod:`pyarrow.dataset`.

Only what a study needs is read: the securities of its events (and the market's) and, once their
own days are known, the dates from the earliest estimation day to the last event-window (or
fallback) day. The securities and dates go to the dataset as filters, so a partitioned dataset
skips whole folders and a Parquet file whole row groups; rows come in batches, so memory is the
panel being built plus one batch, whatever the dataset's size.

:class:`LongData` is small and picklable: a distributed task gets it and reads its own securities'
rows where it runs (see :mod:`eventstudy.stats.distributed`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from eventstudy.errors import UserError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

# Accepted column names (any case), first match wins.
SYMBOL_NAMES = ("symbol", "ticker", "permno", "security")
DATE_NAMES = ("date", "day", "trade_date")
RETURN_NAMES = ("return", "ret", "returns")
PRICE_NAMES = ("close", "price", "prc", "adj_close")
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
BATCH_ROWS = 256 * 1024


@dataclass(frozen=True)
class LongData:
    """Where a long dataset is and which of its columns hold the symbol, the date and the value
    (``kind``: "returns" or "prices")."""

    path: str
    format: str
    hive: bool
    symbol: str
    date: str
    value: str
    kind: str

    def dataset(self) -> ds.Dataset:
        return _open(Path(self.path), self.format, self.hive)

    def own_dates(self, symbols: Sequence[str]) -> Scan:
        """Each of ``symbols``' dates with a value (sorted), and the dates of all their rows: the
        study's trading days, before any date is known to be unneeded. Reads two or three columns."""
        codes = {s: i for i, s in enumerate(symbols)}
        parts_code: list[np.ndarray] = []
        parts_date: list[np.ndarray] = []
        parts_valid: list[np.ndarray] = []
        rows = 0
        for batch in self._batches(symbols, None, None):
            code, when, value = self._columns(batch, codes)
            rows += len(code)
            parts_code.append(code)
            parts_date.append(when)
            parts_valid.append(np.isfinite(value))
        code = np.concatenate(parts_code) if parts_code else np.empty(0, np.intp)
        when = np.concatenate(parts_date) if parts_date else np.empty(0, "datetime64[ns]")
        valid = np.concatenate(parts_valid) if parts_valid else np.empty(0, bool)
        calendar = np.unique(when)
        own: dict[str, np.ndarray] = {}
        order = np.lexsort((when, code))
        code, when, valid = code[order], when[order], valid[order]
        bounds = np.searchsorted(code, np.arange(len(symbols) + 1))
        for i, s in enumerate(symbols):
            lo, hi = bounds[i], bounds[i + 1]
            if hi > lo:
                own[s] = np.unique(when[lo:hi][valid[lo:hi]])
        return Scan(own, calendar, rows)

    def frame(self, symbols: Sequence[str], calendar: np.ndarray) -> tuple[pd.DataFrame, int]:
        """The wide frame (``calendar`` x ``symbols``, NaN where there is no row) and how many rows
        were read: rows on dates outside the calendar's span are never read."""
        import pandas as pd

        codes = {s: i for i, s in enumerate(symbols)}
        cal = np.asarray(calendar, dtype="datetime64[ns]")
        values = np.full((len(cal), len(symbols)), np.nan)
        seen = np.zeros(values.shape, dtype=bool)
        rows = 0
        start, end = (cal[0], cal[-1]) if len(cal) else (None, None)
        for batch in self._batches(symbols, start, end):
            code, when, value = self._columns(batch, codes)
            rows += len(code)
            pos = np.searchsorted(cal, when)
            inside = pos < len(cal)
            inside[inside] = cal[pos[inside]] == when[inside]
            pos, code, value = pos[inside], code[inside], value[inside]
            twice = seen[pos, code]
            if twice.any():
                k = int(np.argmax(twice))
                raise UserError(f"two rows for {symbols[code[k]]} on {str(cal[pos[k]])[:10]}", file=self.path,
                                field=self.symbol, hint="keep one row per security and date")
            seen[pos, code] = True
            values[pos, code] = value
        index = pd.DatetimeIndex(cal, name="date").as_unit(_date_unit())  # type: ignore[arg-type]
        return pd.DataFrame(values, index=index, columns=list(symbols)), rows

    def _batches(self, symbols: Sequence[str], start: np.datetime64 | None,
                 end: np.datetime64 | None) -> Iterator[pa.RecordBatch]:
        import pyarrow.dataset as ds

        data = self.dataset()
        schema = data.schema
        sym_type = _plain(schema.field(self.symbol).type)
        wanted = [_symbol_value(s, sym_type) for s in symbols]
        where = ds.field(self.symbol).isin([w for w in wanted if w is not None])
        date_type = _plain(schema.field(self.date).type)
        if start is not None:
            where &= ds.field(self.date) >= _date_scalar(start, date_type)
        if end is not None:
            where &= ds.field(self.date) <= _date_scalar(end, date_type)
        try:
            yield from data.to_batches(columns=[self.symbol, self.date, self.value], filter=where,
                                       batch_size=BATCH_ROWS)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise UserError(f"cannot read the dataset: {str(exc).splitlines()[0]}", file=self.path) from None

    def _columns(self, batch: pa.RecordBatch, codes: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A batch's symbol codes, dates (datetime64[ns]) and values (float, NaN where missing)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        sym = batch.column(0)
        if pa.types.is_dictionary(sym.type):
            sym = sym.cast(sym.type.value_type)
        names = pc.cast(sym, pa.string()) if not pa.types.is_string(sym.type) else sym
        keys = pa.array(list(codes), type=pa.string())
        code = pc.index_in(names, value_set=keys).to_numpy(zero_copy_only=False)
        when = _dates(batch.column(1), self)
        value_col = batch.column(2)
        if not (pa.types.is_floating(value_col.type) or pa.types.is_integer(value_col.type)):
            raise UserError(f"the {self.value} column holds {value_col.type}, not numbers", file=self.path,
                            field=self.value, hint=f"write the {self.kind} as plain numbers")
        value = pc.cast(value_col, pa.float64()).to_numpy(zero_copy_only=False)
        keep = ~np.isnan(code.astype(float)) if code.dtype.kind == "f" else np.ones(len(code), bool)
        return code[keep].astype(np.intp), when[keep], value[keep]


@dataclass
class Scan:
    """What :meth:`LongData.own_dates` found: ``own[symbol]`` the dates with a value (securities
    without any row are absent), ``calendar`` every date of their rows, ``rows`` rows read."""

    own: dict[str, np.ndarray]
    calendar: np.ndarray
    rows: int


def looks_long(path: str | Path) -> bool:
    """Whether ``path`` is long data: a folder or a Parquet file, or a CSV whose header names a symbol,
    a date and a value column (a wide CSV's header is a date and the series' names)."""
    p = Path(path)
    if p.is_dir() or FORMATS.get(p.suffix.lower()) == "parquet":
        return True
    names = {n.lower() for n in _csv_header(p)}
    return bool(names & set(SYMBOL_NAMES)) and bool(names & set(DATE_NAMES)) \
        and bool(names & {*RETURN_NAMES, *PRICE_NAMES})


def open_long(path: str | Path, kind: str, what: str) -> LongData:
    """The long dataset at ``path`` holding ``kind`` ("returns" or "prices"), its columns checked.
    A dataset without them is refused naming the file, the columns found and those needed."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"no such file or folder: {path}", field=what)
    fmt = _format_of(p, what)
    hive = p.is_dir() and any(d.is_dir() and "=" in d.name for d in p.iterdir())
    try:
        schema = _open(p, fmt, hive).schema
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the dataset: {str(exc).splitlines()[0]}", file=path, field=what) from None
    by_lower = {n.lower(): n for n in schema.names}
    values = RETURN_NAMES if kind == "returns" else PRICE_NAMES
    found = [next((by_lower[n] for n in names if n in by_lower), None) for names in (SYMBOL_NAMES, DATE_NAMES, values)]
    if None in found:
        other = PRICE_NAMES if kind == "returns" else RETURN_NAMES
        hint = ("it holds prices: pass it with --prices" if kind == "returns" else "it holds returns: pass it with "
                "--returns") if any(n in by_lower for n in other) else \
            f"name them {SYMBOL_NAMES[0]}, {DATE_NAMES[0]} and {values[0]} (or {', '.join(values[1:])})"
        raise UserError(f"long data needs columns symbol, date and {values[0]}; found {', '.join(schema.names)}",
                        file=_first_file(p, fmt), field=what, hint=hint)
    symbol, date, value = (str(f) for f in found)
    import pyarrow as pa

    value_type = _plain(schema.field(value).type)
    if not (pa.types.is_floating(value_type) or pa.types.is_integer(value_type) or pa.types.is_null(value_type)):
        raise UserError(f"the {value} column holds {value_type}, not numbers", file=_first_file(p, fmt), field=what,
                        hint=f"write the {kind} as plain numbers, empty where missing")
    return LongData(str(p), fmt, hive, symbol, date, value, kind)


def _format_of(p: Path, what: str) -> str:
    if p.is_file():
        fmt = FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise UserError("not a .csv or .parquet file", file=p, field=what)
        return fmt
    found = {FORMATS[f.suffix.lower()] for f in p.rglob("*") if f.is_file() and f.suffix.lower() in FORMATS}
    if len(found) != 1:
        raise UserError("the folder holds no .csv or .parquet files" if not found else
                        "the folder mixes .csv and .parquet files", file=p, field=what,
                        hint="a dataset folder holds files of one format")
    return found.pop()


def _first_file(p: Path, fmt: str) -> Path:
    if p.is_file():
        return p
    return next((f for f in sorted(p.rglob(f"*.{'parquet' if fmt == 'parquet' else 'csv'}"))), p)


def _open(p: Path, fmt: str, hive: bool) -> ds.Dataset:
    import pyarrow.dataset as ds

    if p.is_dir():
        # Only the dataset's own files: a folder may hold a README or a _SUCCESS marker.
        return ds.dataset(str(p), format=fmt, partitioning="hive" if hive else None,
                          exclude_invalid_files=True, ignore_prefixes=[".", "_"])
    return ds.dataset(str(p), format=fmt)


def _csv_header(p: Path) -> list[str]:
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return []  # the wide reader says what is wrong with the file


def _plain(t: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    return t.value_type if pa.types.is_dictionary(t) else t


def _symbol_value(symbol: str, t: pa.DataType) -> object:
    """A symbol as the dataset's symbol column holds it (numbers for a numeric column such as PERMNO)."""
    import pyarrow as pa

    if pa.types.is_integer(t):
        try:
            return int(symbol)
        except ValueError:
            return None
    return symbol


def _date_scalar(day: np.datetime64, t: pa.DataType) -> object:
    """``day`` as a scalar of the date column's type, so the filter reaches the files' statistics."""
    import pyarrow as pa

    stamp = dt.date.fromisoformat(str(day)[:10])
    if pa.types.is_date(t):
        return pa.scalar(stamp, type=t)
    if pa.types.is_timestamp(t):
        return pa.scalar(dt.datetime.combine(stamp, dt.time()), type=t)
    return stamp.isoformat()  # ISO text sorts as the dates do


def _dates(col: pa.Array, data: LongData) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = _plain(col.type)
    if pa.types.is_dictionary(col.type):
        col = col.cast(t)
    try:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            col = pc.strptime(col, format="%Y-%m-%d", unit="s")
        out = pc.cast(col, pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise UserError(f"cannot read dates: {str(exc).splitlines()[0]}", file=data.path, field=data.date,
                        hint="write dates as YYYY-MM-DD") from None
    if np.isnat(out).any():
        raise UserError("a row without a date", file=data.path, field=data.date, hint="give every row a date")
    return out.astype("datetime64[ns]")


def _date_unit() -> str:
    """The unit pandas gives dates it parses (the wide reader's): microseconds from pandas 3."""
    import pandas as pd

    return str(pd.to_datetime(pd.Series(["2000-01-03"]), format="mixed").dt.unit)


def symbols_in(events_symbols: Iterable[str], extra: Iterable[str | None]) -> list[str]:
    """The securities to read: the events' in first-seen order, then the benchmarks named as columns."""
    out = dict.fromkeys(str(s) for s in events_symbols)
    out.update(dict.fromkeys(s for s in extra if s))
    return list(out)
