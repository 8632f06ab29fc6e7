"""Studies whose returns (or prices) are a long dataset read where they are needed.

The reader (:class:`eventstudy.data.long_format.LongData`, or anything with its two methods) gives
securities' own dates (``own_dates(symbols)``) and a wide frame of some securities on a calendar
(``frame(symbols, calendar)``). Which dates a study needs follows from each security's own days:
from the earliest estimation day to the last event-window (or fallback) day, in trading days of
that security (:func:`span`). The frame is then made on the study's calendar (:func:`calendar`),
the same for every reader of it, so that a security's days, and so every event's numbers, are
the same whether one process reads all securities or each task of a cluster reads its own.

On a Dask cluster (:func:`fit_on_cluster`) the client holds the events and the battery's per-event
numbers, never the returns: three rounds of tasks, each reading only its securities' rows where it
runs, (1) find the days (``own_dates``), (2) place every event's day 0 (the chunks follow day 0, as
in one process), (3) run the chunked engine's pass 1 (and GRANK's pass) on each chunk; the client
adds up the sums in chunk order, as one process does, so the four CSVs are byte for byte the
one-process run's. With an output folder, the chunk tasks write their events' rows of ar.csv,
car.csv and estimates.csv themselves, beside it, and the client joins them
(:mod:`eventstudy.stats.parts`), keeping the event-window ARs the battery reads in a file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import os
import re
import socket
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventstudy.errors import UserError
from eventstudy.stats import engine
from eventstudy.stats.panel import Layout
from eventstudy.stats.placed import PlacedEvents, event_id_array
from eventstudy.stats.windows import DateWindow, Window

if TYPE_CHECKING:
    from eventstudy.atomic import FileSet
    from eventstudy.stats import parts
    from eventstudy.stats.study import EventStudy, StudyResult

# Securities per task of the first two rounds (their rows are read whole, two or three columns),
# and per read of their days in one process.
GROUP = 200
LOCAL_GROUP = 1000
# Extra trading days read on each side: a lagged market (Scholes-Williams, Dimson) and the first
# return of prices reach one day beyond the panel.
SLACK = 2


@dataclass
class DatasetReturns:
    """The returns of a study, read from a long dataset by whoever needs them: ``reader`` (picklable)
    has ``own_dates(symbols)`` and ``frame(symbols, calendar)``; ``prices`` when it holds prices
    (returns are computed as :meth:`EventStudy.from_prices` does, with ``missing``); ``divisor``
    100 for returns in percent."""

    reader: Any
    prices: bool = False
    missing: str = "drop"
    divisor: float | None = None


def is_dataset(returns: object) -> bool:
    return isinstance(returns, DatasetReturns)


@dataclass
class Read:
    """What was read: rows, securities, and the first and last date of the calendar."""

    rows: int
    securities: int
    first: np.datetime64 | None
    last: np.datetime64 | None

    def text(self) -> str:
        days = "" if self.first is None else f", {str(self.first)[:10]} to {str(self.last)[:10]}"
        return f"read {self.rows:,} rows of {self.securities:,} securities{days}"


def reach(estimation: Window | DateWindow, window: Window | DateWindow,
          fallback: bool | str) -> tuple[int, int] | None:
    """Trading days around day 0 a study with these estimation and event windows reads (None: date
    windows, whose reach is every date)."""
    from eventstudy.stats.engine import fallback_rule

    est, win = estimation, window
    if not isinstance(est, Window) or not isinstance(win, Window):
        return None
    after = win.end + est.length if fallback_rule(fallback) == "post-event" else win.end
    return min(est.start, win.start) - SLACK, max(est.end, after) + SLACK


def span(own: dict[str, np.ndarray], symbols: Sequence[str], whens: pd.DatetimeIndex, rule: str,
         days: tuple[int, int] | None) -> tuple[np.datetime64 | None, np.datetime64 | None]:
    """The first and last date the events need, on their securities' own days (None: no bound)."""
    from eventstudy.stats.study import locate_day0s

    if days is None:
        return None, None
    lo, hi = days
    frame = pd.DataFrame({"symbol": list(symbols), "when": whens.values})
    first: list[np.datetime64] = []
    last: list[np.datetime64] = []
    for symbol, rows in frame.groupby("symbol", sort=False)["when"]:
        dates = own.get(str(symbol))
        if dates is None or not len(dates):
            continue
        index = pd.DatetimeIndex(dates)
        when = pd.DatetimeIndex(rows.to_numpy())
        pos = locate_day0s(index, when, rule)
        # An event placed on no day of its own still reads from its security's first or last day.
        pos = np.where(pos < 0, np.where(when.values < dates[0], 0, len(dates) - 1), pos)
        first.append(dates[np.clip(pos + lo, 0, len(dates) - 1)].min())
        last.append(dates[np.clip(pos + hi, 0, len(dates) - 1)].max())
    if not first:
        return None, None
    return min(first), max(last)


