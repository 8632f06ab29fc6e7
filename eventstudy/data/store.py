"""Embedded Parquet store of bar frames: one file per security, no server.

Why Parquet: the files are typed and compressed, and any tool reads them without this package
(pandas, polars, duckdb, R arrow, Spark).

Why generations: an import or a refresh changes several files that belong together. Each write
builds the next ``prices/`` folder beside the current one (unchanged files hard-linked, so it
costs no copy) and switches it in with one atomic rename, so a reader, a crash or a full disk
leaves the old store or the new one, never a mix; the next writer removes a killed writer's
leftovers. Readers read each file in one go; a reader of several files (a run, a status) pins one
generation (:meth:`PriceStore.pinned`) and sees a concurrent write entirely or not at all.

Why the lock comes before the read: a writer that merges with what is stored (an import, a
refresh, a removal) takes the writer lock before it reads, so two writers of one symbol cannot both
start from the old series and the second undo the first.

Format (stable; other tools may rely on it)
-------------------------------------------
Layout under the data directory ``<home>``::

    <home>/prices/<encoded symbol>.parquet   one security
    <home>/prices/manifest.json              {"version": 1, "files": {name: {symbol, sha256, bytes}}}
    <home>/.prices.lock                      writer lock (filelock; .owner beside it names the holder)
    <home>/.prices.new-*                     a generation being written (removed by the next writer)
    <home>/.prices.retired-*                 an old generation a reader still had pinned (removed later)

``prices status`` checks every file against its SHA-256 in the manifest; a file the manifest
does not list, a changed checksum or an unreadable file is reported with the repair command.

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
import hashlib
import json
import os
import shlex
import shutil
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from eventstudy import atomic, leftovers, locks, pins
from eventstudy.errors import DataError, EnvironmentFailure

FLOAT_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume", "dividends", "splits")
COLUMNS = (*FLOAT_COLUMNS, "final")
STATUS_COLUMNS = ("symbol", "source", "first", "last", "rows", "fetched_at", "last_final", "issues")
# Keys whose value is always JSON in the file; everything else is plain text unless json_fields says so.
_JSON_KEYS = frozenset({"issues"})
MANIFEST = "manifest.json"
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


def file_name(symbol: str) -> str:
    """The stored file name of ``symbol`` without checking the symbol: what a removal looks for, so
    that a file named by no valid symbol (written by another tool) can still be removed."""
    encoded = urllib.parse.quote(symbol, safe="")
    return ("%2E" + encoded[1:] if encoded.startswith(".") else encoded) + ".parquet"


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


class PriceStore:
    """Bar frames on disk, one Parquet file per security (see the module docstring for the format)."""

    def __init__(self, home: str | Path, *, lock_timeout: float = 600.0):
        self.home = Path(home).expanduser()
        self.dir = self.home / "prices"
        self.lock_timeout = lock_timeout
        # Outside the folder that is switched as a whole, so the switch never moves the lock.
        self._lock_path = self.home / ".prices.lock"
        self._view: pins.Pinned | None = None  # set on the read-only view pinned() gives

    # -- paths and locking -------------------------------------------------------------------

    def path(self, symbol: str) -> Path:
        return self.dir / f"{encode_symbol(symbol)}.parquet"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writer lock; re-entrant, so a refresh can hold it across its reads and writes.

        A busy lock says who holds it and that we wait (up to ``lock_timeout`` seconds)."""
        self.check_folder()  # before the lock file is made: a home that cannot hold a store is left as it is
        wait = self.lock_timeout
        try:
            with locks.hold(self._lock_path, f"the price store {self.dir}", timeout=wait):
                yield
        except locks.LockHeld as exc:
            raise StoreLocked(
                f"the price store {self.dir} is locked by {exc.holder}",
                hint="wait for it to finish, or retry later",
            ) from None

    @contextlib.contextmanager
    def pinned(self) -> Iterator[PriceStore]:
        """A read-only view of the store as it is now, for the block: every read in it comes from
        this one generation, whatever is imported meanwhile (a writer removes an old generation
        only once no view holds it). ``with store.pinned() as prices: run(events, prices, ...)``."""
        self.check_folder()
        with pins.pin(self.dir) as generation:
            view = PriceStore(self.home, lock_timeout=self.lock_timeout)
            view._view = generation
            yield view

    def check_folder(self) -> None:
        """Stop (one line, exit 1) when something that is not a folder sits where the store belongs."""
        if (self.dir.exists() or self.dir.is_symlink()) and not self.dir.is_dir():
            raise EnvironmentFailure(f"{self.dir} is not a folder, so it cannot be the price store; it is left alone",
                                     hint="move it away, or choose another --home")

    def _files(self) -> pins.Pinned:
        """Where reads look: the pinned generation, else whatever ``prices/`` is at each look."""
        return self._view if self._view is not None else pins.Pinned(self.dir, None)

    # -- reading -----------------------------------------------------------------------------

    def symbols(self) -> list[str]:
        return sorted(decode_symbol(n[: -len(".parquet")]) for n in self._price_files())

    def _price_files(self) -> list[str]:
        files = self._files()
        if files.fd is None and not self.dir.is_dir():
            return []
        return sorted(n for n in files.names() if n.endswith(".parquet") and not n.startswith("."))

    def has(self, symbol: str) -> bool:
        return self._files().exists(self.path(symbol).name)

    def _missing(self, symbol: str) -> DataError:
        return DataError(f"no prices stored for {symbol}", hint=_FIX_HINT.format(symbol=symbol))

    def _damaged(self, symbol: str, path: Path, why: str) -> DataError:
        return DataError(f"stored prices for {symbol} are damaged ({why})", file=path,
                         hint=repair_hint(symbol, self.home))

    def _bytes(self, symbol: str) -> bytes:
        """The whole file read in one go: a writer's switch between two opens cannot tear the read."""
        path = self.path(symbol)
        try:
            return self._files().read_bytes(path.name)
        except FileNotFoundError:
            raise self._missing(symbol) from None
        except IsADirectoryError:
            raise self._damaged(symbol, path, "a folder, not a file") from None

    def read(self, symbol: str) -> pd.DataFrame:
        return self.read_with_meta(symbol)[0]

    def read_with_meta(self, symbol: str) -> tuple[pd.DataFrame, dict[str, Any]]:
        """Bars and metadata from one read of the file."""
        return self._decode(symbol, self._bytes(symbol), self.path(symbol))

    def _decode(self, symbol: str, data: bytes, path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise self._damaged(symbol, path, _short(exc)) from None
        try:
            meta = _decode_meta(table.schema.metadata)
            frame = table.to_pandas()
            if "date" in frame.columns:
                frame = frame.set_index("date")
            frame.index = pd.DatetimeIndex(frame.index, name="date")
            # a series merged from several files keeps each bar's source (data/sources.py)
            return frame[[*COLUMNS, *(["source"] if "source" in frame.columns else [])]], meta
        except (ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            raise self._damaged(symbol, path, _short(exc)) from None

    def meta(self, symbol: str) -> dict[str, Any]:
        """The metadata alone, from the file's footer (one open: a switch cannot tear it either)."""
        path = self.path(symbol)
        files = self._files()
        if files.is_dir(path.name):
            raise self._damaged(symbol, path, "a folder, not a file")
        try:
            with os.fdopen(files.open(path.name), "rb") as fh:
                return _decode_meta(pq.read_schema(fh).metadata)
        except FileNotFoundError:
            raise self._missing(symbol) from None
        except (OSError, pa.ArrowException, ValueError, TypeError) as exc:
            raise self._damaged(symbol, path, _short(exc)) from None

    def manifest(self) -> dict[str, dict[str, Any]]:
        """File name -> ``{symbol, sha256, bytes}`` of the current generation ({} for an old store)."""
        try:
            data = json.loads(self._files().read_bytes(MANIFEST).decode("utf-8"))
            return dict(data["files"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def verify(self) -> list[StoreProblem]:
        """Every stored file checked against its checksum and read back; one problem per bad file."""
        return self.check()[0]

    def check(self) -> tuple[list[StoreProblem], dict[str, tuple[pd.DataFrame, dict[str, Any]]]]:
        """:meth:`verify`'s problems and the bars and metadata of every good file, each file read once
        (for :meth:`status` and whatever else needs them)."""
        problems: list[StoreProblem] = []
        good: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
        manifest = self.manifest()
        files = self._files()
        home = self.home

        def problem(name: str, reason: str) -> None:
            problems.append(StoreProblem(decode_symbol(name[: -len(".parquet")]), self.dir / name, reason, home))

        for name in self._price_files():
            symbol, path = decode_symbol(name[: -len(".parquet")]), self.dir / name
            if files.is_dir(name):
                problem(name, "a folder, not a price file")
                continue
            entry = manifest.get(name)
            try:
                data = files.read_bytes(name)
            except OSError as exc:
                problem(name, _short(exc))
                continue
            if manifest and entry is None:
                problem(name, "not written by eventstudy (no checksum in the manifest)")
                continue
            if entry is not None and hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                problem(name, "checksum mismatch: the file changed on disk")
                continue
            try:
                good[symbol] = self._decode(symbol, data, path)
            except DataError as exc:
                problem(name, exc.message)
        for name in manifest:
            if name.endswith(".parquet") and not files.exists(name):
                problem(name, "missing from the store (listed in the manifest)")
        return problems, good

    def status(self, good: Mapping[str, tuple[pd.DataFrame, dict[str, Any]]] | None = None) -> pd.DataFrame:
        """One row per readable stored security: where it came from, what it covers, how healthy it is.

        Damaged files are left out here; :meth:`verify` names them. ``good``: :meth:`check`'s files
        already read."""
        rows = []
        for symbol, (frame, meta) in (self.check()[1] if good is None else good).items():
            dates = pd.DatetimeIndex(frame.index)
            final = frame["final"].to_numpy(dtype=bool)
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

    def write(self, symbol: str, frame: pd.DataFrame, meta: Mapping[str, Any]) -> None:
        """Replace one security atomically."""
        self.write_many({symbol: (frame, meta)})

    def remove(self, symbol: str) -> None:
        """Drop one security (all or nothing, like every write): its file whatever state it is in
        (a folder, unreadable, foreign), or only its manifest entry when the file itself is gone."""
        self._writable()
        name = file_name(symbol)
        with self.lock():
            here = self.dir / name
            if not (here.exists() or here.is_symlink() or name in self.manifest()):
                raise self._missing(symbol)
            self._commit({}, drop={name})

    def write_many(
        self, items: Mapping[str, tuple[pd.DataFrame, Mapping[str, Any]]], *, remove: Iterable[str] = ()
    ) -> None:
        """Replace (and ``remove``) several securities, all or nothing.

        Every frame is validated first. The next generation of the store is built in a hidden
        sibling folder (unchanged files are hard links, so this costs no copy) and switched in
        with one rename: a reader or a crash sees the old store or the new one, never a mix.
        """
        # Validate everything before touching the disk, so a bad frame costs nothing.
        self._writable()
        tables = {symbol: self._to_table(symbol, frame, meta) for symbol, (frame, meta) in items.items()}
        with self.lock():
            self._commit(tables, drop={self.path(s).name for s in remove})

    def _writable(self) -> None:
        if self._view is not None:
            raise TypeError("a pinned view of the store is read-only; write through the store itself")

    def _commit(self, tables: Mapping[str, pa.Table], drop: set[str]) -> None:
        # Under the lock, on the current generation (never a pinned one): what the next one starts from.
        self.check_folder()
        leftovers.sweep(self.home)  # every writer of the store clears what killed runs left in <home>
        old = self.manifest()
        replaced = {self.path(s).name for s in tables} | drop
        files: dict[str, dict[str, Any]] = {}
        with atomic.new_generation(self.dir) as staged:
            if self.dir.is_dir():
                for entry in sorted(self.dir.iterdir()):
                    # Dot-files are our own temporaries or orphans of killed writers: not carried over.
                    if entry.name.startswith(".") or entry.name == MANIFEST or entry.name in replaced:
                        continue
                    _carry(entry, staged / entry.name)
                    if entry.name in old:
                        files[entry.name] = old[entry.name]
                    elif not old and entry.is_file():
                        # A store written before checksums: trust what it holds. Otherwise a file the
                        # manifest does not list stays unlisted, so that `prices status` keeps naming it.
                        files[entry.name] = _describe(decode_symbol(Path(entry.name).stem), entry.read_bytes())
            for symbol, table in tables.items():
                target = staged / self.path(symbol).name
                atomic.rename_point(f"stage {target.name}")
                buf = pa.BufferOutputStream()  # written from memory and hashed there, not read back
                pq.write_table(table, buf)
                data = buf.getvalue().to_pybytes()
                target.write_bytes(data)
                files[target.name] = _describe(symbol, data)
            (staged / MANIFEST).write_text(json.dumps({"version": 1, "files": files}, indent=1, sort_keys=True),
                                           encoding="utf-8")


@dataclasses.dataclass(frozen=True)
class StoreProblem:
    """A stored file that cannot be trusted, and the command that repairs it."""

    symbol: str
    path: Path
    reason: str
    home: Path | None = None  # the store's data directory: named in the command unless implied

    @property
    def repair(self) -> str:
        """The command that, run as printed, leaves `prices status` clean for this file."""
        return repair_command(self.symbol, self.home)

    def line(self) -> str:
        return f"{self.path}: {self.reason} ({repair_hint(self.symbol, self.home)})"


class StoreLocked(DataError):
    """Another process holds the store's writer lock."""


def repair_command(symbol: str, home: Path | None = None) -> str:
    """``eventstudy prices remove SYMBOL`` quoted for a shell, with ``--home`` when a command run
    without it would reach another data directory, and ``--`` before a symbol that looks like an option."""
    from eventstudy.paths import implied_home

    where = ""
    if home is not None and Path(home).expanduser().absolute() != implied_home().absolute():
        where = f" --home {shlex.quote(str(home))}"
    dashes = "-- " if symbol.startswith("-") else ""
    return f"eventstudy{where} prices remove {dashes}{shlex.quote(symbol)}"


def repair_hint(symbol: str, home: Path | None = None) -> str:
    """``repair: COMMAND; then ...``: the command repairs; loading the prices again is a separate step."""
    return (f"repair: {repair_command(symbol, home)}; then load it again with eventstudy prices import FILE "
            f"or eventstudy prices fetch {shlex.quote(symbol)}")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def _describe(symbol: str, data: bytes) -> dict[str, Any]:
    return {"symbol": symbol, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _carry(source: Path, target: Path) -> None:
    """Put an unchanged file into the next generation: a hard link (instant), else a copy."""
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


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
