"""The per-event tables of a study on a cluster, written by its chunk tasks as parts, joined by the client.

ar.csv, car.csv and estimates.csv hold rows of every event (about 1 KB an event): a client that
gathered them would grow with the study. Each chunk task formats its events' rows where it runs
(:func:`write_chunk`) and writes them to a folder beside the output (:class:`Place`); the client
keeps only each event's chunk and byte lengths and, once pass 1 is done, copies the rows into the
files in the events' order (:class:`Joiner`), as one process writes them.

A chunk's events lie all over the files (chunks follow day 0, the files the events' order), and
one process formats its tables in blocks of :data:`BLOCK` events, quoting every text cell of a block
in which one needs quotes (:func:`eventstudy.atomic.csv_rows`). A task, which sees only its own
events, reports which of them force quoting; the client gives each block of the files the quoting
one process would, requoting or unquoting the rows of a chunk written the other way (rows that
force nothing, so their cells split at every comma).

Workers that do not see the folder (another machine, without a shared filesystem) send their
parts' bytes back with the results and the client writes them: a chunk at a time, never all.
"""

from __future__ import annotations

import os
import resource
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from eventstudy.atomic import CsvRows, DiskBound, csv_rows

if TYPE_CHECKING:
    from eventstudy.stats.study import StudyResult

# Events per block of StudyResult.write_ar and write_car_and_estimates (their ``block``), whose
# quoting the joined files must repeat.
BLOCK = 5_000


@dataclass(frozen=True)
class Place:
    """The parts' folder, and a file the client made there: a worker that does not see it is not
    on the client's filesystem."""

    folder: str
    marker: str
    names: tuple[str, ...] = ()  # the parts each task writes (table_names): the tables the study writes

    def visible(self) -> bool:
        return os.path.exists(os.path.join(self.folder, self.marker))


@dataclass
class ChunkTables:
    """What a task says of its parts: for each table (``ar``, ``car0``... one per CAR window,
    ``est``), its events' byte lengths, in the order of their positions, the quoting it wrote
    them with, which events force quoting or have a missing text cell; the bytes themselves when
    the task could not write them to the folder."""

    index: int
    lengths: dict[str, np.ndarray]
    quoting: dict[str, str]
    flagged: dict[str, np.ndarray]
    nulls: dict[str, np.ndarray]
    text_columns: dict[str, list[int]]
    headers: dict[str, bytes]
    data: dict[str, bytes] | None = None


def part_name(name: str, index: int) -> str:
    return f"{index:07d}.{name}"


def lengths_name(name: str, index: int) -> str:
    return part_name(name, index) + ".lengths"


def table_names(n_cars: int) -> list[str]:
    return ["ar", *(f"car{j}" for j in range(n_cars)), "est"]


def file_of(name: str) -> str:
    """The CSV file a part of :func:`table_names` goes to."""
    return "estimates.csv" if name == "est" else "car.csv" if name.startswith("car") else f"{name}.csv"


def write_chunk(result: StudyResult, index: int, place: Place) -> ChunkTables:
    """The rows of one chunk's events (``result``, its events in the order of their positions),
    written to ``place`` (or kept, when the folder is not to be seen from here)."""
    frames = {}
    if "ar" in place.names:
        frames["ar"] = result._ar_block(slice(None))
    for j, c in enumerate(result.car_arrays):
        if f"car{j}" in place.names:
            frames[f"car{j}"] = result._car_block(c, slice(None))
    if "est" in place.names:
        frames["est"] = result._estimates_block(slice(None))
    return write_tables(frames, result.output.n, index, place)


def write_tables(frames: dict[str, Any], n: int, index: int, place: Place) -> ChunkTables:
    """Tables of ``n`` events (each event's rows together, in the order of their positions) as
    parts of chunk ``index``."""
    out = ChunkTables(index, {}, {}, {}, {}, {}, {}, None if place.visible() else {})
    for name, frame in frames.items():
        rows = csv_rows(frame)
        per = len(frame) // n if n else 1
        out.lengths[name] = _event_lengths(rows, frame, n, per)
        out.quoting[name] = rows.quoting
        out.flagged[name] = rows.flagged.reshape(n, per).any(axis=1)
        out.nulls[name] = rows.nulls.reshape(n, per).any(axis=1)
        out.text_columns[name] = rows.text_columns
        out.headers[name] = rows.header
        if out.data is not None:
            out.data[name] = rows.body
        else:
            Path(place.folder, part_name(name, index)).write_bytes(rows.body)
    return out


