"""The Python API: build a study from returns (or prices) and events, fit it, read tidy results.

>>> study = EventStudy(returns, events, market="^GSPC", model="market",
...                    estimation=Estimation(Window(-250, -11)), window=Window(-5, 5))
>>> result = study.fit()
>>> result.car            # one row per event x CAR window
>>> print(result.summary())

``returns`` is a wide frame (dates x series). Each series lives on its own trading days: the dates
on which it has a value. ``events`` has columns ``symbol`` and ``date`` (and optionally
``event_id``), or the CLI's ``name``, ``when`` and ``id``, or any names mapped by ``columns=``; extra
columns are ignored. The market may be a column of ``returns``, a Series,
or a mapping of symbol -> Series when each security has its own benchmark.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventstudy.errors import UserError
from eventstudy.stats import chunked, dataset, engine, event_columns, evidence, significance
from eventstudy.stats.diagnostics import residual_diagnostics
from eventstudy.stats.models import FACTOR_MODELS, MODELS
from eventstudy.stats.panel import Layout
from eventstudy.stats.placed import (
    OverlapNotes,
    PlacedEvents,
    event_id_array,
    event_ids,
    symbols,
    text_column,
)
from eventstudy.stats.returns import to_returns
from eventstudy.stats.windows import DateWindow, Estimation, Window, default_cars

if TYPE_CHECKING:
    from eventstudy.atomic import FileSet

EVENT_DAY = ("previous", "next", "skip")
TABLES = ("ar", "car", "tests", "estimates")
CSV_FILES = tuple(f"{t}.csv" for t in TABLES)  # what to_csv writes, in this order
MAX_NOTES = 50  # notes a summary prints; the tables have them all
SeriesLike = pd.Series | Mapping[str, pd.Series] | str | None


def _per_symbol(spec: SeriesLike, returns: Mapping[str, pd.Series], symbol: str) -> pd.Series | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in returns:
            raise UserError(f"market column {spec!r} not found", field="market",
                            hint=f"choose one of: {', '.join(returns)}")
        return returns[spec]
    if isinstance(spec, pd.Series):
        return spec
    if symbol not in spec:
        raise UserError(f"no benchmark given for {symbol}", field="market")
    return spec[symbol]


def csv_files(tables: Sequence[str] | None) -> tuple[str, ...]:
    """The CSV files of ``tables`` (names of :data:`TABLES`; None: all four), in their usual order."""
    if tables is None:
        return CSV_FILES
    if isinstance(tables, str):
        tables = [tables]
    unknown = [t for t in tables if t not in TABLES]
    if unknown or not tables:
        raise UserError(f"unknown table {unknown[0]!r}" if unknown else "no table to write", field="tables",
                        hint=f"name one or more of {', '.join(TABLES)}")
    return tuple(f"{t}.csv" for t in TABLES if t in tables)


def locate_day0s(dates: pd.DatetimeIndex, whens: pd.DatetimeIndex, rule: str) -> np.ndarray:
    """Positions of day 0 on one security's trading days for events dated ``whens``; -1 where there is none.

    ``previous``: the last trading day on or before the date (eventstudies); ``next``: the first
    on or after (EventStudyTools); ``skip``: only if the date is itself a trading day.
    """
    if rule not in EVENT_DAY:
        raise UserError(f"unknown event-day rule {rule!r}", field="event_day", hint=f"use {' | '.join(EVENT_DAY)}")
    pos = dates.searchsorted(whens, side="left").astype(np.intp)
    n = len(dates)
    exact = (pos < n) & (dates.values[np.minimum(pos, max(n - 1, 0))] == whens.values) if n else pos < 0
    if rule == "skip":
        other = np.full_like(pos, -1)
    elif rule == "previous":
        other = pos - 1  # -1 when there is no earlier day
    else:
        other = np.where(pos < n, pos, -1)
    return np.where(exact, pos, other)


def _copy_on_write() -> bool:
    """Whether pandas copies shared data before a write (always from pandas 3; an option in 2.x)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.options.mode.copy_on_write is True


class _ByName(Mapping[str, pd.Series]):
    """The returns' series by their names as text, each made when first asked for (and kept, so a
    benchmark is one object): all 2,000 series of a wide frame made up front took 0.07 s."""

    def __init__(self, returns: pd.DataFrame | Mapping[str, pd.Series]):
        self._returns = returns
        if isinstance(returns, pd.DataFrame):  # a repeated name means its last column, as items() gave
            self._where: dict[str, Any] = {str(c): j for j, c in enumerate(returns.columns)}
        else:
            self._where = {str(k): k for k in returns}
        self._made: dict[str, pd.Series] = {}

    def __getitem__(self, name: str) -> pd.Series:
        got = self._made.get(name)
        if got is None:
            where = self._where[name]
            r = self._returns
            got = self._made[name] = r.iloc[:, where] if isinstance(r, pd.DataFrame) else r[where]
        return got

    def __contains__(self, name: object) -> bool:
        return name in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class _Wide:
    """A wide returns frame on one sorted calendar, as one float array: each security's days and
    values, and any benchmark's values on them, by position instead of per-event pandas alignment."""

    def __init__(self, frame: pd.DataFrame, values: np.ndarray):
        self.index = pd.DatetimeIndex(frame.index)
        self.values = values
        self.cols = {str(c): j for j, c in enumerate(frame.columns)}
        self._aligned: dict[int, np.ndarray] = {}

    @classmethod
    def of(cls, returns: object) -> _Wide | None:
        if not isinstance(returns, pd.DataFrame) or not isinstance(returns.index, pd.DatetimeIndex):
            return None
        if not (returns.index.is_monotonic_increasing and returns.index.is_unique):
            return None
        if len(returns.columns) != len({str(c) for c in returns.columns}) or not len(returns):
            return None
        try:
            values = returns.to_numpy(dtype=float)
        except (TypeError, ValueError):
            return None
        return cls(returns, values)

    def column(self, symbol: str, on_sessions: bool) -> tuple[np.ndarray | None, pd.DatetimeIndex, np.ndarray]:
        """Where the security has days (None: every day of the frame), those days and its returns.
        Securities with every day share the frame's calendar and benchmarks instead of copies."""
        v = self.values[:, self.cols[symbol]]
        if on_sessions or not np.isnan(v[1:]).any():  # own trading days: the first return may be NaN
            return None, self.index, v
        keep = ~np.isnan(v)
        keep[0] = True
        return keep, self.index[keep], v[keep]

    def on(self, series: pd.Series | None, keep: np.ndarray | None) -> np.ndarray | None:
        """``series`` on the frame's days where ``keep``, as ``series.reindex(days)`` would give."""
        if series is None:
            return None
        full = self._aligned.get(id(series))
        if full is None:
            full = self._aligned[id(series)] = series.reindex(self.index).to_numpy(float)
        return full if keep is None else full[keep]


