"""User-facing errors: what went wrong, where, and how to fix it.

Every mistake a user can make (a bad file, a bad row, an unknown symbol) is raised as a
:class:`UserError`; the CLI prints it on one line and exits with code 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class UserError(Exception):
    """A mistake in the user's input, reported on one line.

    ``file``/``line``/``field`` locate it, ``message`` says what is wrong, ``hint`` how to fix it.
    """

    message: str
    file: str | Path | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        # A cell quoted into the message may hold a line break (a quoted CSV field): written out as
        # \n, so the error stays the one line the user and the log read.
        return f"{where}{field}{self.message}{hint}".replace("\r", "\\r").replace("\n", "\\n")

    def __str__(self) -> str:
        return self.one_line()


class DataError(UserError):
    """Stored or fetched data cannot serve the request (missing symbol, too little history)."""


class FetchError(Exception):
    """A price source failed for one security; carries the symbol, the reason and its kind:
    ``network`` (the source could not be reached), ``rate_limit`` or ``data`` (it answered, but
    with nothing usable)."""

    def __init__(self, symbol: str, reason: str, kind: str = "data"):
        self.symbol = symbol
        self.reason = reason
        self.kind = kind
        super().__init__(f"{symbol}: {reason}")


class EnvironmentFailure(UserError):
    """The machine, not the input, failed: no network, a full disk, a read-only folder.

    Reported on one line like a :class:`UserError`, but the CLI exits with code 1, not 2."""