def calendar(days: np.ndarray, start: np.datetime64 | None, end: np.datetime64 | None) -> np.ndarray:
    """The study's calendar: every date of the securities' rows from ``start`` to ``end``, and the
    first date of all (a wide file's first row, where a security's own days begin)."""
    days = np.unique(np.asarray(days, dtype="datetime64[ns]"))
    if not len(days):
        return days
    keep = np.ones(len(days), dtype=bool)
    if start is not None:
        keep &= days >= start
    if end is not None:
        keep &= days <= end
    keep[0] = True
    return days[keep]


def _benchmark_columns(study: EventStudy) -> list[str]:
    if isinstance(study.market, dict) or isinstance(study.sector, dict):
        raise UserError("a dataset study takes one market (a symbol of the dataset or a Series), not one per security",
                        field="market")
    return [s for s in (study.market, study.sector) if isinstance(s, str)]


@dataclass
class Events:
    """The events of a study as arrays, not Python objects per event (a million events' ids alone
    are 70 MB of strings): each event's security as a code into ``names`` (numbered in order of
    first appearance), its date, and, on a cluster, its id in arrow (:func:`event_ids`)."""

    names: list[str]
    code: np.ndarray
    whens: pd.DatetimeIndex
    ids: Any = None  # a pyarrow string array

    def symbols(self, rows: np.ndarray | slice) -> list[str]:
        return np.asarray(self.names, dtype=object)[self.code[rows]].tolist()

    def frame(self, rows: np.ndarray) -> pd.DataFrame:
        """Events ``rows`` as a task's events."""
        import pyarrow as pa

        return pd.DataFrame({"symbol": self.symbols(rows), "date": self.whens[rows],
                             "event_id": self.ids.take(pa.array(rows)).to_pylist()})


def _events(study: EventStudy) -> Events:
    """The events' securities and dates (given ids in :func:`event_ids`)."""
    from eventstudy.stats import event_columns
    from eventstudy.stats.study import _as_text, _event_dates

    ev = event_columns.standard(study.events, study.columns)
    missing = [c for c in ("symbol", "date") if c not in ev.columns]
    if missing:
        raise UserError(f"events need columns symbol and date; missing {', '.join(missing)}", field="events",
                        hint="name them symbol,date (or name,when), or map yours with columns={...}")
    symbol = ev["symbol"]
    # Text without gaps is factorized as it is: a string per event is made only for other columns.
    plain = isinstance(symbol.dtype, pd.StringDtype) and not symbol.hasnans
    code, uniques = pd.factorize(symbol if plain else _as_text(symbol), use_na_sentinel=False)
    return Events([str(u) for u in uniques], code.astype(np.int32), _event_dates(ev["date"]))


def event_ids(study: EventStudy, events: Events) -> Any:
    """The events' ids as one process makes them (:func:`placed.event_id_array`), a pyarrow string array."""
    from eventstudy.stats import event_columns

    ev = event_columns.standard(study.events, study.columns)
    given = [str(x) for x in ev["event_id"]] if "event_id" in ev.columns else ()
    return event_id_array(events.names, events.code, events.whens, given)


def _missing(reader: Any, wanted: Sequence[str], found: set[str]) -> None:
    for name in wanted:
        if name not in found:
            raise UserError(f"no rows for {name!r} in the dataset", file=getattr(reader, "path", None),
                            field="symbol", hint="check the symbol, or that the dataset holds it")


