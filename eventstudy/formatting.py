"""Number and text formatting shared by claims, the CLI and the reports, so all show the same strings."""

from __future__ import annotations

import math
import re

NA = "n/a"


def _finite(x: object) -> float | None:
    # Accepts numpy scalars, pandas NA and None alike: anything not a finite number prints as n/a.
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def pct(x: object, digits: int = 2) -> str:
    """A fraction as a signed percentage: 0.1881 -> "+18.81%"."""
    v = _finite(x)
    return NA if v is None else f"{v:+.{digits}%}"


def num(x: object, digits: int = 2) -> str:
    """A plain number with fixed decimals: 1.0882 -> "1.09"."""
    v = _finite(x)
    return NA if v is None else f"{v:.{digits}f}"


def integer(x: object) -> str:
    v = _finite(x)
    return NA if v is None else str(round(v))


def pvalue(p: object) -> str:
    """A p-value with four decimals; below that "<0.0001" rather than a misleading "0.0000"."""
    v = _finite(p)
    if v is None:
        return NA
    return "<0.0001" if v < 0.0001 else f"{v:.4f}"


def stat_p(value: object, p: object) -> str:
    """A statistic with its p-value in one table cell: "1.09 (p 0.3902)"."""
    return f"{num(value)} (p {pvalue(p)})"


def named(symbol: object, name: object = "") -> str:
    """A security for a reader: its registry name first and the ticker beside it, "Moore Threads
    (688795.SS)"; the ticker alone when the registry has no other name for it."""
    sym, nm = str(symbol), str(name or "").strip()
    return f"{nm} ({sym})" if nm and nm != sym else sym


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """A file-name-safe form of an event id or symbol ("^HSI" -> "HSI"), stable across runs."""
    return _UNSAFE.sub("_", text).strip("_") or "x"


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: a pipe would split the cell, a newline end the row."""
    s = "" if text is None else str(text)
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embedding, override and
# isolate characters ("Trojan source"): a NUL or a bidi override can hide or reorder text in any output.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_PATTERN = _CONTROL.pattern  # also a valid RE2 pattern: pyarrow's vectorised matchers find the cells to clean


def clean(text: object) -> str:
    """``text`` as a string without control characters; CR and CRLF become LF."""
    s = "" if text is None else str(text)
    return _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))
