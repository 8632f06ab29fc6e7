"""The chunked engine: any number of events in bounded memory, with the results of one pass.

Events are cut into chunks of whole date clusters (events sharing day 0 stay together, so the
Kolari-Pynnonen correlations are computed inside a chunk). Pass 1 runs :func:`engine.run` on each
chunk and keeps only what is per event and small: the event-window columns of the AR and its
variance (returns and dates are the series'; the expected return is return - AR, equal to rounding),
the CAR arrays and the estimates' columns; the battery's estimation-window inputs
are added up as :class:`significance.EstimationSums`. GRANK needs each test's cross-sectional
standard deviation, known after pass 1: GRANK's pass then adds each chunk's rank sums, from inputs
pass 1 kept in memory (up to :data:`GRANK_MEMORY`) or spilled to a temporary file, or, failing
both, from running the engine on the chunk again (:class:`GrankInputs`).

Memory is a few chunks' panels plus the per-event columns of all events; time is linear in events.
"""

from __future__ import annotations

import functools
import itertools
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from eventstudy.stats import engine, models, significance
from eventstudy.stats.panel import Layout
from eventstudy.stats.placed import PlacedEvents, event_ids, own_notes, symbols, text_column
from eventstudy.stats.windows import Estimation, Window

# A chunk's panels take about this many bytes per event and panel day (returns, benchmarks,
# dates, expected, AR, variance, design, ranks and the battery's temporaries).
BYTES_PER_EVENT_DAY = 160
CHUNK_MEMORY = 48 * 2**20
MIN_CHUNK, MAX_CHUNK = 500, 50_000
# GRANK's inputs of a chunk (estimation SARs and their ranks, 16 bytes, and the finite mask made
# from them while they are used), kept from pass 1 while all chunks' take at most GRANK_MEMORY:
# small studies need no second pass.
GRANK_BYTES_PER_EVENT_DAY = 17
GRANK_MEMORY = 128 * 2**20
# Chunks worked on at once in threads, besides the one being added up.
WORKERS = 2
T = TypeVar("T")


def panel_width(estimation: Estimation, window: Window) -> int:
    """Days of a chunk's panels (without the fallback's post-event days)."""
    if isinstance(estimation.window, Window):
        return max(window.end, estimation.window.end) - min(window.start, estimation.window.start) + 1
    return 2 * 250 + window.length  # a date window's reach in event time varies by security


def auto_chunk_size(estimation: Estimation, window: Window) -> int:
    """Events per chunk so that a chunk's panels take about :data:`CHUNK_MEMORY` (48 MB): about
    1,150 events with a 250-day estimation window and a 21-day event window (small chunks cost
    little time: the work per chunk is whole-array; with :data:`WORKERS` threads, that many more
    chunks are in memory at once)."""
    width = panel_width(estimation, window)
    return int(np.clip(CHUNK_MEMORY // (width * BYTES_PER_EVENT_DAY), MIN_CHUNK, MAX_CHUNK))


def keep_grank_panels(n_events: int, estimation: Estimation, window: Window) -> bool:
    """Whether GRANK's estimation ranks of all events fit :data:`GRANK_MEMORY` (then pass 1 keeps
    them and there is no second pass; about 27,000 events with a 250-day estimation window)."""
    return n_events * panel_width(estimation, window) * GRANK_BYTES_PER_EVENT_DAY <= GRANK_MEMORY


def plan(day0_dates: np.ndarray, size: int) -> list[np.ndarray]:
    """Event positions in chunks of about ``size``, by day-0 date, never splitting a date's events
    (a date with more events than ``size`` is one chunk)."""
    order = np.argsort(day0_dates, kind="stable")
    dates = day0_dates[order]
    starts = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]])  # first event of each date
    chunks, begin = [], 0
    for s in starts[1:]:
        if s - begin >= size:
            chunks.append(order[begin:s])
            begin = int(s)
    chunks.append(order[begin:])
    return chunks


