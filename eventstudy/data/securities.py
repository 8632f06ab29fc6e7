"""The securities registry: which symbols the tool knows, their exchange, benchmark and groups.

The shipped registry is ``eventstudy/data/securities.csv``; a user may pass a file of their own with
the same columns (documented in ``docs/data-files.md``). Every mistake in such a file is reported as
a :class:`~eventstudy.errors.UserError` naming the file, the CSV line and the column.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from eventstudy.data.bounds import read_capped
from eventstudy.errors import UserError

EXCHANGES: tuple[str, ...] = ("HKEX", "SSE", "SZSE", "NYSE", "NASDAQ")
KINDS: tuple[str, ...] = ("stock", "etf", "index")

REQUIRED_COLUMNS: tuple[str, ...] = ("symbol", "name", "exchange", "currency", "kind")
OPTIONAL_COLUMNS: tuple[str, ...] = ("benchmark", "sector_index", "groups", "calendar")

# Group names share one namespace with symbols in `resolve`, so they are kept to lowercase slugs:
# Yahoo symbols are upper case or digits with a suffix, and the two can then never be confused.
_GROUP_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# Yahoo symbols: digits, letters, "^" for indices, "." before the exchange suffix, "-"/"=" in a few
# (^HSI, 2513.HK, BRK-B, ES=F). No path separators or spaces, which would reach file names.
SYMBOL_RE = re.compile(r"^[A-Za-z0-9^][A-Za-z0-9^.=_-]*$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Security:
    """One row of the registry.

    ``benchmark`` is the symbol of the index used as the market return (``None`` for indices);
    ``sector_index`` an optional second index for a two-index model; ``calendar`` an optional
    exchange_calendars code that overrides the exchange's default calendar.
    """

    symbol: str
    name: str
    exchange: str
    currency: str
    benchmark: str | None = None
    sector_index: str | None = None
    groups: tuple[str, ...] = ()
    kind: str = "stock"
    calendar: str | None = None

    def __post_init__(self) -> None:
        # Catches positional construction in the architecture doc's older field order, where
        # `groups` came sixth and would otherwise land silently in `sector_index`.
        if self.sector_index is not None and not isinstance(self.sector_index, str):
            raise TypeError(f"Security.sector_index must be a str or None, got {self.sector_index!r}")
        if not isinstance(self.groups, tuple):
            object.__setattr__(self, "groups", tuple(self.groups))

    @property
    def is_index(self) -> bool:
        return self.kind == "index"


def _close_matches(name: str, candidates: Iterable[str]) -> list[str]:
    """Likely intended names: same symbol without its suffix first ("2513" -> "2513.HK"), then difflib."""
    pool = list(candidates)
    folded = name.casefold()
    prefixed = [c for c in pool if c.casefold().startswith(folded + ".")]
    fuzzy = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    fuzzy += difflib.get_close_matches(folded, [c.casefold() for c in pool], n=3, cutoff=0.6)
    by_fold = {c.casefold(): c for c in pool}
    out: list[str] = []
    for c in prefixed + [by_fold.get(f.casefold(), f) for f in fuzzy]:
        if c not in out:
            out.append(c)
    return out[:3]


def _did_you_mean(name: str, candidates: Iterable[str], fallback: str) -> str:
    matches = _close_matches(name, candidates)
    if matches:
        return "did you mean " + " or ".join(matches) + "?"
    return fallback


class Registry:
    """All known securities, looked up by symbol or by group name."""

    def __init__(self, securities: Iterable[Security], path: str | Path | None = None):
        self.path = path
        self._by_symbol: dict[str, Security] = {}
        for sec in securities:
            if sec.symbol in self._by_symbol:
                raise UserError(f"duplicate symbol {sec.symbol!r}", file=path, field="symbol")
            self._by_symbol[sec.symbol] = sec
        self._groups: dict[str, list[Security]] = {}
        for sec in self._by_symbol.values():
            for group in sec.groups:
                self._groups.setdefault(group, []).append(sec)
        clash = sorted(set(self._groups) & set(self._by_symbol))
        if clash:
            raise UserError(
                f"{clash[0]!r} is both a symbol and a group",
                file=path,
                field="groups",
                hint="rename the group",
            )

    def __len__(self) -> int:
        return len(self._by_symbol)

    def __iter__(self) -> Iterator[Security]:
        return iter(self._by_symbol.values())

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._by_symbol

    def __repr__(self) -> str:
        return f"Registry({len(self)} securities, {len(self._groups)} groups, path={self.path!r})"

    def symbols(self) -> list[str]:
        """Symbols in file order."""
        return list(self._by_symbol)

    def _lookup_symbol(self, name: str) -> Security | None:
        sec = self._by_symbol.get(name)
        if sec is not None:
            return sec
        # Users type "nvda" or "2513.hk"; accept that when exactly one symbol folds to it.
        folded = [s for sym, s in self._by_symbol.items() if sym.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None

    def _lookup_group(self, name: str) -> str | None:
        if name in self._groups:
            return name
        folded = [g for g in self._groups if g.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None

    def get(self, symbol: str) -> Security:
        """The security with this symbol; an unknown symbol raises UserError with close matches.

        Lookup errors carry no file: the mistake is in the caller's input (an events row, a command
        line), not in the registry file, and callers add their own location.
        """
        sec = self._lookup_symbol(symbol.strip())
        if sec is None:
            hint = _did_you_mean(
                symbol,
                self._by_symbol,
                "add a row for it to securities.csv, or pass a registry file of your own",
            )
            raise UserError(f"unknown symbol {symbol!r}", hint=hint)
        return sec

    def groups(self) -> list[str]:
        """Group names, sorted."""
        return sorted(self._groups)

    def is_group(self, name: str) -> bool:
        return self._lookup_group(name.strip()) is not None

    def is_symbol(self, name: str) -> bool:
        return self._lookup_symbol(name.strip()) is not None

    def knows(self, name: str) -> bool:
        """True for a known symbol or group name."""
        return self.is_symbol(name) or self.is_group(name)

    def members(self, group: str) -> list[Security]:
        """The group's securities in file order; an unknown group raises UserError."""
        key = self._lookup_group(group.strip())
        if key is None:
            hint = _did_you_mean(group, self._groups, "known groups: " + ", ".join(self.groups()))
            raise UserError(f"unknown group {group!r}", hint=hint)
        return list(self._groups[key])

    def resolve(self, names: str | Iterable[str]) -> list[Security]:
        """Securities for symbols and/or group names, de-duplicated in first-seen order.

        A single string may hold several names separated by ``;`` or ``,`` (as typed on a command line).
        """
        if isinstance(names, str):
            names = re.split(r"[;,]", names)
        out: dict[str, Security] = {}
        for raw in names:
            name = raw.strip()
            if not name:
                continue
            sec = self._lookup_symbol(name)
            if sec is not None:
                out.setdefault(sec.symbol, sec)
                continue
            group = self._lookup_group(name)
            if group is not None:
                for member in self._groups[group]:
                    out.setdefault(member.symbol, member)
                continue
            hint = _did_you_mean(
                name,
                [*self._by_symbol, *self._groups],
                "use a symbol or a group from securities.csv; groups: " + ", ".join(self.groups()),
            )
            raise UserError(f"unknown symbol or group {name!r}", hint=hint)
        return list(out.values())

    def benchmark_of(self, symbol: str) -> Security | None:
        """The market index of a security (None for an index)."""
        sec = self.get(symbol)
        return self.get(sec.benchmark) if sec.benchmark else None

    def sector_index_of(self, symbol: str) -> Security | None:
        sec = self.get(symbol)
        return self.get(sec.sector_index) if sec.sector_index else None