def _as_text(column: pd.Series) -> np.ndarray:
    """``str(value)`` of each value, as objects; a text column without missing values in one call
    (10,000 symbols: 0.3 ms instead of 5)."""
    if isinstance(column.dtype, pd.StringDtype) and not column.hasnans:
        return column.to_numpy(dtype=object)
    return np.array([str(x) for x in column], dtype=object)


def _event_dates(column: pd.Series) -> pd.DatetimeIndex:
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return pd.DatetimeIndex(column)
    return pd.DatetimeIndex([pd.Timestamp(str(d)) for d in column])


@dataclass
class EventStudy:
    """An event study: what to compare, how, and over which windows.

    Parameters mirror the CLI: ``model`` one of :data:`eventstudy.stats.models.MODELS`; ``estimation``
    an :class:`Estimation` (relative or date window, minimum valid days); ``window`` the event
    window (relative days, or a :class:`DateWindow` resolved on each security's days);
    ``cars`` the CAR windows (default: those of [0,0], [-1,+1], [0,+5] that fit the event window);
    ``event_day`` how a non-trading event date maps to day 0;
    ``log_returns`` whether the returns are log returns (BHAR then compounds with exp);
    ``fallback`` what replaces a model that cannot be estimated (fewer valid estimation days than
    ``estimation.min_days``): ``"post-event"`` (market-adjusted returns with the volatility of the
    valid estimation days plus the post-event days) or ``"none"``; see :func:`engine.run`
    (``True``/``False`` are accepted for these); ``convention`` "textbook" (default) or "estudy2" (that package's
    variance and missing-data conventions, for parity checks). ``returns_on_sessions``: each
    returns series is indexed by the security's sessions, so a NaN is a missing return on a
    trading day (``from_prices`` sets it); otherwise a NaN marks a day the series did not trade.
    """

    returns: Mapping[str, pd.Series] | pd.DataFrame
    events: pd.DataFrame
    market: SeriesLike = None
    sector: SeriesLike = None
    model: str = "market"
    estimation: Estimation = field(default_factory=Estimation)
    window: Window | DateWindow = engine.DEFAULT_WINDOW
    cars: Sequence[Window] | None = None
    event_day: str = "previous"
    log_returns: bool = False
    fallback: bool | str = engine.DEFAULT_FALLBACK
    convention: str = "textbook"
    bootstrap: int = 2000
    seed: int = 0
    clustered: bool | None = None
    returns_on_sessions: bool = False
    columns: Mapping[str, str] | None = None  # the events' own column names -> symbol, date, event_id
    # Factor models (ff3, carhart, ff5): daily factor returns as fractions, columns Mkt-RF, SMB, HML,
    # RMW, CMA, Mom, RF (eventstudy.data.french.combine reads Kenneth French's files into one).
    factors: pd.DataFrame | None = None
    # "returns"; "volume": ``returns`` holds volumes, studied as abnormal log volume; "volatility": the
    # returns, with the variance ratio of each event window (stats/measures.py).
    measure: str = "returns"

    def __post_init__(self) -> None:
        if self.measure != "returns":
            from eventstudy.stats import measures

            measures.prepare(self)

    @classmethod
    def from_prices(
        cls,
        prices: pd.DataFrame | Mapping[str, pd.Series],
        events: pd.DataFrame,
        *,
        market: SeriesLike = None,
        sector: SeriesLike = None,
        sessions: Mapping[str, pd.DatetimeIndex] | None = None,
        missing: str = "drop",
        log_returns: bool = False,
        **kwargs,
    ) -> EventStudy:
        """Compute returns from prices (see :mod:`eventstudy.stats.returns` for ``missing``)."""
        frame_sessions = pd.DatetimeIndex(prices.index) if isinstance(prices, pd.DataFrame) else None

        def conv(name: str, p: pd.Series) -> pd.Series:
            sess = (sessions or {}).get(name, frame_sessions)
            return to_returns(p.dropna(), log=log_returns, missing=missing, sessions=sess)

        rets = {str(k): conv(str(k), v) for k, v in prices.items()}

        def conv_market(spec: SeriesLike) -> SeriesLike:
            if isinstance(spec, pd.Series):
                return conv(str(spec.name), spec)
            if isinstance(spec, Mapping):
                return {k: conv(str(v.name), v) for k, v in spec.items()}
            return spec

        kwargs.setdefault("returns_on_sessions", missing == "drop")
        return cls(rets, events, market=conv_market(market), sector=conv_market(sector),
                   log_returns=log_returns, **kwargs)

    # -- building the event series ----------------------------------------------------------
    def _series(self) -> tuple[PlacedEvents, list[dict], Layout]:
        """The placed events (without their overlaps: :meth:`PlacedEvents.with_window`), the
        skipped ones and where every placed event's data lie."""
        import pyarrow as pa

        rets = _ByName(self.returns)
        ev = event_columns.standard(self.events, self.columns)
        missing = [c for c in ("symbol", "date") if c not in ev.columns]
        if missing:
            raise UserError(f"events need columns symbol and date; missing {', '.join(missing)}", field="events",
                            hint="name them symbol,date (or name,when), or map yours with columns={...}")
        code, uniques = pd.factorize(_as_text(ev["symbol"]), use_na_sentinel=False)
        names = [str(u) for u in uniques]
        symbols = [names[c] for c in code.tolist()]  # one string per security, shared by its events
        whens = _event_dates(ev["date"])
        given = [str(x) for x in ev["event_id"]] if "event_id" in ev.columns else [""] * len(ev)
        for name in names:
            if name not in rets:
                k = symbols.index(name)
                raise UserError(f"event {k + 1}: no returns for {name!r}", field="symbol",
                                hint=f"series available: {', '.join(list(rets)[:12])}")
        # Each security's days, returns and benchmarks are prepared once and shared by its events;
        # day 0 is found in one search per calendar (every security of a wide frame without gaps
        # shares the frame's).
        wide = _Wide.of(self.returns)
        prepared = [self._security(rets, name, wide) for name in names]
        calendar_of: dict[int, int] = {}  # one number per distinct calendar (index object)
        calendar = np.array([calendar_of.setdefault(id(p[0]), len(calendar_of)) for p in prepared], dtype=np.intp)
        firsts = np.unique(calendar, return_index=True)[1]  # a security on each calendar
        day0 = np.full(len(ev), -1, dtype=np.intp)
        event_calendar = calendar[code]
        order = np.argsort(event_calendar, kind="stable")
        bounds = np.searchsorted(event_calendar[order], np.arange(len(calendar_of) + 1))
        for c in range(len(calendar_of)):
            rows = order[bounds[c] : bounds[c + 1]]
            day0[rows] = locate_day0s(prepared[firsts[c]][0], whens[rows], self.event_day)
        placed = np.flatnonzero(day0 >= 0)
        id_array = event_id_array(names, code, whens, given)
        ids = id_array.to_pylist()
        skipped: list[dict] = []
        for k in np.flatnonzero(day0 < 0).tolist():
            when = whens[k]
            skipped.append({"event_id": ids[k], "symbol": symbols[k], "date": when,
                            "reason": f"no trading day for {when.date()} under the {self.event_day!r} rule"})
        # Where every event's arrays lie, built once: chunks and passes only index it.
        day_values: dict[int, np.ndarray] = {}  # one array per calendar, however many securities share it
        on_factors = self._factor_arrays()
        arrays = [{"returns": r, "market": m, "sector": s, "dates": day_values.setdefault(id(d), d.values),
                   **on_factors(d)} for d, r, m, s, _ in prepared]
        # A wide frame's columns can be laid out in its own memory: a shallow copy, held by the
        # layout, makes copy-on-write copy the frame's block before the caller's next change to it.
        frame = self.returns
        anchor = frame.copy(deep=False) if isinstance(frame, pd.DataFrame) and wide is not None and _copy_on_write() \
            else None
        layout = Layout.of_securities(arrays, code[placed], day0[placed], anchor=anchor)
        every = len(placed) == len(ids)
        series = PlacedEvents(names, code[placed], day0[placed], id_array if every else id_array.take(pa.array(placed)),
                              None, prepared, ids if every else [ids[k] for k in placed.tolist()])
        return series, skipped, layout

    def _security(
        self, rets: Mapping[str, pd.Series], symbol: str, wide: _Wide | None = None
    ) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray | None, np.ndarray | None, pd.Series | None]:
        """One security's trading days, returns and benchmarks on those days."""
        m = _per_symbol(self.market, rets, symbol)
        s = _per_symbol(self.sector, rets, symbol)
        if wide is not None:
            keep, dates, values = wide.column(symbol, self.returns_on_sessions)
            return dates, values, wide.on(m, keep), wide.on(s, keep), m
        r = rets[symbol]
        if not self.returns_on_sessions:
            r = r[r.notna() | (r.index == r.index.min())]  # own trading days (first return may be NaN)
        dates = pd.DatetimeIndex(r.index)
        return (dates, r.to_numpy(float),
                None if m is None else m.reindex(dates).to_numpy(float),
                None if s is None else s.reindex(dates).to_numpy(float), m)

    def _factor_arrays(self) -> Callable[[pd.DatetimeIndex], dict[str, np.ndarray]]:
        """A factor model's factors on a security's days (nothing for the other models)."""
        if self.model not in FACTOR_MODELS:
            return lambda dates: {}
        from eventstudy.stats import factor_model

        return factor_model.aligner(self.factors, self.model)  # type: ignore[arg-type]

    def _event_window(self, series: Sequence[engine.EventSeries]) -> Window:
        if isinstance(self.window, Window):
            return self.window
        spans = set()
        for s in series:
            pos = np.flatnonzero((s.dates >= self.window.start) & (s.dates <= self.window.end))
            if len(pos) == 0:
                raise UserError(f"{s.symbol} has no trading day in the event window {self.window.label}")
            spans.add((int(pos[0]) - s.day0, int(pos[-1]) - s.day0))
        if len(spans) != 1:
            raise UserError("a date event window covers different trading days for different securities",
                            field="window", hint="give the event window in relative days (e.g. 0:4)")
        return Window(*spans.pop())

    def _check_model(self) -> None:
        if self.model not in MODELS:
            raise UserError(f"unknown model {self.model!r}", field="model", hint=f"choose one of: {', '.join(MODELS)}")
        if self.model in FACTOR_MODELS:
            from eventstudy.stats import factor_model

            factor_model.check_frame(self.factors, self.model)
        elif self.model != "constant-mean" and self.market is None:
            raise UserError(f"the {self.model} model needs a market return", field="market",
                            hint="give --market COLUMN|FILE, or use --model constant-mean")
        if self.model == "two-index" and self.sector is None:
            raise UserError("the two-index model needs a sector index", field="sector",
                            hint="give --sector COLUMN|FILE")

    def _check_estimation(self) -> None:
        """A relative estimation window shorter than the minimum can never be met: every event would
        silently be studied by the fallback instead of the model asked for."""
        w, need = self.estimation.window, self.estimation.min_days
        if isinstance(w, Window) and w.length < need:
            raise UserError(
                f"the estimation window {w.label} has {w.length} trading days, fewer than the minimum of {need} "
                "valid days", field="estimation",
                hint=f"give --min-estimation {w.length} or less, or a longer --estimation window")

    def _prepare(self) -> tuple[PlacedEvents, list[dict], Window, list[Window], Overlaps, Layout]:
        self._check_model()
        self._check_estimation()
        series, skipped, layout = self._series()
        if not series:
            raise UserError("no event could be placed on its security's trading days",
                            hint="check the event dates and the --event-day rule")
        window = self._event_window(series)
        # The defaults adapt to the event window; windows the user names must fit it.
        cars = list(self.cars) if self.cars is not None else list(default_cars(window))
        for c in cars:
            if c.start < window.start or c.end > window.end:
                raise UserError(f"CAR window {c.label} lies outside the event window {window.label}",
                                field="car", hint="widen --window or narrow --car")
        series.with_window(window)
        return series, skipped, window, cars, series.overlaps, layout

    def _run(self, series: Sequence[engine.EventSeries], window: Window, layout: Layout) -> engine.Output:
        return engine.run(list(series), model=self.model, estimation=self.estimation, window=window,
                          fallback=self.fallback, log_returns=self.log_returns, convention=self.convention,
                          layout=layout)

    def fit(self) -> StudyResult:
        if dataset.is_dataset(self.returns):
            return dataset.local_study(self).fit()
        with one_blas_thread():
            return self._fit(*self._prepare())

    def fit_each(self) -> StudyResult:
        """:meth:`fit` without the cross-sectional battery (``tests`` is empty): each event's own
        time-series tests in ``ar`` and ``car``, for studies read security by security (the news run's
        abnormal volume), at a fraction of the battery's cost."""
        series, skipped, window, cars, overlaps, layout = self._prepare()
        with one_blas_thread():
            out = self._run(series, window, layout)
        return StudyResult(out, [out.car(w) for w in cars], pd.DataFrame(), np.nan, False, pd.DataFrame(skipped),
                           overlaps)

    def abnormal_returns(self) -> engine.Output:
        """The engine's event-time arrays (ARs, their variances, the estimation days) without the test
        battery: for many pseudo-events that are judged one by one (placebo days, simulations)."""
        if dataset.is_dataset(self.returns):
            return dataset.local_study(self).abnormal_returns()
        series, _, window, _, _, layout = self._prepare()
        with one_blas_thread():
            return self._run(series, window, layout)

    def _fit(self, series: Sequence[engine.EventSeries], skipped: list[dict], window: Window, cars: list[Window],
             overlaps: Overlaps, layout: Layout) -> StudyResult:
        out = self._run(series, window, layout)
        car_arrays = [out.car(w) for w in cars]
        tests, r, clustered = significance.test_table(
            out, car_arrays, clustered=self.clustered, bootstrap=self.bootstrap, seed=self.seed,
            convention=self.convention,
        )
        return StudyResult(out, car_arrays, tests, r, clustered, pd.DataFrame(skipped), overlaps)

    def fit_chunked(self, chunk_size: int | None = None, map_chunks: MapChunks | None = None,
                    csv_dir: str | Path | None = None, client: Any = None,
                    tables: Sequence[str] | None = None) -> StudyResult:
        """:meth:`fit` through the chunked engine (:mod:`eventstudy.stats.chunked`): the same tables
        (to floating-point summation order) in memory bounded by the chunk, for any number of events.

        ``chunk_size`` events per chunk (default :func:`chunked.auto_chunk_size`, about 1,150 with a
        250-day estimation window). With one chunk this is :meth:`fit`. Otherwise the result holds
        only the event-window columns: its ``ar``, ``car``, ``tests``, ``estimates``, ``summary()``
        and ``to_csv()`` are those of :meth:`fit`; ``sq`` and the report's charts need :meth:`fit`.

        ``map_chunks(work, method, chunks)`` runs ``getattr(work, method)(rows)`` for each chunk's
        event positions and gives the results in chunk order (default: :data:`chunked.WORKERS`
        threads); a distributed engine's map goes here (benchmarks/dask_chunks.py: Dask).

        ``csv_dir``: also write the four CSVs there, as :meth:`StudyResult.to_csv` does (the same
        files, changing together); ar, car and estimates need only pass 1: ar.csv is written while
        the battery runs (GRANK's pass included), car.csv and estimates.csv right after it.
        ``tables``: which of them to write (:data:`TABLES`' names; default all four): a million
        events' ar.csv is 21 million rows, 3.3 GB, and about a fifth of the run's CPU.

        ``client``: a ``dask.distributed.Client``; the returns are then a :class:`dataset.DatasetReturns`
        (a long dataset each task reads its own securities' rows from, where it runs) and pass 1,
        GRANK's pass and the battery's sums run on the cluster; this process adds up the sums and
        writes the tables, the same as the one-process run's (:mod:`eventstudy.stats.dataset`). With
        ``csv_dir``, the tasks write their events' rows of the per-event tables beside it (a folder
        the workers must see, else they send them back) and this process joins them: it keeps
        neither those rows nor the (events x days) ARs, and the result's ``ar`` and ``estimates``
        are then read from the files (``car``, ``tests`` and ``summary()`` are the result's).
        """
        from eventstudy.atomic import FileSet

        if tables is not None and csv_dir is None:
            raise UserError("tables= names the CSVs that csv_dir= writes", field="tables",
                            hint="give csv_dir=FOLDER too, or leave tables out")
        if dataset.is_dataset(self.returns):
            if client is None:
                return dataset.local_study(self).fit_chunked(chunk_size, map_chunks, csv_dir, tables=tables)
            return dataset.fit_on_cluster(self, client, chunk_size, csv_dir, tables)
        if client is not None:
            raise UserError("fit_chunked(client=...) has its tasks read the returns from a dataset",
                            field="returns", hint="give returns=DatasetReturns(open_long(PATH, ...)), not a frame")

        files = FileSet(csv_dir, csv_files(tables)) if csv_dir is not None else None
        with files or contextlib.nullcontext():
            with one_blas_thread():
                result = self._fit_chunked(chunk_size, map_chunks or _thread_map, files)
            if files is not None:
                result.write_tests(files)
        return result

    def _fit_chunked(self, chunk_size: int | None, map_chunks: MapChunks, files: FileSet | None) -> StudyResult:
        series, skipped, window, cars, overlaps, layout = self._prepare()
        day0 = layout.day0_values("dates")
        clustered = significance.is_clustered(day0, self.clustered)
        size = chunk_size or chunked.auto_chunk_size(self.estimation, window)
        # A caller's clustered=True makes all events one cluster: one chunk.
        plan = [np.arange(len(series))] if self.clustered else chunked.plan(day0, size)
        if len(plan) == 1:
            result = self._fit(series, skipped, window, cars, overlaps, layout)
            if files is not None:
                result.write_event_tables(files)
            return result
        work = ChunkWork(self, series, window, cars, layout, clustered, False)
        return self._chunked_passes(series, skipped, window, cars, overlaps, plan, clustered, work, map_chunks, files,
                                    layout)

    def _chunked_passes(self, series: Sequence[engine.EventSeries], skipped: list[dict], window: Window,
                        cars: list[Window], overlaps: Overlaps, plan: list[np.ndarray], clustered: bool, work: Any,
                        map_chunks: Callable[[Any, str, list[np.ndarray]], Iterable[Any]], files: FileSet | None,
                        layout: Layout | None, tables: Any = None) -> StudyResult:
        """Pass 1 over the chunks of ``plan``, the battery (GRANK's pass included) and the tables.
        ``work`` has ``first(rows)``, ``second(rows)`` and ``keep_grank`` (:class:`ChunkWork`, or the
        dataset tasks of :mod:`eventstudy.stats.dataset`, whose ``layout`` is None: the chunks then
        bring back their event windows' returns and dates, unless they write their rows of the
        per-event tables themselves: then ``tables`` joins those, with ``write_ar`` and
        ``write_car_and_estimates``, and its ``layout`` has the events' day 0)."""
        # GRANK's inputs of every chunk: kept in memory while they fit, else (in this process)
        # spilled to a temporary file, else made again by a second pass over the chunks. Where the
        # tasks read the data (no layout here), they stay with the tasks' results on the cluster
        # until GRANK's pass (``map_chunks(work, "second", ...)``): the client holds one at a time.
        fits = layout is not None and chunked.keep_grank_panels(len(series), self.estimation, window)
        grank = chunked.GrankInputs(fits, wanted=fits or map_chunks is _thread_map)
        work.keep_grank = grank.wanted
        sums = significance.EstimationSums()
        collect = chunked.Collector(series, layout if tables is None else tables.layout,
                                    stripped_notes=layout is None or isinstance(series, PlacedEvents))
        try:
            for rows, done in zip(plan, map_chunks(work, "first", plan), strict=True):
                sums.merge(done.sums)
                collect.put(done.output, rows, done.cars, done.estimates, done.window)
                if done.grank is not None:
                    grank.add(done.grank)
                    work.keep_grank = grank.wanted
            result = StudyResult(collect.output(), collect.car_arrays(cars), pd.DataFrame(), np.nan, clustered,
                                 pd.DataFrame(skipped), overlaps)
            result.estimate_numbers = collect.estimates_table()
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="eventstudy-csv") as pool:
                # The per-event tables need only pass 1: a writer thread writes them while the
                # battery runs, ar.csv, the largest, first, then car.csv and estimates.csv, unless
                # the battery ends before it has started those: this thread then writes them. (At a
                # million events the battery's last tests and these two tables take some 10 s each:
                # one after the other on this thread, they left the second core idle.)
                writer = result if tables is None else tables
                writing: list[Future] = []
                if files is not None:
                    ar = pool.submit(writer.write_ar, files)
                    writing = [ar, pool.submit(_after, ar, writer.write_car_and_estimates, files)]
                try:
                    result.tests, result.mean_correlation, result.clustered = significance.test_table(
                        result.output, result.car_arrays, clustered=clustered, bootstrap=self.bootstrap,
                        seed=self.seed, convention=self.convention, sums=sums,
                        panels=lambda: grank.panels(plan, lambda: map_chunks(work, "second", plan)),
                        columns=getattr(tables, "columns", None),
                    )
                    if files is not None and writing[1].cancel():  # not started: the writer is still on ar.csv
                        if writing[0].done():
                            writing[0].result()  # ar.csv failed already: no more tables
                        writer.write_car_and_estimates(files)
                finally:
                    for job in writing:
                        if not job.cancelled():
                            job.result()  # its error, if any, is this call's (ar.csv's first)
        finally:
            grank.close()
        return result


