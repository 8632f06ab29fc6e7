"""A study's placed events as arrays: ids, securities, day 0s and overlaps (events of one security
whose event windows share trading days). An event's :class:`engine.EventSeries` and its notes are
made when read: a million events are not held as a million objects of each, whose making (and
the garbage collector's walks over them) took 6-7 s of a 1M study's start on one core."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from eventstudy.stats import engine
from eventstudy.stats.windows import Window

# One security's days, returns and benchmarks, shared by its events: (dates, returns, market,
# sector, market on its own dates), as EventStudy._security gives them.
Security = tuple[pd.DatetimeIndex, np.ndarray, Any, Any, Any]


@functools.cache
def text_dtype() -> pd.StringDtype | None:
    """pandas' dtype for a column of text: ``str`` since pandas 3 (or with its future.infer_string
    option), else None (object)."""
    dtype = pd.Series(["a"]).dtype
    return dtype if isinstance(dtype, pd.StringDtype) else None


def text_column(values: Any, times: int = 1) -> Any:
    """A text column of ``values`` (a list of strings or a pyarrow string array), each repeated
    ``times`` (the per-event tables repeat ids on every day), made in arrow: pandas otherwise
    converts every row's Python string, most of the time of building a large table. Its dtype is
    the one pandas gives text itself."""
    import pyarrow as pa

    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    if times > 1:
        arr = arr.take(pa.array(np.repeat(np.arange(len(arr)), times)))
    dtype = text_dtype()
    if dtype is None:  # pandas without string inference: text columns are objects
        return arr.to_numpy(zero_copy_only=False)
    return pd.array(arr, dtype=dtype)


def _given_ids(symbols: list[str], whens: pd.DatetimeIndex, given: list[str]) -> list[str]:
    """The given ids, else ``SYMBOL@DATE``; a repeated (security, date) pair gets ``#2``, ``#3``, ...
    so that every event's rows stay apart in the tables."""
    taken = {g for g in given if g}
    ids = []
    days = np.datetime_as_string(whens.values, unit="D") if whens.tz is None else [str(w.date()) for w in whens]
    for symbol, day, g in zip(symbols, days, given, strict=True):
        if g:
            ids.append(g)
            continue
        base = f"{symbol}@{day}"
        event_id, k = base, 1
        while event_id in taken:
            k += 1
            event_id = f"{base}#{k}"
        taken.add(event_id)
        ids.append(event_id)
    return ids


def event_id_array(names: list[str], code: np.ndarray, whens: pd.DatetimeIndex, given: Sequence[str]) -> Any:
    """Each event's id (security ``names[code]``, date ``whens``, its own id ``given`` or ""), a
    pyarrow string array: the given ones where any event has one (:func:`_given_ids`), else all
    made in arrow (:func:`generated_ids`: a Python loop over a million events' ids takes 2 s)."""
    import pyarrow as pa

    if any(given):
        return pa.array(_given_ids([names[c] for c in code.tolist()], whens, list(given)), pa.string())
    return generated_ids(names, code, whens)


def generated_ids(names: list[str], code: np.ndarray, whens: pd.DatetimeIndex) -> Any:
    """The ids :func:`_given_ids` gives events without ids of their own (security ``names[code]``,
    date ``whens``), made in arrow, as a pyarrow string array: ``SYMBOL@DATE``, and a repeated (security, date) pair's
    ``#2``, ``#3``... in the events' order (such an id never equals a ``SYMBOL@DATE``: it does not
    end in a date)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    local = whens.tz_localize(None) if whens.tz is not None else whens  # the date where the event is
    days = local.values.astype("datetime64[D]")
    again = repeats(code, days.view(np.int64))
    symbol = pa.DictionaryArray.from_arrays(pa.array(code), pa.array(names, pa.string()))
    suffix = pc.if_else(pa.array(again > 0),
                        pc.binary_join_element_wise("#", pc.cast(pa.array(again + 1), pa.string()), ""), "")
    return pc.binary_join_element_wise(symbol.cast(pa.string()), "@", pc.cast(pa.array(days), pa.string()), suffix,
                                       "")


def repeats(*keys: np.ndarray) -> np.ndarray:
    """How many earlier rows share each row's keys (0 for the first, 1 for the second...)."""
    n = len(keys[0])
    order = np.lexsort(keys[::-1])  # stable: rows of equal keys stay in their order
    same = np.ones(n, dtype=bool)
    for k in keys:
        ordered = k[order]
        same[1:] &= ordered[1:] == ordered[:-1]
    same[:1] = False
    at = np.arange(n)
    again = np.empty(n, dtype=np.int64)
    again[order] = at - np.maximum.accumulate(np.where(same, 0, at))
    return again


