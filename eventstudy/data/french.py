"""Kenneth French's data-library factor files, as published, into one factor frame.

The library's CSVs (daily and monthly, US and regional) share a layout: free-text notes, a header
line that starts with a comma (``,Mkt-RF,SMB,HML,RF``), data rows dated ``YYYYMMDD`` (daily) or
``YYYYMM`` (monthly) with values in percent, a blank line, then either the copyright footer or, in
monthly files, an ``Annual Factors`` section with ``YYYY`` rows. Regional files pad before the
comma (``19900702    ,0.40``) and mark missing values ``-99.99`` (momentum: also ``-999``).

The factor frame: a ``DatetimeIndex`` named ``date`` (the session date; a monthly row is dated the
month's last day), float columns named as the library names them (``Mkt-RF``, ``SMB``, ``HML``,
``RMW``, ``CMA``, ``RF``, ``Mom``), values as fractions (0.0113 for 1.13%), NaN where the file says
missing. ``attrs["frequency"]`` is ``daily`` or ``monthly``.

Every mistake is a :class:`UserError` naming the file, line and field, so the command line prints
one line and exits 2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.errors import UserError

# The library's own spellings; momentum has been "Mom", "MOM" and "UMD" over the years.
_CANONICAL = {"mkt-rf": "Mkt-RF", "smb": "SMB", "hml": "HML", "rmw": "RMW", "cma": "CMA", "rf": "RF",
              "mom": "Mom", "umd": "Mom", "wml": "Mom"}
_MISSING = (-99.99, -999.0)
_DATE = {8: ("daily", "%Y%m%d", "YYYYMMDD"), 6: ("monthly", "%Y%m", "YYYYMM")}
# Median |Mkt-RF| (or |Mom|) in percent: a daily move is about 0.5-1, a monthly one 3-5. A value a
# hundred times smaller is a file already converted to fractions; a hundred times larger, basis points.
_PLAUSIBLE = {"daily": (0.05, 5.0), "monthly": (0.4, 40.0)}
LAYOUT_HINT = ("expected a Kenneth French data-library CSV as published: notes, a header line such as "
               "',Mkt-RF,SMB,HML,RF', then YYYYMMDD or YYYYMM rows in percent")


@dataclass
class FactorFile:
    """One file read: its factors and where its header is (errors about the file point there)."""

    path: Path
    frame: pd.DataFrame
    header_line: int
    frequency: str


def read_french(path: str | Path) -> FactorFile:
    """Read one data-library file (daily or monthly; the annual section and footer are skipped)."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {path}", field="--factors")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # the library's notes are ASCII, but an edited copy may be Latin-1
            text = p.read_bytes().decode("latin-1")
        except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
            raise UserError(f"not a text file (byte {exc.start})", file=p, line=1, field="layout",
                            hint=LAYOUT_HINT) from None
    lines = text.splitlines()
    head = _header(lines, p)
    names = [_name(f, p, head + 1) for f in lines[head].split(",")[1:]]
    dates: list[str] = []
    rows: list[list[float]] = []
    frequency = ""
    for k in range(head + 1, len(lines)):
        line = lines[k]
        if not line.strip():
            break  # the data block ends at the first blank line: notes, the annual section, the footer
        fields = [f.strip() for f in line.split(",")]
        where = k + 1
        freq = _date_kind(fields[0], p, where, frequency)
        frequency = frequency or freq
        if len(fields) != len(names) + 1:
            raise UserError(f"{len(fields) - 1} values where the header names {len(names)} "
                            f"({', '.join(names)})", file=p, line=where, field="layout",
                            hint="each row is a date and one value per header column")
        row = []
        for name, f in zip(names, fields[1:], strict=True):
            try:
                row.append(float(f))
            except ValueError:
                raise UserError(f"not a number: {f!r}", file=p, line=where, field=name,
                                hint="values are percentages such as 1.13 or -0.27; -99.99 marks a missing one"
                                ) from None
        dates.append(fields[0])
        rows.append(row)
    if not rows:
        raise UserError("no data rows after the header", file=p, line=head + 1, field="layout", hint=LAYOUT_HINT)
    fmt = _DATE[len(dates[0])][1]
    index = pd.to_datetime(pd.Series(dates), format=fmt, errors="coerce")
    bad = index.isna().to_numpy()
    if bad.any():
        i = int(bad.argmax())
        raise UserError(f"cannot read {dates[i]!r} as a {_DATE[len(dates[0])][2]} date", file=p,
                        line=head + 2 + i, field="date", hint="the library dates rows like 20230525 (daily) or "
                        "202305 (monthly)")
    if frequency == "monthly":
        index = index + pd.offsets.MonthEnd(0)
    stamps = index.to_numpy()
    if (np.diff(stamps) <= np.timedelta64(0)).any():
        i = int(np.flatnonzero(np.diff(stamps) <= np.timedelta64(0))[0]) + 1
        raise UserError(f"date {dates[i]} repeats or goes back in time (after {dates[i - 1]})", file=p,
                        line=head + 2 + i, field="date", hint="rows must be in ascending date order, once each")
    values = np.array(rows, dtype=float)
    values[np.isin(values, _MISSING)] = np.nan
    frame = pd.DataFrame(values / 100.0, index=pd.DatetimeIndex(index, name="date"), columns=names)
    _check_percent(frame, values, names, frequency, p, head + 1)
    frame.attrs["frequency"] = frequency
    return FactorFile(p, frame, head + 1, frequency)