@dataclass
class FirstPass:
    """What pass 1 of the chunked engine keeps of a chunk: its event-window columns, its share of
    the battery's estimation sums, its CARs and estimates, and GRANK's ranks when they are kept."""

    output: engine.Output
    sums: significance.EstimationSums
    cars: list[engine.CarArrays]
    estimates: dict[str, Any]  # estimate_columns(text=False)
    grank: significance.GrankPanel | None
    # The event windows' returns and dates (and their date unit), from day min(start, 0) to max(end, 0),
    # when the client has no layout of its own (a dataset read by the tasks)
    window: tuple[np.ndarray, np.ndarray, str] | None = None
    # Where the chunk's rows of the per-event tables went, when its task wrote them (parts.ChunkTables)
    tables: Any = None


@dataclass
class ChunkWork:
    """A chunk's work in the chunked engine's two passes, as one picklable object: a distributed
    engine ships it to each worker once, then calls :meth:`first` (pass 1) and :meth:`second`
    (GRANK's pass) with each chunk's event positions; the results are small (per event)."""

    study: EventStudy
    series: Sequence[engine.EventSeries]
    window: Window
    cars: list[Window]
    layout: Layout
    clustered: bool
    keep_grank: bool
    ship_window: bool = False

    def run(self, rows: np.ndarray) -> engine.Output:
        # Placed events come without their own notes (the overlaps): the engine's output then has only
        # those it added, which is what the collector keeps of them (stripped_notes).
        series = self.series.take(rows) if isinstance(self.series, PlacedEvents) else \
            [self.series[i] for i in rows.tolist()]
        return self.study._run(series, self.window, self.layout.take(rows))

    def first(self, rows: np.ndarray) -> FirstPass:
        out = self.run(rows)
        sums = significance.EstimationSums.of(out, clustered=self.clustered, force=False,
                                              estudy2=self.study.convention == "estudy2")
        grank = significance.GrankPanel.of(out) if self.keep_grank else None
        small = chunked.window_columns(out)
        small.series = []  # the collector has the events: a worker's result carries no price arrays back
        block = None
        if self.ship_window:
            assert out.layout is not None
            y, dates = engine.window_data(out, slice(None), np.arange(min(self.window.start, 0),
                                                                      max(self.window.end, 0) + 1))
            block = (y, dates, out.layout.date_unit)
        return FirstPass(small, sums, [out.car(w) for w in self.cars], estimate_columns(out, text=False), grank,
                         block)

    def second(self, rows: np.ndarray) -> significance.GrankPanel:
        return significance.GrankPanel.of(self.run(rows))


