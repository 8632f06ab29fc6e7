"""The events frame's column names, as the command line reads them: ``name,when`` (the eventstudies
package's layout) and ``id`` are accepted for ``symbol,date`` and ``event_id``, or a ``columns=``
mapping names them, so a file that works with ``eventstudy study`` works with ``EventStudy`` too."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from eventstudy.errors import UserError

STANDARD = ("symbol", "date", "event_id")
# Other names for the standard columns, in the order they are tried (the CLI's --events file).
ALIASES = (("name", "symbol"), ("when", "date"), ("id", "event_id"))


def standard(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with its event columns named ``symbol``, ``date`` (and ``event_id``); ``columns`` maps
    the frame's own names to those (``{"ticker": "symbol", "announced": "date"}``). The frame itself is
    never changed; without anything to rename it is returned as it is (no copy)."""
    rename: dict[str, str] = {}
    for given, name in (columns or {}).items():
        if name not in STANDARD:
            raise UserError(f"columns maps {given!r} to {name!r}, which is not an event column", field="columns",
                            hint=f"map to one of: {', '.join(STANDARD)}")
        if given not in frame.columns:
            raise UserError(f"columns names {given!r}, which the events do not have", field="columns",
                            hint=f"events columns: {', '.join(map(str, frame.columns[:12]))}")
        rename[given] = name
    for alias, name in ALIASES:
        if alias in frame.columns and name not in frame.columns and name not in rename.values():
            rename[alias] = name
    return frame.rename(columns=rename) if rename else frame
