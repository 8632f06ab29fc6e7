"""Embedded Parquet store of bar frames: one file per security, no server.

Why Parquet: the files are typed and compressed, and any tool reads them without this package
(pandas, polars, duckdb, R arrow, Spark). One file per security keeps every write small and
independent, and an atomic replace of one file is a single ``os.replace`` (rename) on the same
file system, so a crash never leaves a half-written security behind.

Format (stable; other tools may rely on it)
-------------------------------------------
Layout under the data directory ``<home>``::

    <home>/prices/<encoded symbol>.parquet   one security
    <home>/prices/.lock                      writer lock (filelock)

``<encoded symbol>`` is the symbol percent-encoded (``urllib.parse.quote(symbol, safe="")``), so
``^HSI`` is stored as ``%5EHSI.parquet``; the real symbol is also kept in the file metadata.

Columns: ``date`` (timestamp, tz-naive midnight of the exchange-local session date; sorted,
unique), ``open, high, low, close, adj_close, volume, dividends, splits`` (float64) and ``final``
(bool). This is the bar frame of ``docs/architecture.md``; pandas restores ``date`` as the index.
Optional ``source`` (string): the label (file name, or ``yahoo``) of the source each bar came from,
written when an import merged several sources (see ``eventstudy/data/sources.py``).

Key-value metadata of the Parquet schema (UTF-8 strings):

- ``symbol``: the real symbol, e.g. ``^HSI``
- ``source``: ``yahoo`` or the path of the imported file
- ``layout``: the source layout (e.g. ``yahoo-chart-v8`` or an importer's layout name)
- ``fetched_at``: UTC ISO-8601 time the data was fetched or imported
- ``yfinance_version``: for Yahoo data, the yfinance version that parsed it
- ``adjusted``: ``raw`` (``close`` as traded, ``adj_close`` adjusted) or ``auto`` (only adjusted
  closes were available, so ``adj_close == close``); for imported files the importer's kind:
  ``unadjusted`` (as traded, no adjustment known), ``forward`` / ``backward`` (qfq / hfq),
  ``adj_close``, ``unknown``, or ``mixed`` when merged sources differ (see ``sources``)
- ``sources``: JSON list, one object per source of the series: ``label`` (as in the ``source``
  column), ``path``, ``layout``, ``adjusted``, ``first``, ``last``, ``rows``, ``bars_used``
- ``merge_rule``: JSON object ``{prefer, tolerance}``: the rule that chose among the sources
- ``exchange``: the exchange code (HKEX, SSE, SZSE, NYSE, NASDAQ)
- ``issues``: JSON list of data-quality issues ``{kind, date, detail, severity, source}``
- ``json_fields``: JSON list naming any further keys whose value is JSON rather than plain text
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import filelock
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from eventstudy.atomic import temp_file
from eventstudy.errors import DataError

FLOAT_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume", "dividends", "splits")
COLUMNS = (*FLOAT_COLUMNS, "final")
STATUS_COLUMNS = ("symbol", "source", "first", "last", "rows", "fetched_at", "last_final", "issues")
# Keys whose value is always JSON in the file; everything else is plain text unless json_fields says so.
_JSON_KEYS = frozenset({"issues"})
_FIX_HINT = "run `eventstudy prices import FILE` or `eventstudy prices fetch {symbol}`"


def encode_symbol(symbol: str) -> str:
    """File-name-safe form of a symbol (``^HSI`` -> ``%5EHSI``)."""
    if not symbol or symbol != symbol.strip():
        raise ValueError(f"invalid symbol {symbol!r}")
    encoded = urllib.parse.quote(symbol, safe="")
    # A leading dot would hide the file and collide with our own dot-files (lock, temps).
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]
    return encoded


def decode_symbol(name: str) -> str:
    return urllib.parse.unquote(name)


def validate_frame(frame: pd.DataFrame, symbol: str = "") -> pd.DataFrame:
    """Check the bar-frame contract and return a canonical copy (column order, dtypes, index name).

    Raises ValueError naming the first violation.
    """
    who = f"{symbol}: " if symbol else ""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{who}expected a DataFrame, got {type(frame).__name__}")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"{who}index must be a DatetimeIndex of session dates")
    if index.tz is not None:
        raise ValueError(f"{who}index must be tz-naive exchange-local session dates, got tz {index.tz}")
    if index.hasnans:
        raise ValueError(f"{who}index contains NaT")
    if not index.is_unique:
        dupes = index[index.duplicated()].unique()
        raise ValueError(f"{who}index has duplicate dates: {[str(d.date()) for d in dupes[:5]]}")
    if not index.is_monotonic_increasing:
        raise ValueError(f"{who}index must be sorted ascending")
    if len(index) and not (index == index.normalize()).all():
        raise ValueError(f"{who}index must be midnight session dates (found times of day)")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{who}missing columns {missing}; a bar frame needs {list(COLUMNS)}")
    # One resolution for every file, whatever the producer's pandas inferred.
    out = pd.DataFrame(index=pd.DatetimeIndex(index, name="date").as_unit("ns"))
    for col in FLOAT_COLUMNS:
        try:
            out[col] = pd.to_numeric(frame[col]).astype("float64").to_numpy()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{who}column {col!r} is not numeric: {exc}") from None
    final = frame["final"]
    if final.isna().any():
        raise ValueError(f"{who}column 'final' has missing values")
    if not pd.api.types.is_bool_dtype(final) and not set(pd.unique(final)) <= {0, 1}:
        raise ValueError(f"{who}column 'final' must be boolean")
    out["final"] = final.astype(bool).to_numpy()
    if "source" in frame.columns:
        if frame["source"].isna().any():
            raise ValueError(f"{who}column 'source' has missing values")
        out["source"] = frame["source"].astype(str).to_numpy()
    return out


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in metadata")


def _encode_meta(symbol: str, meta: Mapping[str, Any]) -> dict[bytes, bytes]:
    out: dict[str, str] = {}
    json_fields: list[str] = []
    for key, value in meta.items():
        if key in ("symbol", "json_fields") or value is None:
            continue
        if key in _JSON_KEYS:
            out[key] = json.dumps(value, default=_json_default)
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = json.dumps(value, default=_json_default)
            json_fields.append(key)
    out["symbol"] = symbol
    out.setdefault("issues", "[]")
    if json_fields:
        out["json_fields"] = json.dumps(sorted(json_fields))
    return {k.encode(): v.encode() for k, v in out.items()}


def _decode_meta(raw: Mapping[bytes, bytes] | None) -> dict[str, Any]:
    text = {k.decode(): v.decode() for k, v in (raw or {}).items() if k != b"pandas"}
    json_keys = set(_JSON_KEYS) | set(json.loads(text.pop("json_fields", "[]")))
    meta: dict[str, Any] = {}
    for key, value in text.items():
        meta[key] = json.loads(value) if key in json_keys else value
    meta.setdefault("issues", [])
    return meta


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable on POSIX; directories cannot be opened this way on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class PriceStore:
    """Bar frames on disk, one Parquet file per security (see the module docstring for the format)."""

    def __init__(self, home: str | Path, *, lock_timeout: float = 600.0):
        self.home = Path(home).expanduser()
        self.dir = self.home / "prices"
        self.lock_timeout = lock_timeout
        self._lock_path = self.dir / ".lock"
        self._lock: filelock.BaseFileLock | None = None

    # -- paths and locking -------------------------------------------------------------------

    def path(self, symbol: str) -> Path:
        return self.dir / f"{encode_symbol(symbol)}.parquet"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writer lock; re-entrant, so a refresh can hold it across its reads and writes."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            # One lock object per path in this process, so two PriceStore objects on the same home
            # nest instead of deadlocking each other.
            self._lock = filelock.FileLock(str(self._lock_path), is_singleton=True)
        try:
            self._lock.acquire(timeout=self.lock_timeout)
        except filelock.Timeout:
            raise DataError(
                f"the price store {self.dir} is locked by another eventstudy process",
                hint=f"wait for it to finish; if none is running, delete {self._lock_path}",
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    # -- reading -----------------------------------------------------------------------------

    def symbols(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(decode_symbol(p.stem) for p in self.dir.glob("*.parquet") if not p.name.startswith("."))

    def has(self, symbol: str) -> bool:
        return self.path(symbol).is_file()

    def _missing(self, symbol: str) -> DataError:
        return DataError(f"no prices stored for {symbol}", hint=_FIX_HINT.format(symbol=symbol))

    def read(self, symbol: str) -> pd.DataFrame:
        path = self.path(symbol)
        if not path.is_file():
            raise self._missing(symbol)
        try:
            frame = pq.read_table(path).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            raise DataError(
                f"cannot read stored prices for {symbol}: {exc}",
                file=path,
                hint=_FIX_HINT.format(symbol=symbol),
            ) from None
        if "date" in frame.columns:
            frame = frame.set_index("date")
        frame.index = pd.DatetimeIndex(frame.index, name="date")
        return frame[[*COLUMNS, *(["source"] if "source" in frame.columns else [])]]

    def meta(self, symbol: str) -> dict[str, Any]:
        path = self.path(symbol)
        if not path.is_file():
            raise self._missing(symbol)
        try:
            return _decode_meta(pq.read_schema(path).metadata)
        except (OSError, pa.ArrowException) as exc:
            raise DataError(f"cannot read stored metadata for {symbol}: {exc}", file=path) from None

    def status(self) -> pd.DataFrame:
        """One row per stored security: where it came from, what it covers, how healthy it is."""
        rows = []
        for symbol in self.symbols():
            path = self.path(symbol)
            meta = _decode_meta(pq.read_schema(path).metadata)
            table = pq.read_table(path, columns=["date", "final"])
            dates = pd.DatetimeIndex(table.column("date").to_pandas())
            final = table.column("final").to_numpy(zero_copy_only=False).astype(bool)
            rows.append(
                {
                    "symbol": meta.get("symbol", symbol),
                    "source": meta.get("source"),
                    "first": dates.min() if len(dates) else pd.NaT,
                    "last": dates.max() if len(dates) else pd.NaT,
                    "rows": len(dates),
                    "fetched_at": meta.get("fetched_at"),
                    "last_final": dates[final].max() if final.any() else pd.NaT,
                    "issues": summarize_issues(meta.get("issues", [])),
                }
            )
        return pd.DataFrame(rows, columns=list(STATUS_COLUMNS))

    # -- writing -----------------------------------------------------------------------------

    def _to_table(self, symbol: str, frame: pd.DataFrame, meta: Mapping[str, Any]) -> pa.Table:
        canonical = validate_frame(frame, symbol)
        table = pa.Table.from_pandas(canonical, preserve_index=True)
        merged = dict(table.schema.metadata or {})
        merged.update(_encode_meta(symbol, meta))
        return table.replace_schema_metadata(merged)

    def _write_temp(self, symbol: str, table: pa.Table) -> Path:
        fd, name = temp_file(self.dir, f".{encode_symbol(symbol)}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                pq.write_table(table, fh)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
        return Path(name)

    def write(self, symbol: str, frame: pd.DataFrame, meta: Mapping[str, Any]) -> None:
        """Replace one security atomically."""
        self.write_many({symbol: (frame, meta)})

    def write_many(self, items: Mapping[str, tuple[pd.DataFrame, Mapping[str, Any]]]) -> None:
        """Replace several securities, all or nothing.

        Every frame is validated and written to a temp file before any rename; on a failure the
        temps are removed and the store is left as it was. If a rename itself fails midway, the
        files already replaced are restored from backups taken just before.
        """
        # Validate everything before touching the disk, so a bad frame costs nothing.
        tables = {symbol: self._to_table(symbol, frame, meta) for symbol, (frame, meta) in items.items()}
        with self.lock():
            temps: dict[str, Path] = {}
            backups: dict[str, Path] = {}
            replaced: list[str] = []
            try:
                for symbol, table in tables.items():
                    temps[symbol] = self._write_temp(symbol, table)
                for symbol in tables:
                    target = self.path(symbol)
                    if target.exists():
                        backups[symbol] = self._backup(target)
                for symbol, temp in temps.items():
                    os.replace(temp, self.path(symbol))
                    replaced.append(symbol)
            except BaseException:
                for symbol in replaced:
                    self._restore(symbol, backups.get(symbol))
                for temp in temps.values():
                    with contextlib.suppress(OSError):
                        temp.unlink()
                raise
            finally:
                for backup in backups.values():
                    with contextlib.suppress(OSError):
                        backup.unlink()
            _fsync_dir(self.dir)

    @staticmethod
    def _backup(target: Path) -> Path:
        backup = target.with_name(f".{target.name}.bak")
        with contextlib.suppress(FileNotFoundError):
            backup.unlink()
        try:
            # A hard link is instant and costs no space; copy where the file system has none.
            os.link(target, backup)
        except OSError:
            shutil.copy2(target, backup)
        return backup

    def _restore(self, symbol: str, backup: Path | None) -> None:
        target = self.path(symbol)
        with contextlib.suppress(OSError):
            if backup is not None and backup.exists():
                os.replace(backup, target)
            else:
                target.unlink()


def summarize_issues(issues: list[Any]) -> str:
    """``"1 error, 2 warning"`` from stored issues (dicts or QualityIssue objects); ``""`` when clean."""
    counts: dict[str, int] = {}
    for issue in issues:
        severity = issue.get("severity") if isinstance(issue, Mapping) else getattr(issue, "severity", None)
        key = str(severity or "unknown")
        counts[key] = counts.get(key, 0) + 1
    order = {"error": 0, "warning": 1, "info": 2}
    ranked = sorted(counts.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))
    return ", ".join(f"{n} {k}" for k, n in ranked)