MapChunks = Callable[[ChunkWork, str, list[np.ndarray]], Iterable[Any]]


def _after(first: Future, then: Callable[[Any], None], arg: Any) -> None:
    """``then(arg)`` once ``first`` has succeeded (it raises ``first``'s error instead)."""
    first.result()
    then(arg)


def _thread_map(work: ChunkWork, method: str, chunks: list[np.ndarray]) -> Iterator[Any]:
    return (result for result, _ in chunked.chunks_of(chunks, getattr(work, method)))


def one_blas_thread() -> AbstractContextManager:
    """The engine's matrix products are small (events x days by a vector, 2 x 2 inverses): BLAS
    threads cost more in hand-offs than they save, and on a busy machine several times the time
    (a 10,000-event study's GRANK: 0.3 s per chunk with 2 threads, 0.04 s with one)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def estimates_table(out: engine.Output) -> pd.DataFrame:
    """One row per event: the model's estimates, estimation span and residual diagnostics, and notes."""
    return pd.DataFrame(estimate_columns(out, text=True))


def estimate_columns(out: engine.Output, text: bool) -> dict[str, Any]:
    """:func:`estimates_table`'s columns in order; with ``text=False`` the text ones (ids, symbols,
    models, notes) are None, for the chunked engine, which has them per event already."""
    est = out.est
    stamps = out.dates.view("i8")
    has = est.any(axis=1)
    first = np.where(est, stamps, np.iinfo(np.int64).max).min(axis=1)
    last = np.where(est, stamps, np.iinfo(np.int64).min).max(axis=1)
    nat = np.datetime64("NaT", "ns")
    cols: dict[str, Any] = {
        "event_id": [s.event_id for s in out.series] if text else None,
        "symbol": [s.symbol for s in out.series] if text else None,
        "day0": out.day0_dates, "model": out.model_used if text else None,
        "estimation_days": out.fit.n_obs.astype(int), "df": engine.degrees_of_freedom(out).astype(float),
        "estimation_start": np.where(has, first.view("datetime64[ns]"), nat),
        "estimation_end": np.where(has, last.view("datetime64[ns]"), nat),
        "sigma": np.sqrt(out.fit.s2).astype(float),
    }
    cols.update({k: np.asarray(v, dtype=float) for k, v in out.fit.params.items() if k != "df"})
    cols.update(residual_diagnostics(out.ar, est))
    cols["note"] = ["; ".join(n) for n in out.notes] if text else None
    return cols