@dataclass
class Spec:
    """Everything a task needs to make its part of the study: the settings, the benchmarks, the
    reader and the calendar (small: the returns stay in the dataset)."""

    settings: dict[str, Any]
    market: Any  # a Series, or a column (symbol) of the dataset, or None
    sector: Any
    source: DatasetReturns
    calendar: np.ndarray
    days: tuple[int, int] | None = None  # trading days around day 0 the study reads (None: all)
    window: Window = field(default_factory=lambda: engine.DEFAULT_WINDOW)
    cars: list[Window] = field(default_factory=list)
    clustered: bool = False


def _settings(study: EventStudy) -> dict[str, Any]:
    skip = {"returns", "events", "market", "sector", "returns_on_sessions", "columns"}
    return {f.name: getattr(study, f.name) for f in dataclasses.fields(study) if f.name not in skip}


def make_study(source: DatasetReturns, frame: pd.DataFrame, events: pd.DataFrame, market: Any, sector: Any,
               settings: dict[str, Any]) -> EventStudy:
    """A study of a wide ``frame`` read from ``source``, as the command line makes one of a wide file."""
    from eventstudy.stats.study import EventStudy

    if source.divisor:
        frame = frame / source.divisor
    if source.prices:
        return EventStudy.from_prices(frame, events, market=frame[market] if isinstance(market, str) else market,
                                      sector=frame[sector] if isinstance(sector, str) else sector,
                                      missing=source.missing, **settings)
    return EventStudy(frame, events, market=market, sector=sector, **settings)


def read_frame(reader: Any, symbols: Sequence[str], whens: pd.DatetimeIndex, extra: Sequence[str], rule: str,
               days: tuple[int, int] | None) -> tuple[pd.DataFrame, Read]:
    """In one process: the wide frame of the events' securities and ``extra`` columns (benchmarks),
    on the dates the events need. Their own days come first, :data:`LOCAL_GROUP` securities at a
    time (so that the whole history of every security is never in memory at once), then the rows
    on the needed dates."""
    wanted = list(dict.fromkeys([*symbols, *extra]))
    by_symbol: dict[str, list[int]] = {}
    for k, s in enumerate(symbols):
        by_symbol.setdefault(s, []).append(k)
    found: set[str] = set()
    days_seen, starts, ends = [], [], []
    for g in range(0, len(wanted), LOCAL_GROUP):
        group = wanted[g : g + LOCAL_GROUP]
        rows = [k for s in group for k in by_symbol.get(s, ())]
        cal, start, end, present = _scan_task(reader, group, [symbols[k] for k in rows], whens.values[rows], rule,
                                              days)
        days_seen.append(cal)
        starts += [start] if start is not None else []
        ends += [end] if end is not None else []
        found.update(present)
    _missing(reader, wanted, found)
    bounded = days is not None and starts
    cal = calendar(np.concatenate(days_seen), min(starts) if bounded else None, max(ends) if bounded else None)
    frame, rows_read = reader.frame(wanted, cal)
    return frame, Read(rows_read, len(wanted), cal[0] if len(cal) else None, cal[-1] if len(cal) else None)


def local_study(study: EventStudy) -> EventStudy:
    """``study`` on a frame read in this process (the API's fit() of a dataset study)."""
    source = study.returns
    assert isinstance(source, DatasetReturns)
    events = _events(study)
    days = reach(study.estimation.window, study.window, study.fallback)
    frame, _ = read_frame(source.reader, events.symbols(slice(None)), events.whens, _benchmark_columns(study),
                          study.event_day, days)
    return make_study(source, frame, study.events, study.market, study.sector,
                      {**_settings(study), "columns": study.columns})


# -- on a cluster ----------------------------------------------------------------------------------
def _scan_task(reader: Any, wanted: list[str], symbols: list[str], whens: np.ndarray, rule: str,
               days: tuple[int, int] | None) -> tuple[np.ndarray, Any, Any, list[str]]:
    """Round 1: a group's dates, the span its events need, and which securities have rows."""
    scan = reader.own_dates(wanted)
    start, end = span(scan.own, symbols, pd.DatetimeIndex(whens), rule, days)
    return scan.calendar, start, end, list(scan.own)