def overlap_pairs(code: np.ndarray, day0: np.ndarray, window: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each event and the next one of its security (``code``, numbered in order of first appearance)
    when their event windows share trading days: the earlier's and the later's positions and the
    trading days between their day 0s (``day0``), ordered by security, then day 0, ties in the events'
    order; found by array operations rather than a sort per security. Consecutive events only: each
    event has at most one earlier and one later overlap."""
    order = np.lexsort((day0, code))  # stable: events of one day 0 stay in their order
    first, then = order[:-1], order[1:]
    apart = day0[then] - day0[first]
    pairs = np.flatnonzero((code[first] == code[then]) & (apart <= window.end - window.start))
    return first[pairs], then[pairs], apart[pairs]


def overlap_table(names: list[str], code: np.ndarray, event_id: Any, other_event_id: Any,
                  apart: np.ndarray) -> pd.DataFrame:
    """The overlaps' table from its columns as arrays: each pair's security (a code into ``names``),
    its earlier and later events' ids (pyarrow string arrays) and the trading days between them;
    its text columns in pandas' text dtype."""
    import pyarrow as pa

    cols = {"symbol": pa.DictionaryArray.from_arrays(pa.array(code), pa.array(names, pa.string())).cast(pa.string()),
            "event_id": event_id, "other_event_id": other_event_id}
    dtype = text_dtype()
    frame = {k: pd.array(v, dtype=dtype) if dtype is not None else v.to_numpy(zero_copy_only=False)
             for k, v in cols.items()}
    return pd.DataFrame({**frame, "days_apart": apart.astype(np.int64)})


# An overlap note's words around the other event's id and the trading days to it.
_OVERLAPS, _DAYS = "event window overlaps event ", " trading days "


class OverlapNotes(Sequence[str]):
    """An event's notes on the events of its security whose windows share its trading days (the
    one before it, the one after it), made into text when read."""

    __slots__ = ("earlier", "earlier_apart", "later", "later_apart")

    def __init__(self, earlier: str | None = None, earlier_apart: int = 0, later: str | None = None,
                 later_apart: int = 0) -> None:
        self.earlier, self.earlier_apart = earlier, earlier_apart
        self.later, self.later_apart = later, later_apart

    def text(self) -> str:
        """The notes joined by "; ", as a note column shows them (placed events' columns are made
        in arrow instead: :meth:`PlacedEvents.note_texts`)."""
        return "; ".join(self._texts())

    def _texts(self) -> list[str]:
        texts = []
        if self.earlier is not None:
            texts.append(f"{_OVERLAPS}{self.earlier} ({self.earlier_apart}{_DAYS}earlier)")
        if self.later is not None:
            texts.append(f"{_OVERLAPS}{self.later} ({self.later_apart}{_DAYS}later)")
        return texts

    def __getitem__(self, i):  # type: ignore[override]  # an index or a slice, as a list takes
        return self._texts()[i]

    def __len__(self) -> int:
        return (self.earlier is not None) + (self.later is not None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OverlapNotes):  # without making the texts
            return (self.earlier, self.earlier_apart, self.later, self.later_apart) == (
                other.earlier, other.earlier_apart, other.later, other.later_apart)
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # equal to lists, like them unhashable

    def __repr__(self) -> str:
        return repr(self._texts())


_NO_DATES = pd.DatetimeIndex([])
_NO_RETURNS = np.empty(0)


class PlacedEvents(Sequence[engine.EventSeries]):
    """The placed events of a study, in the order of its series, as arrays: each one's security
    (``code`` into ``names``), day 0 and id (``id_array``, a pyarrow string array; ``ids``, the same
    as Python strings, where one process holds them). An event's :class:`engine.EventSeries` is made
    when read, its notes from the overlapping events before and after it; with ``securities`` (one
    process), with its security's days, returns and benchmarks, else (a cluster's client: the tasks
    read the data) without."""

    def __init__(self, names: list[str], code: np.ndarray, day0: np.ndarray, id_array: Any, window: Window | None,
                 securities: Sequence[Security] | None = None, ids: list[str] | None = None):
        self.names, self.code, self.id_array = names, code, id_array
        self.day0 = day0.astype(np.int32)
        self.securities, self.ids = securities, ids
        # The overlapping event before and after each one (-1: none), known once the event window is.
        self.window: Window | None = None
        self.earlier = np.full(len(code), -1, dtype=np.int32)
        self.later = np.full(len(code), -1, dtype=np.int32)
        if window is not None:
            self.with_window(window)

    def with_window(self, window: Window) -> PlacedEvents:
        """The events' overlaps in ``window`` found (their notes and :meth:`overlaps`)."""
        self.window = window
        earlier, later, _ = self._pairs()
        self.earlier[:], self.later[:] = -1, -1
        self.earlier[later], self.later[earlier] = earlier, later
        return self

    def _pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        assert self.window is not None, "the overlaps need the event window"
        # Securities numbered in order of first appearance among the placed events.
        return overlap_pairs(pd.factorize(self.code)[0], self.day0, self.window)

    def __len__(self) -> int:
        return len(self.code)

    def __getitem__(self, i):  # type: ignore[override]  # an index or a slice, as a list takes
        if isinstance(i, slice):
            return [self._one(k, self.notes(k)) for k in range(*i.indices(len(self)))]
        k = range(len(self))[i]
        return self._one(k, self.notes(k))

    def take(self, rows: np.ndarray) -> list[engine.EventSeries]:
        """Events ``rows`` without their notes: the engine adds its own (a fallback's) to none, and
        the events' own are :meth:`notes`."""
        ids = [self.ids[k] for k in rows.tolist()] if self.ids is not None else self.id_array.take(
            _arrow(rows)).to_pylist()
        return [self._series(i, c, d, ()) for i, c, d in zip(ids, self.code[rows].tolist(), self.day0[rows].tolist(),
                                                             strict=True)]

    def _id(self, k: int) -> str:
        return self.ids[k] if self.ids is not None else str(self.id_array[k].as_py())

    def _one(self, k: int, notes: Sequence[str]) -> engine.EventSeries:
        return self._series(self._id(k), int(self.code[k]), int(self.day0[k]), notes)

    def _series(self, event_id: str, c: int, day0: int, notes: Sequence[str]) -> engine.EventSeries:
        if self.securities is None:
            return engine.EventSeries(event_id, self.names[c], _NO_DATES, _NO_RETURNS, day0, notes=notes)
        dates, r, m, s, m_full = self.securities[c]
        return engine.EventSeries(event_id, self.names[c], dates, r, day0, m, s, notes, m_full)

    def event_ids(self, rows: slice | np.ndarray) -> Any:
        """The ids of events ``rows``, a pyarrow string array."""
        return self.id_array[rows] if isinstance(rows, slice) else self.id_array.take(_arrow(rows))

    def symbols(self, rows: slice | np.ndarray) -> Any:
        """The securities of events ``rows``, a pyarrow string array."""
        import pyarrow as pa

        return pa.DictionaryArray.from_arrays(_arrow(self.code[rows]), pa.array(self.names, pa.string())).cast(
            pa.string())

    def notes(self, k: int) -> Sequence[str]:
        """Event ``k``'s notes on the events of its security whose windows share its trading days."""
        before, after = int(self.earlier[k]), int(self.later[k])
        if before < 0 and after < 0:
            return ()
        notes = OverlapNotes()
        if before >= 0:
            notes.earlier, notes.earlier_apart = self._id(before), int(self.day0[k] - self.day0[before])
        if after >= 0:
            notes.later, notes.later_apart = self._id(after), int(self.day0[after] - self.day0[k])
        return notes

    def note_texts(self, rows: slice) -> Any:
        """The text of events ``rows``' notes as a note column shows them (:meth:`OverlapNotes.text`,
        "" for none), made in arrow: a pyarrow string array."""
        import pyarrow as pa
        import pyarrow.compute as pc

        day0 = self.day0[rows]
        texts = []
        for other, words in ((self.earlier[rows], "earlier"), (self.later[rows], "later")):
            has = other >= 0
            at = np.where(has, other, 0)
            apart = np.abs(day0 - self.day0[at])
            texts.append(pc.if_else(pa.array(has), pc.binary_join_element_wise(
                _OVERLAPS, self.event_ids(at), " (", pc.cast(pa.array(apart), pa.string()), f"{_DAYS}{words})", ""),
                ""))
        both = pa.array((self.earlier[rows] >= 0) & (self.later[rows] >= 0))
        return pc.binary_join_element_wise(texts[0], pc.if_else(both, "; ", ""), texts[1], "")

    def overlaps(self) -> pd.DataFrame:
        """The overlaps' table: each pair of overlapping events once, by security in order of first
        appearance, then day 0 (made when asked: a million overlapping events' table takes 50 MB)."""
        earlier, later, apart = self._pairs()
        return overlap_table(self.names, self.code[earlier], self.event_ids(earlier), self.event_ids(later), apart)


def _arrow(values: np.ndarray) -> Any:
    import pyarrow as pa

    return pa.array(values)


def event_ids(series: Sequence[engine.EventSeries], rows: slice) -> Any:
    """The ids of events ``rows`` of ``series``: a pyarrow array (placed events) or a list."""
    if isinstance(series, PlacedEvents):
        return series.event_ids(rows)
    return [s.event_id for s in series[rows]]


def symbols(series: Sequence[engine.EventSeries], rows: slice) -> Any:
    """The securities of events ``rows`` of ``series``: a pyarrow array (placed events) or a list."""
    if isinstance(series, PlacedEvents):
        return series.symbols(rows)
    return [s.symbol for s in series[rows]]


def own_notes(series: Sequence[engine.EventSeries], i: int) -> Sequence[str]:
    """Event ``i``'s own notes (its overlaps), without making its series where it is a placed event."""
    return series.notes(i) if isinstance(series, PlacedEvents) else series[i].notes


def n_securities(series: Sequence[engine.EventSeries]) -> int:
    """How many securities ``series``' events are of."""
    if isinstance(series, PlacedEvents):
        return len(np.unique(series.code))
    return len({s.symbol for s in series})