def window_columns(out: engine.Output) -> engine.Output:
    """``out`` cut to its event-window columns (a compact output): what stays of a chunk."""
    cols = out.win_cols
    params = {k: v for k, v in out.fit.params.items() if k != "df"}
    params["df"] = engine.degrees_of_freedom(out).astype(float)
    return _compact(out, out.series, out.rel[cols], out.ar[:, cols], out.var_ar[:, cols], out.usable, out.fit.s2,
                    out.fit.n_obs, params, out.model_used, out.notes)


def _compact(like: engine.Output, series: Sequence[engine.EventSeries], rel: np.ndarray, ar: np.ndarray,
             var_ar: np.ndarray, usable: np.ndarray, s2: np.ndarray, n_obs: np.ndarray, params: dict[str, np.ndarray],
             model_used: list[str], notes: Sequence[Sequence[str]], layout: Layout | None = None) -> engine.Output:
    """A compact output (event-window columns only) of ``like``'s model and settings. Returns, dates
    and expected returns are not kept: the layout has the first two, and the third is return - AR
    when written; nor is the design, which only the engine's CARs read (per chunk)."""
    n = len(ar)
    empty = np.empty((n, 0))
    fit = models.Fit(like.fit.model, empty, np.zeros((n, len(rel), 0)), np.zeros((n, 0, 0)), s2, n_obs,
                     like.fit.n_params, params)
    return engine.Output(
        series=series, model=like.model, rel=rel, dates=empty.astype("datetime64[ns]"), y=empty, m=None,
        expected=empty, ar=ar, var_ar=var_ar, est=np.zeros(ar.shape, dtype=bool), window=like.window, fit=fit,
        model_used=model_used, usable=usable, notes=notes, log_returns=like.log_returns, convention=like.convention,
        compact=True, layout=layout,
    )


_NONE = np.empty(0)  # a CAR field the collector was not given (see Collector.car_arrays)