def _place_task(spec: Spec, events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, str]]:
    """Round 2: each event's day 0 (date and position on its security's days), or why it has none,
    and the first and last date it reads (its chunk's task reads only those dates)."""
    study, _ = _study_of(spec, events, spec.calendar)
    placed, skipped, layout = study._series()
    series = list(placed)
    at = {s.event_id: k for k, s in enumerate(series)}
    ids = events["event_id"].tolist()
    dates = layout.day0_values("dates").astype("datetime64[ns]")
    nat = np.datetime64("NaT", "ns")
    day0 = np.full(len(ids), nat, dtype="datetime64[ns]")
    needs = np.full((len(ids), 2), nat, dtype="datetime64[ns]")
    pos = np.full(len(ids), -1, dtype=np.intp)
    lo, hi = spec.days if spec.days is not None else (None, None)
    for i, event_id in enumerate(ids):
        k = at.get(event_id)
        if k is None:
            continue
        s = series[k]
        day0[i], pos[i] = dates[k], s.day0
        days = s.dates.values.astype("datetime64[ns]")
        last = len(days) - 1
        needs[i] = (days[0] if lo is None else days[min(max(s.day0 + lo, 0), last)],
                    days[last] if hi is None else days[min(max(s.day0 + hi, 0), last)])
    return day0, pos, needs, {str(s["event_id"]): str(s["reason"]) for s in skipped}


def _study_of(spec: Spec, events: pd.DataFrame, calendar: np.ndarray) -> tuple[EventStudy, int]:
    wanted = list(dict.fromkeys([*events["symbol"].tolist(), *(c for c in (spec.market, spec.sector)
                                                               if isinstance(c, str))]))
    frame, rows = spec.source.reader.frame(wanted, calendar)
    return make_study(spec.source, frame, events, spec.market, spec.sector, spec.settings), rows


def _chunk_calendar(spec: Spec, first: np.datetime64, last: np.datetime64) -> np.ndarray:
    """The study's calendar from ``first`` to ``last``, after its first date: a security's own days
    start there in every frame (a wide file's first row), so they are the same days as in the
    whole calendar's frame, and so are its events' numbers."""
    cal = spec.calendar
    inside = (cal >= first) & (cal <= last)
    inside[0] = True
    return cal[inside]


def _chunk_task(spec: Spec, events: pd.DataFrame, dates: tuple[np.datetime64, np.datetime64],
                rows: np.ndarray | None = None, notes: dict[int, Sequence[str]] | None = None,
                place: parts.Place | None = None, index: int = 0) -> Any:
    """Round 3: pass 1 of one chunk, on its own rows (its securities, from the first to the last
    date its events read): what the client adds up, and GRANK's inputs, which stay on the worker
    (in Dask's memory, spilled to its disk if need be) until GRANK's pass asks for them.

    With a ``place``, the chunk's rows of ar.csv, car.csv and estimates.csv are written there
    (:mod:`eventstudy.stats.parts`; ``rows`` are its events' positions, ``notes`` their overlap
    notes, which the client alone knows) and only the battery's inputs go back."""
    from eventstudy.stats.study import ChunkWork, one_blas_thread

    study, _ = _study_of(spec, events, _chunk_calendar(spec, *dates))
    with one_blas_thread():
        placed, skipped, layout = study._series()
        series = list(placed)
        if skipped or len(series) != len(events):
            raise RuntimeError("a chunk's events were not placed as the client placed them")
        for j, s in enumerate(series):
            # Without a place the client adds the overlaps itself.
            s.notes = notes.get(j, ()) if notes is not None else ()
        work = ChunkWork(study, series, spec.window, spec.cars, layout, spec.clustered, True, ship_window=True)
        done = work.first(np.arange(len(series)))
    grank, done.grank = done.grank, None
    if place is not None:
        from eventstudy.stats import parts

        assert rows is not None
        done.tables = parts.write_chunk(_chunk_result(done, series, rows, spec.cars), index, place)
        own = [s.notes for s in series]
        # The client keeps the notes the engine added; it has the overlaps.
        done.output.notes = [list(n)[len(o):] if n is not o else () for n, o in zip(done.output.notes, own,
                                                                                  strict=True)]
        done.window, done.estimates = None, {}
        # The model's parameters are in estimates.csv: the battery needs their degrees of freedom only.
        done.output.fit.params = {"df": done.output.fit.params["df"]}
    return done, grank


