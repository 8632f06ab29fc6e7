"""Event-time panels by index arithmetic: each event's arrays as one row of an (events x days) array.

A security's arrays (returns, benchmarks and dates on its own trading days) are stored once, in
flat arrays shared by all events; an event is its security's block plus the position of day 0. The
layout is built once per study, so a chunk of events, or a second pass over it, only computes
indices: no per-event Python and no copy of the securities' data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

ARRAYS = ("returns", "market", "sector", "dates")
_FILL = {"dates": np.datetime64("NaT", "ns")}


@dataclass
class Layout:
    """Where each of n events' arrays lie: ``flats[name][start[name][i] + p]`` is position ``p`` of
    event ``i``'s array ``name`` (``0 <= p < length[i]``); ``day0[i]`` is day 0's position.
    ``flats[name]`` is None when some event has no such array (no sector index, say)."""

    flats: dict[str, np.ndarray | None]
    start: dict[str, np.ndarray]
    length: np.ndarray
    day0: np.ndarray
    # The dates are stored as datetime64[ns] (the panels' unit); day 0 is given back in the
    # securities' own unit when they share one (pandas 3 makes microseconds, say).
    date_unit: str = "ns"
    # What keeps shared memory as it was when the layout was made (see of_securities); a pickled
    # layout carries copies of its arrays instead, so it is not pickled.
    anchor: object = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.day0)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "anchor": None}

    @classmethod
    def of_securities(cls, arrays: Sequence[dict[str, np.ndarray | None]], security: np.ndarray,
                      day0: np.ndarray, anchor: object = None) -> Layout:
        """From each security's arrays (same length within a security; ``dates`` datetime64) and each
        event's security (index into ``arrays``) and day 0. Arrays shared by several securities (one
        market index) are stored once.

        With an ``anchor`` (an object whose life keeps the arrays' memory from changing: a shallow
        copy of a pandas frame under copy-on-write), arrays that are pieces of one array's memory,
        covering most of it, are kept as a read-only view of it instead of a copy; without one
        they are always copied, so that a later change to the caller's data cannot reach the
        layout."""
        flats: dict[str, np.ndarray | None] = {}
        start: dict[str, np.ndarray] = {}
        units = {np.datetime_data(np.asarray(a["dates"]).dtype)[0] for a in arrays if a.get("dates") is not None}
        # Besides ARRAYS, any array every security has (a factor model's factors on its days).
        extra = [k for k in (arrays[0] if len(arrays) else {}) if k not in ARRAYS]
        for name in (*ARRAYS, *extra):
            per = [a.get(name) for a in arrays]
            if any(a is None for a in per):
                flats[name] = None
                continue
            slot: dict[int, int] = {}
            uniq: list[np.ndarray] = []
            which = np.empty(len(per), dtype=np.intp)
            for k, a in enumerate(per):
                assert a is not None
                j = slot.get(id(a))
                if j is None:
                    j = slot[id(a)] = len(uniq)
                    uniq.append(a)
                which[k] = j
            dtype = "datetime64[ns]" if name == "dates" else float
            parts = [np.asarray(a).astype(dtype, copy=False) for a in uniq]
            shared = _in_one_buffer(parts) if anchor is not None else None
            if shared is not None:
                flats[name], offsets = shared
            else:
                offsets = np.concatenate([[0], np.cumsum([len(a) for a in parts])[:-1]]).astype(np.intp)
                flats[name] = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
            start[name] = offsets[which][security]
        lengths = np.array([len(a["returns"]) for a in arrays], dtype=np.intp)  # type: ignore[arg-type]
        unit = units.pop() if len(units) == 1 else "ns"
        return cls(flats, start, lengths[security], np.asarray(day0, dtype=np.intp), unit, anchor)

    def take(self, rows: np.ndarray) -> Layout:
        """The layout of events ``rows`` (sharing the flat arrays)."""
        return Layout(self.flats, {k: v[rows] for k, v in self.start.items()}, self.length[rows], self.day0[rows],
                      self.date_unit, self.anchor)

    def panel(self, name: str, rel: np.ndarray, shift: int = 0) -> np.ndarray | None:
        """(n, len(rel)) array ``name`` on relative days ``rel`` (consecutive) + ``shift``; NaN (NaT)
        where an event's array has no such day; None when the events lack the array."""
        flat = self.flats[name]
        if flat is None:
            return None
        k = len(rel)
        first = self.day0 + int(rel[0]) + shift
        out = np.empty((self.n, k), dtype=flat.dtype)
        inside = (first >= 0) & (first + k <= self.length)
        # Rows wholly inside their array are contiguous slices of the flat array, copied whole.
        if len(flat) >= k and inside.any():
            out[inside] = np.lib.stride_tricks.sliding_window_view(flat, k)[self.start[name][inside] + first[inside]]
        edge = np.flatnonzero(~inside)
        if len(edge):
            pos = first[edge, None] + np.arange(k)
            ok = (pos >= 0) & (pos < self.length[edge, None])
            at = self.start[name][edge, None] + np.where(ok, pos, 0)
            out[edge] = np.where(ok, flat[np.minimum(at, max(len(flat) - 1, 0))] if len(flat) else _fill(name),
                                 _fill(name))
        return out

    def day0_values(self, name: str = "dates") -> np.ndarray:
        """Each event's array ``name`` at day 0 (its day-0 date, in the securities' own unit, by default)."""
        flat = self.flats[name]
        assert flat is not None
        values = flat[self.start[name] + self.day0]
        return values.astype(f"datetime64[{self.date_unit}]") if name == "dates" else values


def _in_one_buffer(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """When every array is a contiguous piece of one contiguous array's memory (the columns of a
    wide frame) and together they cover at least half of the span they lie in, that span as a
    read-only flat view and each piece's offset in it; else None. A wide frame's securities are
    then stored without a copy (48 MB at 2,000 x 3,000), and a few columns of a large frame are
    copied rather than keeping (or shipping, pickled) all of it."""
    if len(parts) < 2:
        return None
    owner = _memory_owner(parts[0])
    if not isinstance(owner, np.ndarray) or not (owner.flags.c_contiguous or owner.flags.f_contiguous):
        return None
    item = owner.itemsize
    begin = owner.__array_interface__["data"][0]
    offsets = np.empty(len(parts), dtype=np.intp)
    for k, a in enumerate(parts):
        at = a.__array_interface__["data"][0] - begin
        if (_memory_owner(a) is not owner or a.dtype != owner.dtype or a.ndim != 1
                or (len(a) > 1 and a.strides[0] != item) or at % item or at < 0 or at + a.nbytes > owner.nbytes):
            return None
        offsets[k] = at // item
    lo = int(offsets.min())
    hi = int(max(o + len(a) for o, a in zip(offsets.tolist(), parts, strict=True)))
    if 2 * sum(len(a) for a in parts) < hi - lo:
        return None
    flat = owner.ravel(order="K")[lo:hi]
    flat.flags.writeable = False
    return flat, offsets - lo


def _memory_owner(a: np.ndarray) -> object:
    """The last array of ``a``'s chain of bases (its memory's array), or whatever else owns it."""
    owner: object = a.base
    while isinstance(owner, np.ndarray) and owner.base is not None:
        owner = owner.base
    return owner


def _fill(name: str) -> np.ndarray:
    return np.asarray(_FILL.get(name, np.nan))