class Collector:
    """The compact outputs and CAR arrays of all chunks, put in the events' own order."""

    def __init__(self, series: Sequence[engine.EventSeries], layout: Layout | None, stripped_notes: bool = False):
        self.series = series
        # Without a layout (the tasks read the data), the chunks bring their event windows' returns
        # and dates, and a layout of those alone is made for the tables.
        self.layout = layout
        # The chunks' notes are only those the engine added (the tasks do not know the overlaps).
        self.stripped_notes = stripped_notes
        self.window_unit = "ns"
        self.n = len(series)
        self.arrays: dict[str, np.ndarray] = {}
        self.params: dict[str, np.ndarray] = {}
        self.cars: dict[Window, dict[str, np.ndarray]] = {}
        self.model_used: list[str] = [""] * self.n
        # Stripped, the events' own notes are the series' (made when read): only the engine's few are kept.
        self.notes: list[Sequence[str]] = [] if stripped_notes else [()] * self.n
        self.added: dict[int, list[str]] = {}
        self.first: engine.Output | None = None
        self.estimates: dict[str, np.ndarray] = {}
        self.estimate_columns: list[str] = []

    def _slot(self, store: dict, name: str, like: np.ndarray) -> np.ndarray:
        if name not in store:
            shape = (self.n, *like.shape[1:])
            store[name] = np.full(shape, np.nan) if like.dtype.kind == "f" else np.zeros(shape, dtype=like.dtype)
        return store[name]

    def put(self, small: engine.Output, rows: np.ndarray, cars: list[engine.CarArrays],
            estimates: dict[str, np.ndarray | None],
            window: tuple[np.ndarray, np.ndarray, str] | None = None) -> None:
        """A chunk's compact output (:func:`window_columns`), CARs and estimates, for events ``rows``."""
        if self.first is None:
            self.first = small
        elif not np.array_equal(small.rel, self.first.rel):
            raise ValueError("chunks disagree on the event window")
        # Returns and dates stay in the series; the expected return is return - AR when written.
        for name in ("ar", "var_ar", "usable"):
            self._slot(self.arrays, name, getattr(small, name))[rows] = getattr(small, name)
        for name, v in (("s2", small.fit.s2), ("n_obs", small.fit.n_obs)):
            self._slot(self.arrays, name, np.asarray(v))[rows] = v
        for k, v in small.fit.params.items():
            self._slot(self.params, k, np.asarray(v, dtype=float))[rows] = v
        for c in cars:
            store = self.cars.setdefault(c.window, {})
            for name in ("car", "var", "n_days", "raw", "bhar"):
                v = getattr(c, name)
                if len(v) < len(rows):  # parked by a cluster's client until the battery is done (dataset.py)
                    continue
                self._slot(store, name, v)[rows] = v
        # Python ints: a list indexed by numpy integers takes four times as long (3.5 s of the main
        # thread's time at a million events, while the workers wait for the interpreter).
        for j, i in enumerate(rows.tolist()):
            self.model_used[i] = small.model_used[j]
            if self.stripped_notes:
                if small.notes[j]:
                    self.added[i] = list(small.notes[j])
                continue
            # The engine's copy of an event's notes only when it added one (a fallback's).
            own, mine = self.series[i].notes, small.notes[j]
            self.notes[i] = own if mine is own or mine == own else mine
        if window is not None:
            y, dates, self.window_unit = window
            self._slot(self.arrays, "win_y", y)[rows] = y
            self._slot(self.arrays, "win_dates", dates)[rows] = dates
        # The numeric columns go into arrays; the text ones (None: ids, symbols, models, notes) are the events'.
        self.estimate_columns = [c for c in estimates if c != "note"]
        for label, values in estimates.items():
            if values is not None:
                self._slot(self.estimates, label, np.asarray(values))[rows] = values

    def output(self) -> engine.Output:
        first = self.first
        assert first is not None
        a = self.arrays
        layout = self.layout if self.layout is not None else self._window_layout(first.window)
        notes = EventNotes(self.series, self.added) if self.stripped_notes else self.notes
        return _compact(first, self.series, first.rel, a["ar"], a["var_ar"], a["usable"], a["s2"], a["n_obs"],
                        self.params, self.model_used, notes, layout)

    def _window_layout(self, window: Window) -> Layout:
        """A layout of the event windows alone (days min(start, 0) to max(end, 0)), which is all the
        tables read of the returns and dates."""
        y, dates = self.arrays.pop("win_y"), self.arrays.pop("win_dates")
        width = y.shape[1]
        start = np.arange(self.n, dtype=np.intp) * width
        flats: dict[str, np.ndarray | None] = {"returns": y.ravel(), "dates": dates.ravel(), "market": None,
                                               "sector": None}
        return Layout(flats, {"returns": start, "dates": start}, np.full(self.n, width, dtype=np.intp),
                      np.full(self.n, -min(window.start, 0), dtype=np.intp), self.window_unit)

    def car_arrays(self, windows: list[Window]) -> list[engine.CarArrays]:
        # A parked field is an empty array until its owner puts the values back.
        return [engine.CarArrays(w, **{"raw": _NONE, "bhar": _NONE, **self.cars[w]}) for w in windows]

    def estimates_table(self) -> pd.DataFrame:
        every = slice(None)
        text: dict[str, Callable[[], Any]] = {"event_id": lambda: text_column(event_ids(self.series, every)),
                                              "symbol": lambda: text_column(symbols(self.series, every)),
                                              "model": lambda: self.model_used}
        return pd.DataFrame({c: self.estimates[c] if c in self.estimates else text[c]() for c in self.estimate_columns})