def _chunk_result(done: Any, series: list[engine.EventSeries], rows: np.ndarray, cars: list[Window]) -> StudyResult:
    """A chunk's pass 1 as the result of its events alone, in the order of their positions: what
    the client's result would hold of them."""
    from eventstudy.stats import chunked
    from eventstudy.stats.study import StudyResult

    order = np.argsort(rows, kind="stable")
    local = np.empty(len(rows), dtype=np.intp)
    local[order] = np.arange(len(rows))
    collect = chunked.Collector([series[k] for k in order.tolist()], None)
    collect.put(done.output, local, done.cars, done.estimates, done.window)
    result = StudyResult(collect.output(), collect.car_arrays(cars), pd.DataFrame(), np.nan, False, pd.DataFrame(),
                         pd.DataFrame())
    result.estimate_numbers = collect.estimates_table()
    return result


def _whole_task(spec: Spec, events: pd.DataFrame) -> StudyResult:
    """A study of one chunk: fitted whole on a worker, as one process fits it."""
    study, _ = _study_of(spec, events, spec.calendar)
    return study.fit()


@dataclass
class _Work:
    """The client's side of the chunk tasks: each chunk's events and dates, sent with the spec's
    future; pass 1's futures, whose GRANK inputs wait on the workers for GRANK's pass; with a
    ``joiner``, where the tasks write their tables (``place``) and each event's overlap notes."""

    spec: Any  # a future of the Spec, on every worker
    events: Events
    placed: np.ndarray  # the placed events' positions in ``events``, in the order of the study's series
    calendar: np.ndarray  # the study's
    needs: np.ndarray  # (n, 2): the first and last date each placed event reads, as positions on the calendar
    keep_grank: bool = False  # set by the engine; unused: the inputs are always kept, on the workers
    kept: deque[Any] = field(default_factory=deque)
    place: parts.Place | None = None
    joiner: parts.Joiner | None = None
    columns: parts.ColumnSpill | None = None
    parked: parts.RowSpill | None = None
    series: PlacedEvents | None = None
    submitted: int = 0

    def payload(self, rows: np.ndarray) -> tuple[pd.DataFrame, tuple[np.datetime64, np.datetime64]]:
        return self.events.frame(self.placed[rows]), (self.calendar[self.needs[rows, 0].min()],
                                                      self.calendar[self.needs[rows, 1].max()])

    def notes(self, rows: np.ndarray) -> dict[int, Sequence[str]]:
        assert self.series is not None
        return {j: notes for j, k in enumerate(rows.tolist()) if (notes := self.series.notes(k))}