def _header(lines: list[str], path: Path) -> int:
    """Index of the header line: the first line naming a factor the library publishes and starting
    with a comma (the library leaves the date column unnamed), or an edited copy's ``Date,...``."""
    for k, line in enumerate(lines[:200]):
        first, _, rest = line.partition(",")
        known = any(f.strip().lower() in _CANONICAL for f in rest.split(","))
        if known and first.strip().lower() in ("", "date"):
            nxt = lines[k + 1].partition(",")[0].strip() if k + 1 < len(lines) else ""
            if nxt[:1].isdigit() or (nxt and first.strip()):
                return k
    raise UserError("no factor header line such as ',Mkt-RF,SMB,HML,RF'", file=path, line=1, field="layout",
                    hint=LAYOUT_HINT)


def _name(field: str, path: Path, line: int) -> str:
    raw = field.strip()
    if not raw:
        raise UserError("an empty column name in the header", file=path, line=line, field="layout",
                        hint=LAYOUT_HINT)
    return _CANONICAL.get(raw.lower(), raw)


def _date_kind(value: str, path: Path, line: int, frequency: str) -> str:
    if not re.fullmatch(r"\d{6}|\d{8}", value):
        want = {"daily": "YYYYMMDD", "monthly": "YYYYMM"}.get(frequency, "YYYYMMDD or YYYYMM")
        raise UserError(f"cannot read {value!r} as a {want} date", file=path, line=line, field="date",
                        hint="the library dates rows like 20230525 (daily) or 202305 (monthly); a blank line "
                        "ends the data")
    kind = _DATE[len(value)][0]
    if frequency and kind != frequency:
        raise UserError(f"a {kind} date {value!r} among {frequency} rows", file=path, line=line, field="date",
                        hint="one file holds one frequency; a blank line must end the data before another section")
    return kind


def _check_percent(frame: pd.DataFrame, raw: np.ndarray, names: list[str], frequency: str, path: Path,
                   line: int) -> None:
    """The library publishes percent; a file already divided by 100 (or in basis points) would make
    every beta and AR wrong by that factor, so it is refused rather than guessed."""
    lo, hi = _PLAUSIBLE[frequency]
    for name in ("Mkt-RF", "Mom"):
        if name not in names:
            continue
        col = raw[:, names.index(name)]
        col = col[np.isfinite(col) & ~np.isin(col, _MISSING)]
        if len(col) < 20:
            continue
        med = float(np.median(np.abs(col)))
        if med < lo:
            raise UserError(f"values look like fractions, not percent (median |{name}| {med:.4g}; a {frequency} "
                            f"file in percent has about {lo * 10:g})", file=path, line=line, field=name,
                            hint="use the file as the library publishes it (1.13 means 1.13%), or multiply a "
                            "converted file by 100")
        if med > hi:
            raise UserError(f"values too large for percent (median |{name}| {med:.4g}; a {frequency} file in "
                            f"percent has about {hi / 5:g})", file=path, line=line, field=name,
                            hint="the library's files are in percent (1.13 means 1.13%); divide a file in basis "
                            "points by 100")


def combine(paths: Sequence[str | Path], needs: Sequence[str] = ()) -> pd.DataFrame:
    """Several files (the research factors plus momentum, say) as one frame on the union of their
    dates. A column in more than one file is taken from the first file that has it (the 3-factor
    and 5-factor files both carry RF, from different vintages). ``needs``: the columns the caller's
    model reads; one missing names the file to add."""
    files = [read_french(p) for p in paths]
    if not files:
        raise UserError("no --factors file given", field="--factors",
                        hint="pass Kenneth French's factor CSV, e.g. --factors F-F_Research_Data_Factors_daily.CSV")
    freq = {f.frequency for f in files}
    if len(freq) > 1:
        monthly = next(f for f in files if f.frequency == "monthly")
        raise UserError("a monthly file among daily ones", file=monthly.path, line=monthly.header_line + 1,
                        field="date", hint="give files of one frequency (the *_daily files for a daily study)")
    parts: list[pd.Series] = []
    seen: set[str] = set()
    for f in files:
        for c in f.frame.columns:
            if c not in seen:
                seen.add(c)
                parts.append(f.frame[c])
    frame = pd.concat(parts, axis=1, join="outer").sort_index()
    frame.index.name = "date"
    frame.attrs["frequency"] = files[0].frequency
    frame.attrs["sources"] = [f.path.name for f in files]
    for name in needs:
        if name not in frame.columns:
            first = files[0]
            raise UserError(f"no {name} column in {_listing(files)}", file=first.path, line=first.header_line,
                            field=name, hint=_where_to_find(name))
    return frame


def _listing(files: list[FactorFile]) -> str:
    return "the --factors file" if len(files) == 1 else f"any of the {len(files)} --factors files"


def _where_to_find(name: str) -> str:
    if name == "RF":
        return ("excess returns need the risk-free rate: add the research factors file, e.g. "
                "--factors F-F_Research_Data_Factors_daily.CSV")
    if name == "Mom":
        return "carhart needs momentum: add --factors F-F_Momentum_Factor_daily.CSV"
    if name in ("RMW", "CMA"):
        return "ff5 needs the five-factor file, e.g. --factors F-F_Research_Data_5_Factors_2x3_daily.CSV"
    return "give the data library's factor file that has it"
