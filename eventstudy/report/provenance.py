"""Where the report comes from: when it was made, by which version, with which settings, and for each
series its source and how far its prices reach, with a warning where they end before an event
window does (a CAR over days without prices is shorter than its label says)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd

from eventstudy.news.pipeline import RunResult, Settings

from .tables import Table


@dataclass
class Provenance:
    generated_at: str
    version: str
    settings: list[tuple[str, str]]
    series: Table | None
    warnings: list[str]


def generated_at(environ: dict[str, str] | None = None) -> str:
    """Now in UTC to the minute, or the time pinned by ``SOURCE_DATE_EPOCH`` (reproducible builds), so
    two runs on the same inputs can give byte-identical reports."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    when = (dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else dt.datetime.now(dt.UTC))
    return when.strftime("%Y-%m-%d %H:%M UTC")


def settings_rows(st: Settings) -> list[tuple[str, str]]:
    return [
        ("model", st.model),
        ("estimation window", f"{st.estimation.window.label} trading days, at least {st.estimation.min_days} valid"),
        ("event window", st.window.label),
        ("CAR windows", ", ".join(w.label for w in st.cars)),
        ("missing sessions", st.missing),
        ("bootstrap", f"{st.bootstrap} resamples, seed {st.seed}"),
    ]


def _window_ends(run: RunResult) -> dict[str, list[tuple[str, pd.Timestamp]]]:
    """symbol (security or its benchmark) -> (event id, last session of its event window)."""
    ends: dict[str, list[tuple[str, pd.Timestamp]]] = {}
    for a in run.analyses:
        for sym, end in a.window_end.items():
            bench = a.prices[sym].attrs.get("benchmark") if sym in a.prices else None
            for s in (sym, bench):
                if s:
                    ends.setdefault(str(s), []).append((a.event.id, end))
    return ends


def source_text(source: str) -> str:
    """A series' source for a reader: "yahoo" as it is, an imported file by its name only (the
    importing machine's folders mean nothing to a reader and would make reports differ by machine)."""
    name = PurePath(source.replace("\\", "/")).name if ("/" in source or "\\" in source) else source
    return f"file {name}" if name != source else source


def provenance(run: RunResult, generated: str, version: str) -> Provenance:
    names = {sec.symbol: sec.name for a in run.analyses for s in a.samples for sec in s.securities}
    ends = _window_ends(run)
    rows: list[list] = []
    warnings: list[str] = []
    for sym, info in run.series.items():
        short = [(ev, end) for ev, end in ends.get(sym, []) if info.last < end]
        note = ""
        if short:
            ev, end = max(short, key=lambda x: x[1])
            note = f"ends before the window of {len(short)} event(s)"
            warnings.append(f"{sym}: prices end {info.last.date()}, before the event window of {ev} ends "
                            f"({end.date()})" + (f" and {len(short) - 1} other event(s)" if len(short) > 1 else ""))
        rows.append([sym, names.get(sym, ""), source_text(info.source), str(info.first.date()),
                     str(info.last.date()), note])
    table = Table.of(["series", "name", "source", "first price", "last price", "note"], rows,
                     prose=(1, 5)) if rows else None
    return Provenance(generated, version, settings_rows(run.settings), table, warnings)