def _dask_map(client: Any, in_flight: int) -> Callable[[_Work, str, list[np.ndarray]], Iterator[Any]]:
    """The chunked engine's map on a cluster: pass 1 (``first``) as chunk tasks, whose results come
    back without GRANK's inputs; GRANK's pass (``second``) takes those inputs from the workers, one
    chunk at a time, in chunk order (no chunk is read or run twice)."""
    from eventstudy.stats.chunked import in_order

    def map_chunks(work: _Work, method: str, chunks: list[np.ndarray]) -> Iterator[Any]:
        def first(rows: np.ndarray) -> Any:
            events, dates = work.payload(rows)
            # The client keeps a task's arguments while its future lives, and this one lives until
            # GRANK's pass: every chunk's events, positions and notes (about 70 bytes an event).
            # Scattered, they are on the cluster, which lets them go once the task has run.
            if work.place is not None:
                args = client.scatter([events, rows, work.notes(rows)], hash=False)
                both = client.submit(_chunk_task, work.spec, args[0], dates, args[1], args[2], work.place,
                                     work.submitted, pure=False)
            else:
                args = client.scatter([events], hash=False)
                both = client.submit(_chunk_task, work.spec, args[0], dates, pure=False)
            del args
            work.submitted += 1
            work.kept.append(both)
            return client.submit(operator.getitem, both, 0, pure=False)

        def second(rows: np.ndarray) -> Any:
            # Handed over: once its panel is here, the worker lets the chunk's results go.
            return client.submit(operator.getitem, work.kept.popleft(), 1, pure=False)

        for result, rows in in_order(first if method == "first" else second, chunks, in_flight):
            if method == "first" and work.joiner is not None:
                work.joiner.put(rows, result.tables)
                result.tables = None
            if method == "first" and work.columns is not None:
                # The battery reads these a day at a time from the file: the collector keeps none.
                small = result.output
                work.columns.put(rows, small.ar, small.var_ar)
                small.ar, small.var_ar = small.ar[:, :0], small.var_ar[:, :0]
            if method == "first" and work.parked is not None:
                # Not needed until the battery is done (the tasks wrote car.csv's rows): in a file
                # meanwhile; empty, the collector keeps none (fit_on_cluster puts them back).
                for j, c in enumerate(result.cars):
                    work.parked.put(f"raw{j}", rows, c.raw)
                    work.parked.put(f"bhar{j}", rows, c.bhar)
                    c.raw, c.bhar = c.raw[:0], c.bhar[:0]
                    # The days counted in a window (at most its length): 2 bytes, not 8, until then.
                    # The battery's only use, s2 times them, is the product with their floats either way.
                    if c.window.length <= np.iinfo(np.int16).max:
                        c.n_days = c.n_days.astype(np.int16)
            yield result
        if method == "first":
            work.needs = work.needs[:0]  # every chunk sent: the events' date spans are not needed again

    return map_chunks


@dataclass
class _Tables:
    """The per-event tables of a study on a cluster, joined from the tasks' parts (what
    :meth:`StudyResult.write_ar` and ``write_car_and_estimates`` write in one process); ``layout``
    the events' day 0 alone, for the client's result."""

    joiner: parts.Joiner
    layout: Layout
    n_cars: int
    columns: parts.ColumnSpill | None = None

    def write_ar(self, files: FileSet) -> None:
        if files.wants("ar.csv"):
            files.write("ar.csv", self.joiner.writer(["ar"]))

    def write_car_and_estimates(self, files: FileSet) -> None:
        if files.wants("car.csv"):
            files.write("car.csv", self.joiner.writer([f"car{j}" for j in range(self.n_cars)]))
        if files.wants("estimates.csv"):
            files.write("estimates.csv", self.joiner.writer(["est"]))


def _day0_layout(day0: np.ndarray) -> Layout:
    n = len(day0)
    # Every event's array is its day 0 alone: the same start and length for all, as views.
    return Layout({"returns": None, "dates": day0, "market": None, "sector": None},
                  {"dates": np.broadcast_to(np.intp(0), n)}, np.broadcast_to(np.intp(1), n), np.arange(n))


PARTS_PREFIX = ".eventstudy-parts-"
_MARKER = re.compile(r"client-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{16}")


def _sweep_parts(parent: Path) -> list[Path]:
    """Remove the parts folders that clients killed on this host left beside ``parent``'s outputs
    (a folder whose maker is another host's, or a process still running, is left alone)."""
    import shutil

    removed = []
    here = socket.gethostname()
    for folder in parent.glob(PARTS_PREFIX + "*"):
        makers = [m for f in folder.glob("client-*") if (m := _MARKER.fullmatch(f.name))]
        if len(makers) != 1 or makers[0]["host"] != here or _running(int(makers[0]["pid"])):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