class EventNotes(Sequence[Sequence[str]]):
    """Each event's notes, made when read: the series' own (its overlaps) and those the engine added
    (a fallback's, a few events'): a million events' notes are not held as a million lists."""

    def __init__(self, series: Sequence[engine.EventSeries], added: dict[int, list[str]]):
        self.series, self.added = series, added

    def __len__(self) -> int:
        return len(self.series)

    def __getitem__(self, i):  # type: ignore[override]  # an index or a slice, as a list takes
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        own, mine = own_notes(self.series, i), self.added.get(range(len(self))[i])
        return [*own, *mine] if mine else own

    @functools.cached_property
    def _keys(self) -> np.ndarray:
        """The events with notes the engine added (all added before the notes are read)."""
        return np.fromiter(self.added, dtype=np.intp, count=len(self.added))

    def total(self) -> int:
        """How many notes all events have (the placed events' own counted from their arrays)."""
        added = sum(len(v) for v in self.added.values())
        if isinstance(self.series, PlacedEvents):
            return int((self.series.earlier >= 0).sum() + (self.series.later >= 0).sum()) + added
        return sum(len(self.series[i].notes) for i in range(len(self))) + added

    def texts(self, rows: slice) -> Any | None:
        """The note column of events ``rows`` (a step-1 slice): the placed events' own notes made in
        arrow, then each one's the engine added; None where the series are not placed events."""
        if not isinstance(self.series, PlacedEvents):
            return None
        start, stop, step = rows.indices(len(self))
        assert step == 1, "a block of consecutive events"
        own = self.series.note_texts(slice(start, stop))
        mine = self._keys[(self._keys >= start) & (self._keys < stop)]
        if not len(mine):
            return own
        values = own.to_pylist()
        for i in mine.tolist():
            values[i - start] = "; ".join([t for t in (values[i - start],) if t] + self.added[i])
        return values


def chunks_of(chunks: list[np.ndarray], work: Callable[[np.ndarray], T],
              workers: int | None = None) -> Iterator[tuple[T, np.ndarray]]:
    """``work`` of each chunk's event positions, with those positions, in chunk order.

    Up to ``workers`` chunks are worked on in threads while the caller uses the one before: the
    work is whole-array numpy, which releases the GIL, so other cores do it, at the cost of that
    many more chunks' panels in memory. The results come in order, so whatever the caller adds up
    is added in the same order as with no thread at all (``workers=0``; default :data:`WORKERS`)."""
    workers = WORKERS if workers is None else workers
    if workers < 1 or len(chunks) < 2:
        for rows in chunks:
            yield work(rows), rows
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eventstudy-chunk") as pool:
        for result, rows in in_order(lambda rows: pool.submit(work, rows), chunks, workers):
            yield result, rows
            del result


def in_order(submit: Callable[[np.ndarray], Any], chunks: Iterable[np.ndarray],
             in_flight: int) -> Iterator[tuple[Any, np.ndarray]]:
    """Each chunk's result with its event positions, in chunk order, keeping ``in_flight`` chunks
    submitted ahead of the one the caller uses: ``submit(rows)`` starts one and gives a future
    (whose ``result()`` waits for it), a thread pool's here, a distributed engine's in
    benchmarks/dask_chunks.py."""
    pending: deque[tuple[Any, np.ndarray]] = deque()
    todo = iter(chunks)
    for rows in itertools.islice(todo, max(in_flight, 1)):
        pending.append((submit(rows), rows))
    while pending:
        future, rows = pending.popleft()
        result = future.result()
        del future  # a distributed engine lets a task's result go with its last future
        nxt = next(todo, None)
        if nxt is not None:
            pending.append((submit(nxt), nxt))
        yield result, rows