# The overlaps' table, or how to make it (a study on a cluster makes it when asked).
Overlaps = pd.DataFrame | Callable[[], pd.DataFrame]


@dataclass
class StudyResult:
    """Fitted study: tidy tables ``ar``, ``car``, ``tests``, ``estimates``; ``summary()``.

    The tables are built on first use and kept: reports, claims and results.csv all read them.
    Treat them as read-only (copy before changing one)."""

    output: engine.Output
    car_arrays: list[engine.CarArrays]
    tests: pd.DataFrame
    mean_correlation: float
    clustered: bool
    skipped: pd.DataFrame
    overlap_table: Overlaps

    @property
    def model(self) -> str:
        return self.output.model

    @cached_property
    def overlaps(self) -> pd.DataFrame:
        """Events of one security whose event windows share trading days (:func:`placed.overlap_pairs`),
        made when first asked for."""
        return self.overlap_table if isinstance(self.overlap_table, pd.DataFrame) else self.overlap_table()

    # The chunked engine's estimates without their notes (joined per block when written).
    estimate_numbers: pd.DataFrame | None = None

    @cached_property
    def estimates(self) -> pd.DataFrame:
        if self.estimate_numbers is None:
            return estimates_table(self.output)
        return self._estimates_block(slice(None))

    def _estimates_block(self, rows: slice) -> pd.DataFrame:
        if self.estimate_numbers is None:
            return self.estimates.iloc[rows].reset_index(drop=True)
        if self.output.n and not len(self.estimate_numbers.columns):
            raise UserError("a study run on a cluster keeps its estimates in estimates.csv, not in memory",
                            hint="read estimates.csv, or run the study in one process")
        block = self.estimate_numbers.iloc[rows].reset_index(drop=True)
        block["note"] = self._notes(rows)
        return block

    def _notes(self, rows: slice) -> pd.api.extensions.ExtensionArray | np.ndarray:
        """The note column of events ``rows``."""
        notes = self.output.notes
        texts = notes.texts(rows) if isinstance(notes, chunked.EventNotes) else None
        if texts is None:
            texts = [n.text() if isinstance(n, OverlapNotes) else "; ".join(n) for n in notes[rows]]
        return text_column(texts)

    @cached_property
    def sq(self) -> pd.DataFrame:
        """The SQ test (Gelbach, Helland & Klick 2013) of every event-window day: the AR against the
        empirical quantiles of the same security's estimation ARs (:mod:`eventstudy.stats.evidence`)."""
        if self.output.compact:
            raise UserError("the SQ test needs the estimation window's ARs, which a chunked study does not keep",
                            hint="use EventStudy.fit() for this study")
        return evidence.sq_table(self.output)

    @cached_property
    def ar(self) -> pd.DataFrame:
        return self._ar_block(slice(None))

    def _ar_block(self, rows: slice) -> pd.DataFrame:
        out = self.output
        if out.compact and out.layout is not None and out.layout.flats.get("returns") is None:
            raise UserError("a study run on a cluster keeps its per-day abnormal returns in ar.csv, not in memory",
                            hint="read ar.csv, or run the study in one process")
        cols = out.win_cols
        w = len(cols)
        ar, var = out.ar[rows][:, cols], out.var_ar[rows][:, cols]
        n = len(ar)
        if out.compact:
            # The chunked engine keeps neither returns nor expected returns: the series have the
            # former, the latter is return - AR (equal to the engine's to rounding, ~1e-16 of the return).
            y, dates = engine.window_data(out, rows, out.rel[cols])
            expected = y - ar
        else:
            y, dates, expected = out.y[rows][:, cols], out.dates[rows][:, cols], out.expected[rows][:, cols]
        t, p = engine.t_test(ar, var, engine.degrees_of_freedom(out)[rows][:, None])
        return pd.DataFrame({
            "event_id": text_column(event_ids(out.series, rows), w),
            "symbol": text_column(symbols(out.series, rows), w),
            "day": np.tile(out.rel[cols], n),
            "date": dates.ravel(),
            "return": y.ravel(),
            "expected": expected.ravel(),
            "abnormal_return": ar.ravel(),
            "sd": np.sqrt(var).ravel(),
            "t_stat": t.ravel(),
            "p_value": p.ravel(),
            "model": text_column(out.model_used[rows], w),
        })

    @cached_property
    def car(self) -> pd.DataFrame:
        return pd.concat([self._car_block(c, slice(None)) for c in self.car_arrays], ignore_index=True)

    def _car_block(self, c: engine.CarArrays, rows: slice) -> pd.DataFrame:
        out = self.output
        t, p = engine.t_test(c.car[rows], c.var[rows], engine.degrees_of_freedom(out)[rows])
        return pd.DataFrame({
            "event_id": text_column(event_ids(out.series, rows)),
            "symbol": text_column(symbols(out.series, rows)),
            "day0": out.day0_dates[rows],
            "window": c.window.label,
            "start": c.window.start,
            "end": c.window.end,
            "n_days": c.n_days[rows],
            "raw_return": c.raw[rows],
            "car": c.car[rows],
            "bhar": c.bhar[rows],
            "sd": np.sqrt(c.var[rows]),
            "t_stat": t,
            "p_value": p,
            "model": text_column(out.model_used[rows]),
            "estimation_days": out.fit.n_obs[rows].astype(int),
            "note": self._notes(rows),
        })

    def lead_statistic(self, window: str) -> pd.Series | None:
        """The statistic a report should lead with for a window label (robust one when clustered)."""
        rows = self.tests[(self.tests["scope"] == "window") & (self.tests["window"] == window)]
        return None if rows.empty else rows.iloc[0]

    def to_csv(self, directory: str | Path, block: int = 5_000, tables: Sequence[str] | None = None) -> list[Path]:
        """Write ar.csv, car.csv, tests.csv and estimates.csv (or those of ``tables``, names of
        :data:`TABLES`); return their paths. The per-event tables are built and written ``block``
        events at a time (the same files). They change together: each is written beside its place
        and all are renamed in at the end, so a failure leaves the old set as it was
        (:class:`eventstudy.atomic.FileSet`)."""
        from eventstudy.atomic import FileSet

        with FileSet(directory, csv_files(tables)) as files:
            self.write_event_tables(files, block)
            self.write_tests(files)
        return files.committed

    def write_event_tables(self, files: FileSet, block: int = 5_000) -> None:
        """Stage ar.csv, car.csv and estimates.csv (they need no test statistic) in ``files``."""
        self.write_ar(files, block)
        self.write_car_and_estimates(files, block)

    def write_ar(self, files: FileSet, block: int = 5_000) -> None:
        from eventstudy.atomic import table_csv_writer

        if files.wants("ar.csv"):
            files.write("ar.csv", table_csv_writer(self._ar_block(r) for r in self._spans(block)))

    def write_car_and_estimates(self, files: FileSet, block: int = 5_000) -> None:
        from eventstudy.atomic import table_csv_writer

        spans = self._spans(block)
        if files.wants("car.csv"):
            files.write("car.csv", table_csv_writer(self._car_block(c, r) for c in self.car_arrays for r in spans))
        if files.wants("estimates.csv"):
            files.write("estimates.csv", table_csv_writer(self._estimates_block(r) for r in spans))

    def _spans(self, block: int) -> list[slice]:
        return [slice(i, i + block) for i in range(0, self.output.n, block)]

    def write_tests(self, files: FileSet) -> None:
        from eventstudy.atomic import table_csv_writer

        if files.wants("tests.csv"):
            files.write("tests.csv", table_csv_writer([self.tests]))

    # Figures, regressions and the notebook display live in their own modules, imported on use:
    # matplotlib and statsmodels load only when a figure or a regression is made.
    def plot(self, kind: str = "car", ax: Any = None, *, names: Mapping[str, str] | None = None,
             window: Window | str | None = None) -> Any:
        """A ``matplotlib.figure.Figure``: ``kind`` car (CAAR path with the deciding test's band), ar
        (mean AR per day with its interval), securities (each CAR path) or distribution (one CAR
        window's cross-section); ``ax`` draws into your axes; ``names`` maps symbols to shown names."""
        from eventstudy.stats import plots

        return plots.plot(self, kind, ax, names=names, window=window)

    def regress(self, formula: str, data: pd.DataFrame, *, window: Window | str | None = None,
                cov_type: str = "HC3", y: str | None = None, cluster: str | None = None,
                columns: Mapping[str, str] | None = None) -> Any:
        """statsmodels' OLS results of one CAR window's car, bhar or scar on ``data``'s characteristics
        (joined by symbol, and event_id where given): :func:`eventstudy.stats.regression.regress`."""
        from eventstudy.stats import regression

        return regression.regress(self, formula, data, window=window, cov_type=cov_type, y=y, cluster=cluster,
                                  columns=columns)

    def __repr__(self) -> str:
        from eventstudy.stats import display

        return display.text(self)

    def _repr_html_(self) -> str:
        from eventstudy.stats import display

        return display.html_summary(self)

    def summary(self) -> str:
        out = self.output
        lines = [
            f"Event study: {out.n} event(s), model {out.model}, event window {out.window.label}, "
            f"{'log' if out.log_returns else 'simple'} returns",
        ]
        if self.clustered:
            lines.append(f"Events share calendar dates: mean residual correlation r = {self.mean_correlation:.4f}; "
                         "robust statistics lead.")
        if not self.skipped.empty:
            lines.append(f"Skipped {len(self.skipped)} event(s): " + "; ".join(self.skipped["reason"].head(5)))
        by_label: dict[str, list[np.ndarray]] = {}
        for c in self.car_arrays:  # from the arrays: a million events' car table is not built to print this
            by_label.setdefault(c.window.label, []).append(c.car)
        for label, arrays in by_label.items():
            car = np.concatenate(arrays)
            lead = self.lead_statistic(label)
            valid = int(np.isfinite(car).sum())
            mean = float(np.nansum(car) / valid) if valid else np.nan
            stat = "" if lead is None else f"  {lead['statistic']} = {lead['value']:.3f} (p = {lead['p_value']:.4f})"
            lines.append(f"  CAR{label}: mean {mean:+.4%} over {valid} event(s){stat}")
        shown = 0
        for i, notes in enumerate(out.notes):
            if shown >= MAX_NOTES:  # the rest are only counted (a million events' notes are not made into text)
                break
            lines += [f"  note {out.series[i].symbol}: {note}" for note in notes][: MAX_NOTES - shown]
            shown += len(notes)
        total = out.notes.total() if isinstance(out.notes, chunked.EventNotes) else sum(len(n) for n in out.notes)
        if total > MAX_NOTES:
            lines.append(f"  ... and {total - MAX_NOTES} more note(s): see the note columns of car.csv, estimates.csv")
        return "\n".join(lines)