@contextlib.contextmanager
def _parts_folder(csv_dir: Path, names: Sequence[str]) -> Iterator[parts.Place]:
    """A folder for the tasks' parts beside ``csv_dir`` (on a cluster of several machines, the
    workers see it where the output's folder is on a filesystem they share; those that do not see
    it send their parts back), removed with everything in it when the study ends."""
    import secrets
    import shutil
    import tempfile

    from eventstudy.stats import parts

    parent = csv_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    _sweep_parts(parent)
    folder = Path(tempfile.mkdtemp(prefix=PARTS_PREFIX, dir=parent))
    try:
        # who made it (host, process): a later run on this host removes it if that process is gone
        marker = f"client-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(8)}"
        (folder / marker).touch()
        yield parts.Place(str(folder), marker, tuple(names))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _in_order(submit: Callable[[Any], Any], items: list[Any], in_flight: int) -> Iterator[tuple[Any, Any]]:
    """:func:`chunked.in_order` of any items: each one's result with it, in order."""
    from eventstudy.stats.chunked import in_order

    return in_order(submit, items, in_flight)  # type: ignore[arg-type]


def _groups(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def fit_on_cluster(study: EventStudy, client: Any, chunk_size: int | None, csv_dir: str | Path | None,
                   tables: Sequence[str] | None = None) -> StudyResult:
    """:meth:`EventStudy.fit_chunked` with every read and every chunk on ``client``'s cluster."""
    import pyarrow as pa

    from eventstudy.atomic import FileSet
    from eventstudy.stats import chunked, parts, significance
    from eventstudy.stats.study import csv_files, one_blas_thread
    from eventstudy.stats.windows import default_cars

    source = study.returns
    assert isinstance(source, DatasetReturns)
    wanted = csv_files(tables)
    if study.measure != "returns":
        raise UserError(f"a study on a cluster measures returns, not {study.measure}", field="measure",
                        hint="run it in one process (without a scheduler)")
    if not isinstance(study.window, Window):
        raise UserError("a study on a cluster takes an event window in trading days", field="window",
                        hint="give the window as A:B, e.g. -5:5")
    study._check_model()
    study._check_estimation()
    extra = _benchmark_columns(study)
    events = _events(study)
    events.ids = event_ids(study, events)
    # Arrow's allocator keeps what the events' reading and the ids' making freed (50 MB at a million
    # events) for later arrow work, of which the client does little: given back.
    pa.default_memory_pool().release_unused()
    whens = events.whens
    workers = max(len(client.scheduler_info().get("workers", {})), 1)
    in_flight = 2 * workers
    days = reach(study.estimation.window, study.window, study.fallback)

    # Round 1: the days of every security, and the dates the events need. A group's events are
    # its securities' in turn, each one's in the events' order.
    names = events.names
    groups = _groups(names, GROUP)
    order = np.argsort(events.code, kind="stable")
    bounds = np.searchsorted(events.code[order], np.arange(0, len(names) + GROUP, GROUP))
    group_rows = [order[bounds[g] : bounds[g + 1]] for g in range(len(groups))]
    del order

    # A few groups' payloads at a time (each task's arguments live in the client until it is done).
    def scan_group(g: int) -> Any:
        rows = group_rows[g]
        wanted = [*groups[g], *(extra if g == 0 else ())]
        return client.submit(_scan_task, source.reader, wanted, events.symbols(rows), whens.values[rows],
                             study.event_day, days, pure=False)

    calendars, starts, ends, found = [], [], [], set()
    for (cal, start, end, present), _ in _in_order(scan_group, list(range(len(groups))), in_flight):
        calendars.append(cal)
        starts += [start] if start is not None else []
        ends += [end] if end is not None else []
        found.update(present)
    _missing(source.reader, [*names, *extra], found)
    bounded = days is not None and starts
    cal = calendar(np.concatenate(calendars), min(starts) if bounded else None, max(ends) if bounded else None)
    del calendars

    spec = Spec(_settings(study), study.market, study.sector, source, cal, days)

    # Round 2: day 0 of every event, on the calendar every task reads.
    shared = client.scatter(spec, broadcast=True, hash=False)

    def place_group(g: int) -> Any:
        return client.submit(_place_task, shared, events.frame(group_rows[g]), pure=False)

    n = len(whens)
    day0 = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    needs = np.full((n, 2), np.datetime64("NaT"), dtype="datetime64[ns]")
    pos = np.full(n, -1, dtype=np.intp)
    reasons: dict[str, str] = {}
    for (d, p, need, why), g in _in_order(place_group, list(range(len(groups))), in_flight):
        # (not bound to a name: the last group's rows, a view, would keep the whole order alive)
        day0[group_rows[g]], pos[group_rows[g]], needs[group_rows[g]] = d, p, need
        reasons.update(why)
    group_rows, groups = [], []  # the groups' lists let go (the closures above see these names)
    placed = np.flatnonzero(pos >= 0)
    skipped = []
    for k in np.flatnonzero(pos < 0).tolist():
        event_id = events.ids[k].as_py()
        skipped.append({"event_id": event_id, "symbol": names[events.code[k]], "date": whens[k],
                        "reason": reasons[event_id]})
    if not len(placed):
        raise UserError("no event could be placed on its security's trading days",
                        hint="check the event dates and the --event-day rule")
    window = study.window
    cars = list(study.cars) if study.cars is not None else list(default_cars(window))
    for c in cars:
        if c.start < window.start or c.end > window.end:
            raise UserError(f"CAR window {c.label} lies outside the event window {window.label}",
                            field="car", hint="widen --window or narrow --car")
    every = len(placed) == len(events.code)
    series = PlacedEvents(events.names, events.code[placed], pos[placed],
                          events.ids if every else events.ids.take(pa.array(placed)), window)
    overlaps = series.overlaps
    placed_day0 = day0[placed]
    del day0, pos
    needs = np.searchsorted(cal, needs[placed]).astype(np.int32)  # the dates are the calendar's: half the bytes
    clustered = significance.is_clustered(placed_day0, study.clustered)
    size = chunk_size or chunked.auto_chunk_size(study.estimation, window)
    plan = [np.arange(len(series))] if study.clustered else chunked.plan(placed_day0, size)
    spec = dataclasses.replace(spec, window=window, cars=cars, clustered=clustered)
    shared = client.scatter(spec, broadcast=True, hash=False)

    # Round 3: the chunks; the client adds up and writes.
    files = FileSet(csv_dir, wanted) if csv_dir is not None else None
    with files if files is not None else contextlib.nullcontext():
        if len(plan) == 1:
            # One chunk is the whole study, fitted as one process fits it.
            result = client.submit(_whole_task, shared, events.frame(placed), pure=False).result()
            result.skipped = pd.DataFrame(skipped)
            if files is not None:
                result.write_event_tables(files)
        elif files is None:
            work = _Work(shared, events, placed, cal, needs)
            del needs  # held by the work alone, which lets them go after pass 1
            with one_blas_thread():
                result = study._chunked_passes(series, skipped, window, cars, overlaps, plan, clustered, work,
                                               _dask_map(client, in_flight), files, None)
        else:
            # The tasks write the per-event tables' rows beside the output; the client joins them.
            names = [n for n in parts.table_names(len(cars)) if files.wants(parts.file_of(n))]
            with _parts_folder(Path(csv_dir) if csv_dir is not None else Path(), names) as place:
                joiner = parts.Joiner(len(series), names, Path(place.folder))
                columns = parts.ColumnSpill(len(series), Path(place.folder))
                parked = parts.RowSpill(len(series), Path(place.folder))
                work = _Work(shared, events, placed, cal, needs, place=place, joiner=joiner, columns=columns,
                             parked=parked, series=series)
                del needs  # held by the work alone, which lets them go after pass 1
                joined = _Tables(joiner, _day0_layout(placed_day0), len(cars), columns)
                try:
                    with one_blas_thread():
                        result = study._chunked_passes(series, skipped, window, cars, overlaps, plan, clustered,
                                                       work, _dask_map(client, in_flight), files, None, joined)
                    del work, joined, joiner  # the joiner's arrays, before the CARs' own come back
                    for j, arrays in enumerate(result.car_arrays):
                        arrays.raw, arrays.bhar = parked.take(f"raw{j}"), parked.take(f"bhar{j}")
                        arrays.n_days = arrays.n_days.astype(np.intp)  # a count of booleans, as the engine made it
                finally:
                    columns.close()
                    parked.close()
        if files is not None:
            result.write_tests(files)
    return result
