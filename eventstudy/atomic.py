"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from eventstudy.formatting import clean


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_file(directory: Path, prefix: str) -> tuple[int, Path]:
    """A new temporary file in ``directory`` (same file system, so a rename is atomic), with the
    permissions a normal file would get: mkstemp's 0600 would make reports unreadable to others."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(name)


def write_via(path: str | Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp)`` on a temporary file beside ``path``, fsync it, then rename it over
    ``path``. On any failure the temporary file is removed and ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file(path.parent, f".{path.name}.")
    os.close(fd)
    try:
        writer(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    def writer(p: Path) -> None:
        p.write_text(text, encoding="utf-8")

    return write_via(path, writer)


def write_bytes(path: str | Path, data: bytes) -> Path:
    def writer(p: Path) -> None:
        p.write_bytes(data)

    return write_via(path, writer)


# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection);
# tab and carriage return are on OWASP's list because some programs strip them before parsing.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _neutral(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = clean(value)
    if value.startswith(FORMULA_START):
        return "'" + value  # the apostrophe marks text in every spreadsheet and is shown as data elsewhere
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells (values, index and header) that a spreadsheet would run as a formula
    prefixed with an apostrophe. Numbers are left alone: -0.05 in a float column is a number."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_neutral)
    if out.index.dtype == object:
        out.index = out.index.map(_neutral)
    out.columns = [_neutral(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``frame`` as CSV atomically, with formula-like text cells neutralized (:func:`csv_safe`)."""
    kwargs.setdefault("index", False)
    safe = csv_safe(frame)
    return write_via(path, lambda p: safe.to_csv(p, **kwargs))


def write_table_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """``write_csv(frame, path)`` (no index) through pyarrow's multithreaded writer: the same values
    (floats in shortest round-trip form, NaN and None as empty fields, midnight datetimes as dates),
    several times faster on large tables. Strings are quoted only when a value needs it."""
    import csv
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not len(frame.columns):
        return write_csv(frame, path)
    frame = csv_safe(frame)
    columns = {}
    for name, s in frame.items():
        kind = s.dtype.kind
        if kind == "f":
            v = s.to_numpy(dtype=float)
            columns[str(name)] = pa.array(v, mask=np.isnan(v))
        elif kind == "M":
            v = s.to_numpy(dtype="datetime64[ns]")
            nat = np.isnat(v)
            days = v.astype("datetime64[D]")
            at_midnight = bool(((days == v) | nat).all())
            text = days if at_midnight else np.datetime_as_string(v, unit="s")
            columns[str(name)] = pa.array(text, mask=nat)
        elif kind == "b":
            columns[str(name)] = pa.array(s.map({True: "True", False: "False"}), from_pandas=True)
        else:
            columns[str(name)] = pa.array(s, from_pandas=True)
    table = pa.table(columns)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])

    def writer(p: Path) -> None:
        for quoting in ("none", "needed"):  # "none" refuses a value with a comma, quote or newline
            with open(p, "wb") as fh:
                fh.write(header.getvalue().encode())
                try:
                    pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style=quoting))
                    return
                except pa.ArrowInvalid:
                    continue

    return write_via(path, writer)