def _event_lengths(rows: CsvRows, frame: Any, n: int, per: int) -> np.ndarray:
    """Bytes of each event's ``per`` rows in ``rows.body``."""
    ends = np.flatnonzero(np.frombuffer(rows.body, dtype=np.uint8) == 10) + 1
    if len(ends) == n * per:
        return np.diff(ends[per - 1 :: per], prepend=0).astype(np.int64)
    # A quoted line break in some cell: each event's rows formatted alone, with the block's quoting.
    from eventstudy.atomic import _arrow_table, _csv_rows

    table = _arrow_table(frame)
    return np.array([len(_csv_rows(table.slice(i * per, per), rows.quoting)) for i in range(n)], dtype=np.int64)


@dataclass
class Joiner:
    """The client's side: where each event's rows are, and the files joined from the parts."""

    n: int
    names: list[str]
    folder: Path
    chunk: np.ndarray = field(init=False)
    # Each event's byte lengths are not kept here (20 bytes an event for five tables): each chunk's,
    # in the order of its events' positions, go to a file beside its part, read back as the join
    # reaches them (_Parts.length).
    # Per block of BLOCK events, not per event (a block's quoting is all the join asks of them):
    # whether an event of the block forces quoting, and whether one has a missing text cell in
    # rows written unquoted, which could not be requoted.
    flagged: dict[str, np.ndarray] = field(init=False)
    nulls: dict[str, np.ndarray] = field(init=False)
    quoting: dict[str, list[str]] = field(init=False)
    text_columns: dict[str, list[int]] = field(default_factory=dict)
    headers: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chunk = np.full(self.n, -1, dtype=np.int32)
        blocks = -(-self.n // BLOCK)
        self.flagged = {k: np.zeros(blocks, dtype=bool) for k in self.names}
        self.nulls = {k: np.zeros(blocks, dtype=bool) for k in self.names}
        self.quoting = {k: [] for k in self.names}

    def put(self, rows: np.ndarray, tables: ChunkTables) -> None:
        """A chunk's tables, for events ``rows`` (in chunk order: the tables' index is its place)."""
        where = np.sort(rows)
        self.chunk[where] = tables.index
        for k in self.names:
            if len(self.quoting[k]) != tables.index:
                raise RuntimeError("chunk tables came out of order")
            self.quoting[k].append(tables.quoting[k])
            lengths = np.asarray(tables.lengths[k])
            if len(lengths) and lengths.max() > np.iinfo(np.int32).max:
                raise RuntimeError("an event's rows of 2 GB or more")
            (self.folder / lengths_name(k, tables.index)).write_bytes(lengths.astype(np.int32).tobytes())
            self.flagged[k][where[tables.flagged[k]] // BLOCK] = True
            if tables.quoting[k] != "needed":
                self.nulls[k][where[tables.nulls[k]] // BLOCK] = True
            self.text_columns.setdefault(k, tables.text_columns[k])
            self.headers.setdefault(k, tables.headers[k])
            if tables.data is not None:
                (self.folder / part_name(k, tables.index)).write_bytes(tables.data[k])

    def writer(self, names: list[str]) -> Callable[[Path], None]:
        """A writer (for :meth:`eventstudy.atomic.FileSet.write`) of the tables ``names`` one after
        another, under the first one's header."""

        def write(path: Path) -> None:
            if (self.chunk < 0).any():
                raise RuntimeError("some events' rows never came back from the cluster")
            with open(path, "wb", buffering=1 << 20) as raw:
                out = DiskBound(raw)
                out.write(self.headers[names[0]])
                for name in names:
                    self._join(name, out)

        return write

    def _join(self, name: str, out: DiskBound) -> None:
        quoting, text = self.quoting[name], self.text_columns[name]
        with _Parts(self.folder, name, len(quoting)) as parts:
            for block, start in enumerate(range(0, self.n, BLOCK)):
                stop = min(start + BLOCK, self.n)
                style = "needed" if self.flagged[name][block] else "none"
                if style == "needed" and self.nulls[name][block]:
                    raise RuntimeError("an event's rows with a missing text cell cannot be requoted")
                for i in range(start, stop):
                    k = int(self.chunk[i])
                    data = parts.read(k, parts.length(k))
                    if quoting[k] != style:
                        data = _requote(data, text, style == "needed")
                    out.write(data)
        for k in range(len(quoting)):
            if parts.used[k] != os.path.getsize(self.folder / part_name(name, k)):
                raise RuntimeError(f"part {part_name(name, k)} holds rows no event claims")


# Byte lengths read at a time per part in the join: 4 KB a part (3.5 MB at a million events).
LENGTHS = 1024
_NO_LENGTHS = np.empty(0, dtype=np.int32)


class _Parts:
    """The parts of one table, read in turn: as many open as the process may open, the others
    reopened where they were left."""

    def __init__(self, folder: Path, name: str, count: int):
        self.folder, self.name = folder, name
        self.used = [0] * count
        self.open: OrderedDict[int, IO[bytes]] = OrderedDict()
        # Each part's next event byte lengths, read LENGTHS at a time, and how many were read.
        self.lengths: dict[int, tuple[np.ndarray, int]] = {}
        self.lengths_read = [0] * count
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.most = max(8, min(soft // 2, 4096) if soft > 0 else 256)

    def read(self, k: int, size: int) -> bytes:
        fh = self.open.get(k)
        if fh is None:
            if len(self.open) >= self.most:
                self.open.popitem(last=False)[1].close()
            fh = open(self.folder / part_name(self.name, k), "rb")  # noqa: SIM115  # kept open across reads
            fh.seek(self.used[k])
            self.open[k] = fh
        else:
            self.open.move_to_end(k)
        data = fh.read(size)
        if len(data) != size:
            raise RuntimeError(f"part {part_name(self.name, k)} came back short")
        self.used[k] += size
        return data

    def length(self, k: int) -> int:
        """The byte length of the next event's rows in part ``k``."""
        values, at = self.lengths.get(k, (_NO_LENGTHS, 0))
        if at == len(values):
            with open(self.folder / lengths_name(self.name, k), "rb") as fh:
                fh.seek(4 * self.lengths_read[k])
                values, at = np.frombuffer(fh.read(4 * LENGTHS), dtype=np.int32), 0
            if not len(values):
                raise RuntimeError(f"part {part_name(self.name, k)} has fewer events than claim it")
            self.lengths_read[k] += len(values)
        self.lengths[k] = values, at + 1
        return int(values[at])

    def __enter__(self) -> _Parts:
        return self

    def __exit__(self, *_: object) -> None:
        for fh in self.open.values():
            fh.close()
        self.open.clear()


def _requote(data: bytes, text: list[int], quote: bool) -> bytes:
    """Rows written with the other quoting, none of whose cells holds a comma, quote or line break."""
    lines = data.split(b"\n")
    for r, line in enumerate(lines[:-1]):
        cells = line.split(b",")
        for j in text:
            cells[j] = b'"' + cells[j] + b'"' if quote else cells[j][1:-1]
        lines[r] = b",".join(cells)
    return b"\n".join(lines)


class ColumnSpill:
    """The battery's event-window ARs and variances (:class:`significance.ArColumns`) of a study
    whose chunks came back from a cluster, in a file rather than in memory (16 bytes an event and
    day, 336 MB at a million events with a 21-day window): each chunk's block in chunk order, a
    day's values together, so that a day's column of every event is one read per chunk and a
    chunk's, for GRANK's pass, one read. No column is kept between reads: the battery reads a
    day's three times in a row, but a column kept would be 16 bytes an event more at its peak,
    for reads of about a second in all at a million events. Unnamed: gone when closed, or when
    the process ends."""

    def __init__(self, n: int, folder: Path):
        self.n = n
        # Held open across pass 1 and the battery and closed by close(): not a with-block.
        self.fh = tempfile.TemporaryFile(prefix="eventstudy-ar-", dir=folder)  # noqa: SIM115
        self.chunks: list[tuple[int, np.ndarray]] = []  # (offset, rows)
        self.by_first: dict[int, int] = {}
        self.width = 0
        self.dtype = np.dtype(np.float64)
        self.size = 0

    def put(self, rows: np.ndarray, ar: np.ndarray, var: np.ndarray) -> None:
        """A chunk's (events x days) ARs and variances, its events at positions ``rows``."""
        self.width, self.dtype = ar.shape[1], ar.dtype
        self.by_first[int(rows[0])] = len(self.chunks)
        self.chunks.append((self.size, np.asarray(rows)))
        for block in (ar, var):
            data = np.ascontiguousarray(block.T, dtype=self.dtype).tobytes()
            self.fh.write(data)
            self.size += len(data)

    def _read(self, offset: int, count: int) -> np.ndarray:
        return _read_values(self.fh, offset, count, self.dtype, "the ARs'")

    def column(self, col: int) -> tuple[np.ndarray, np.ndarray]:
        self.fh.flush()
        ar, var = np.empty(self.n, dtype=self.dtype), np.empty(self.n, dtype=self.dtype)
        for offset, rows in self.chunks:
            m = len(rows)
            ar[rows] = self._read(offset + col * m * self.dtype.itemsize, m)
            var[rows] = self._read(offset + (self.width + col) * m * self.dtype.itemsize, m)
        return ar, var

    def rows(self, col: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.by_first.get(int(rows[0])) if len(rows) else None
        if k is None or not np.array_equal(self.chunks[k][1], rows):
            ar, var = self.column(col)  # not a chunk's rows
            return ar[rows], var[rows]
        self.fh.flush()
        offset, m = self.chunks[k][0], len(rows)
        return (self._read(offset + col * m * self.dtype.itemsize, m).copy(),
                self._read(offset + (self.width + col) * m * self.dtype.itemsize, m).copy())

    def close(self) -> None:
        self.fh.close()


class RowSpill:
    """Per-event numbers that a cluster's client needs only once the battery is done (the CAR
    windows' raw returns and buy-and-hold ARs, for the result's ``car``: their car.csv rows are the
    tasks'), in an unnamed file meanwhile, a chunk's block at a time: the battery's peak is not
    theirs too (48 bytes an event with three windows). :meth:`take` reads one back whole."""

    def __init__(self, n: int, folder: Path):
        self.n = n
        # Held open across pass 1 and the battery and closed by close(): not a with-block.
        self.fh = tempfile.TemporaryFile(prefix="eventstudy-rows-", dir=folder)  # noqa: SIM115
        self.blocks: dict[str, list[tuple[int, np.ndarray, np.dtype]]] = {}
        self.size = 0

    def put(self, name: str, rows: np.ndarray, values: np.ndarray) -> None:
        """Values of events ``rows`` (a chunk's) for ``name``."""
        data = np.ascontiguousarray(values).tobytes()
        self.blocks.setdefault(name, []).append((self.size, np.asarray(rows), values.dtype))
        self.fh.write(data)
        self.size += len(data)

    def take(self, name: str) -> np.ndarray:
        """Every event's values of ``name``, in the events' order (then forgotten here)."""
        self.fh.flush()
        blocks = self.blocks.pop(name)
        out = np.empty(self.n, dtype=blocks[0][2])
        for offset, rows, dtype in blocks:
            out[rows] = _read_values(self.fh, offset, len(rows), dtype, "the CARs'")
        return out

    def close(self) -> None:
        self.fh.close()


def _read_values(fh: IO[bytes], offset: int, count: int, dtype: np.dtype, whose: str) -> np.ndarray:
    """``count`` values of ``dtype`` at ``offset`` of a spill file (read where it is, from any
    thread); a read that comes back short raises rather than give garbage."""
    size = count * dtype.itemsize
    data = os.pread(fh.fileno(), size, offset)
    if len(data) != size:
        raise OSError(f"{whose} temporary file came back short ({len(data)} of {size} bytes)")
    return np.frombuffer(data, dtype=dtype)