# --------------------------------------------------------------------------------------------------
# CSV reading shared with events.py


@dataclass(frozen=True)
class CsvRecord:
    """One data row: ``line`` is the physical line where the record starts (header = line 1)."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    file: str = ""

    def error(self, col: str, message: str, hint: str | None = None) -> UserError:
        """A one-line error pointing at this row's file, line and column."""
        return UserError(message, file=self.file, line=self.line, field=col, hint=hint)


def read_csv_records(
    path: str | Path | Traversable,
    required: Sequence[str],
    optional: Sequence[str],
    what: str,
    *,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    too_big: str = "split it into smaller files",
) -> list[CsvRecord]:
    """Read a small CSV data file, checking its header; cells are stripped strings.

    Missing trailing cells read as empty (some spreadsheet exports drop them); surplus cells, unknown
    columns (usually a typo that would silently drop data) and missing required columns are errors.
    A user's file larger than ``max_bytes`` or with more than ``max_rows`` rows is refused before it
    is parsed further (``too_big``: how to fix it).
    """
    if isinstance(path, str):
        path = Path(path)
    shown = str(path)
    try:
        # Bytes then decode: Traversable.open() (the packaged file) takes no newline="" argument, and
        # csv needs the raw line endings to read quoted cells that span lines.
        # utf-8-sig: spreadsheet programs save a BOM that would otherwise stick to the first column.
        if max_bytes is not None and isinstance(path, Path):
            data = read_capped(path, max_bytes, f"{what} file", too_big)
        else:
            data = path.read_bytes()
        text = data.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[tuple[int, list[str]]] = []
        previous_end = 0
        for row in reader:
            # reader.line_num is the line where the record *ends*; a quoted cell may span lines.
            rows.append((previous_end + 1, row))
            if max_rows is not None and len(rows) > max_rows + 1:  # the header is not a row
                raise UserError(f"more than {max_rows:,} rows in the {what} file", file=shown,
                                line=previous_end + 1, hint=too_big)
            previous_end = reader.line_num
    except FileNotFoundError:
        raise UserError(f"{what} file not found", file=shown, hint="check the path") from None
    except IsADirectoryError:
        raise UserError(f"{what} path is a directory, not a CSV file", file=shown) from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            file=shown,
            hint="save the file as UTF-8 CSV",
        ) from None
    except csv.Error as exc:
        raise UserError(f"malformed CSV: {exc}", file=shown, hint="check the quoting") from None

    if not rows or not any(cell.strip() for cell in rows[0][1]):
        raise UserError(
            f"empty {what} file: no header row",
            file=shown,
            line=1,
            hint="the first line must name the columns: " + ",".join(required),
        )
    header = [cell.strip().lower() for cell in rows[0][1]]
    known = (*required, *optional)
    seen: set[str] = set()
    for col in header:
        if col in seen:
            raise UserError(f"column {col!r} appears twice", file=shown, line=1, field=col)
        seen.add(col)
        if col not in known:
            hint = _did_you_mean(col, known, "known columns: " + ", ".join(known))
            raise UserError(f"unknown column {col!r}", file=shown, line=1, field=col, hint=hint)
    for col in required:
        if col not in seen:
            raise UserError(
                f"missing required column {col!r}",
                file=shown,
                line=1,
                field=col,
                hint="required columns: " + ", ".join(required),
            )

    records: list[CsvRecord] = []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise UserError(
                f"{len(row)} cells but the header has {len(header)} columns",
                file=shown,
                line=line,
                hint="quote cells that contain commas",
            )
        cells = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        values = {col: "" for col in known}
        values.update(zip(header, cells, strict=True))
        records.append(CsvRecord(line, values, str(path)))
    return records