class GrankSpill:
    """GRANK's inputs of each chunk (:class:`significance.GrankPanel`) written in pass 1 to an
    unnamed temporary file and read back for GRANK's pass, instead of running the engine on every
    chunk again: 12 bytes per event and panel day on disk (the SARs, and their ranks as float32:
    half-integers, exact), none in memory. The file is gone when closed (or when the process ends).

    Writes go through Python's file object, which raises on any failed write or flush; :meth:`done`
    checks the file's size before GRANK's pass relies on it, and a read that comes back short raises
    rather than give zeros."""

    def __init__(self) -> None:
        # Held open across both passes and closed by close(): not a with-block.
        self.fh = tempfile.TemporaryFile(prefix="eventstudy-grank-")  # noqa: SIM115
        self.index: list[tuple[int, tuple[int, int], np.ndarray]] = []
        self.size = 0

    @classmethod
    def open(cls) -> GrankSpill | None:
        """A spill file, or None where none can be made (no writable temporary folder)."""
        try:
            return cls()
        except OSError:
            return None

    def put(self, panel: significance.GrankPanel) -> None:
        """Append a chunk's panel (raises OSError when the disk is full: the caller then recomputes)."""
        self.index.append((self.size, panel.est_sar.shape, panel.rel))
        for part in (np.ascontiguousarray(panel.est_sar, dtype=np.float64),
                     np.ascontiguousarray(panel.ranks0, dtype=np.float32)):
            self.fh.write(part.data.cast("B"))
            self.size += part.nbytes

    def done(self) -> bool:
        """Everything written reached the file (flushed; the size is the sum of what was put)."""
        try:
            self.fh.flush()
            return os.fstat(self.fh.fileno()).st_size == self.size
        except OSError:
            return False

    def panels(self, chunks: list[np.ndarray]) -> Iterator[tuple[significance.GrankPanel, np.ndarray]]:
        for (offset, shape, rel), rows in zip(self.index, chunks, strict=True):
            self.fh.seek(offset)
            est_sar = self._read(shape, np.float64)
            ranks0 = self._read(shape, np.float32).astype(np.float64)
            yield significance.GrankPanel(rel, est_sar, ranks0), rows

    def _read(self, shape: tuple[int, int], dtype: type) -> np.ndarray:
        out: np.ndarray = np.empty(shape, dtype=dtype)
        got = self.fh.readinto(out.data.cast("B"))
        if got != out.nbytes:
            raise OSError(f"GRANK's temporary file came back short ({got} of {out.nbytes} bytes)")
        return out

    def close(self) -> None:
        self.fh.close()


class GrankInputs:
    """Where each chunk's GRANK inputs wait between pass 1 and GRANK's pass: in memory while all
    of them take at most :data:`GRANK_MEMORY` (counted by their real size: date windows and the
    fallback widen panels past :func:`keep_grank_panels`' estimate), else in a :class:`GrankSpill`
    (from the start when the estimate says they will not fit), else nowhere: without a temporary
    file, when the disk fills up or a write is lost, GRANK's pass makes them again."""

    def __init__(self, fits: bool, wanted: bool):
        self.fits = fits
        self.wanted = wanted  # pass 1 should make them (False once they can be kept nowhere)
        self.kept: list[significance.GrankPanel] = []
        self.kept_bytes = 0
        self.spill: GrankSpill | None = None

    def add(self, panel: significance.GrankPanel) -> None:
        """A chunk's inputs, in chunk order."""
        if not self.wanted:
            return
        self.kept.append(panel)
        self.kept_bytes += panel.nbytes
        if self.fits and self.spill is None and self.kept_bytes <= GRANK_MEMORY:
            return
        self.spill = self.spill or GrankSpill.open()
        try:
            if self.spill is None:
                raise OSError("no temporary file")
            for p in self.kept:
                self.spill.put(p)
        except OSError:  # no room: GRANK's pass recomputes
            self._give_up()
        self.kept = []

    def panels(self, chunks: list[np.ndarray], recompute: Callable[[], Iterable[significance.GrankPanel]]
               ) -> Iterable[tuple[significance.GrankPanel, np.ndarray]]:
        """Each chunk's inputs with its events' positions: kept, read back, or made again."""
        if self.spill is not None and not self.spill.done():  # a write lost without an error
            self._give_up()
        if self.spill is not None:
            return self.spill.panels(chunks)
        if self.wanted and len(self.kept) == len(chunks):
            return zip(self.kept, chunks, strict=True)
        return zip(recompute(), chunks, strict=True)

    def _give_up(self) -> None:
        self.close()
        self.spill, self.wanted, self.kept = None, False, []

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()