# --------------------------------------------------------------------------------------------------
# Loading the registry


def _default_path() -> Traversable:
    return resources.files("eventstudy").joinpath("data").joinpath("securities.csv")


def split_list(cell: str) -> tuple[str, ...]:
    """A `;`-separated cell as stripped, de-duplicated items in order."""
    out: list[str] = []
    for part in cell.split(";"):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return tuple(out)


@functools.cache
def _calendar_names() -> frozenset[str]:
    # Imported lazily: only a registry that overrides a calendar pays for exchange_calendars here.
    import exchange_calendars

    return frozenset(exchange_calendars.get_calendar_names(include_aliases=True))


def load_registry(path: str | Path | None = None) -> Registry:
    """Read and validate a securities file (default: the shipped ``eventstudy/data/securities.csv``)."""
    if path is None:
        return default_registry()
    return _load(Path(path))


@functools.cache
def default_registry() -> Registry:
    """The shipped registry, read once per process (it is immutable)."""
    return _load(_default_path())


def _load(path: Path | Traversable) -> Registry:
    records = read_csv_records(path, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, "securities")
    err = CsvRecord.error

    securities: list[Security] = []
    first_line: dict[str, int] = {}
    lines: dict[str, CsvRecord] = {}
    for rec in records:
        v = rec.values
        for col in REQUIRED_COLUMNS:
            if not v[col]:
                raise err(rec, col, f"empty {col}")
        symbol = v["symbol"]
        if not SYMBOL_RE.match(symbol):
            raise err(rec, "symbol", f"invalid symbol {symbol!r}", "use the Yahoo symbol, e.g. 2513.HK")
        if symbol in first_line:
            hint = f"first defined on line {first_line[symbol]}"
            raise err(rec, "symbol", f"duplicate symbol {symbol!r}", hint)
        first_line[symbol] = rec.line
        lines[symbol] = rec

        exchange = v["exchange"].upper()
        if exchange not in EXCHANGES:
            hint = "use one of " + ", ".join(EXCHANGES)
            raise err(rec, "exchange", f"unknown exchange {v['exchange']!r}", hint)
        kind = v["kind"].lower()
        if kind not in KINDS:
            raise err(rec, "kind", f"unknown kind {v['kind']!r}", "use one of " + ", ".join(KINDS))
        currency = v["currency"].upper()
        if not _CURRENCY_RE.match(currency):
            hint = "use an ISO 4217 code such as HKD"
            raise err(rec, "currency", f"invalid currency {v['currency']!r}", hint)
        groups = split_list(v["groups"])
        for group in groups:
            if not _GROUP_RE.match(group):
                raise err(
                    rec,
                    "groups",
                    f"invalid group name {group!r}",
                    "group names are lowercase words joined by '-', e.g. china-ai-chips",
                )
        # A stock or ETF without a market index cannot get a market model; an index is its own market.
        if kind != "index" and not v["benchmark"]:
            raise err(rec, "benchmark", f"{kind} {symbol} has no benchmark", "name the market index symbol")
        calendar = v["calendar"] or None
        if calendar is not None and calendar not in _calendar_names():
            raise err(
                rec,
                "calendar",
                f"unknown exchange calendar {calendar!r}",
                "use an exchange_calendars code such as XHKG, or leave it empty for the exchange's own",
            )
        securities.append(
            Security(
                symbol=symbol,
                name=v["name"],
                exchange=exchange,
                currency=currency,
                benchmark=v["benchmark"] or None,
                sector_index=v["sector_index"] or None,
                groups=groups,
                kind=kind,
                calendar=calendar,
            )
        )

    # References are checked after every row is read, so a benchmark may be defined below its users.
    symbols = set(first_line)
    for sec in securities:
        rec = lines[sec.symbol]
        for col in ("benchmark", "sector_index"):
            ref = getattr(sec, col)
            if ref is None:
                continue
            if ref == sec.symbol:
                raise err(rec, col, f"{sec.symbol} cannot be its own {col}")
            if ref not in symbols:
                hint = _did_you_mean(ref, symbols, "add a row for the index")
                raise err(rec, col, f"{col} {ref!r} is not in the registry", hint)
    for sec in securities:
        for group in sec.groups:
            if group in symbols:
                raise err(lines[sec.symbol], "groups", f"group {group!r} has the same name as a symbol")
    return Registry(securities, path=str(path))
