"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from eventstudy import pins
from eventstudy.errors import EnvironmentFailure
from eventstudy.formatting import CONTROL_PATTERN, clean

if TYPE_CHECKING:  # pandas is imported where a CSV is written: the CLI's start stays light
    import pandas as pd


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (/proc/self/status);
    elsewhere it can only be read by setting it, done under a lock so that two of our threads never
    see, or leave behind, each other's temporary 0 (FileSet.write runs in several threads)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
    return mask


def temp_file(directory: Path, prefix: str) -> tuple[int, Path]:
    """A new temporary file in ``directory`` (same file system, so a rename is atomic), with the
    permissions a normal file would get: mkstemp's 0600 would make reports unreadable to others."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, Path(name)


def write_via(path: str | Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp)`` on a temporary file beside ``path``, fsync it, then rename it over
    ``path``. On any failure the temporary file is removed and ``path`` is untouched (inside a
    folder :func:`new_generation` is filling, ``path`` is written directly: see :class:`FileSet`)."""
    path = Path(path)
    with FileSet(path.parent) as files:
        files.write(path.name, writer)
    return files.committed[0]


class FileSet:
    """Files of one folder that change together: each is written to a temporary file beside its
    place and fsynced (:meth:`write`, from any thread), and all are renamed into place at the end
    (:meth:`commit`; those named in ``order`` first). Until then every old file is as it was; a
    failure (:meth:`discard`) leaves no new file and no temporary one. The renames come one after
    another, so only a crash in the microseconds between them could leave a mix; a folder that must
    switch whole is a generation (:func:`new_generation`).

    Inside a folder that :func:`new_generation` is filling, files are written in place: that folder
    is flushed and switched in whole (or removed on a failure), so a temporary file, its fsync and
    its rename would each be done twice. As a context manager: committed when the block ends (the
    paths in :attr:`committed`), discarded when it raises."""

    def __init__(self, directory: str | Path, order: Iterable[str] = ()):
        self.directory = Path(directory)  # made by the first write: a study that fails early leaves none
        self.order = tuple(order)
        self.staged: dict[str, Path] = {}
        self.committed: list[Path] = []
        self._lock = threading.Lock()

    def wants(self, name: str) -> bool:
        """Whether ``name`` is one of the files the set was named (all are when it was named none):
        a writer of several files asks before it makes one the caller left out."""
        return not self.order or name in self.order

    def write(self, name: str, writer: Callable[[Path], None]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / name
        if _staging and any(parent in _staging for parent in target.absolute().parents):
            tmp = target
            writer(target)
        else:
            fd, tmp = temp_file(self.directory, f".{name}.")
            os.close(fd)
            try:
                writer(tmp)
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        with self._lock:
            self.staged[name] = tmp

    def commit(self) -> list[Path]:
        """Rename every staged file into place (those named in the set's ``order`` first, in that
        order, then the others in the order written); their final paths."""
        names = [n for n in self.order if n in self.staged]
        names += [n for n in self.staged if n not in names]
        done = []
        try:
            for name in names:
                tmp, target = self.staged.pop(name), self.directory / name
                if tmp != target:
                    rename_point(f"replace {name}")
                    os.replace(tmp, target)
                done.append(target)
        finally:
            self.discard()
        self.committed = done
        return done

    def discard(self) -> None:
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged.clear()

    def __enter__(self) -> FileSet:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_text(path: str | Path, text: str) -> Path:
    def writer(p: Path) -> None:
        p.write_text(text, encoding="utf-8")

    return write_via(path, writer)


def write_bytes(path: str | Path, data: bytes) -> Path:
    def writer(p: Path) -> None:
        p.write_bytes(data)

    return write_via(path, writer)


# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection);
# tab is on OWASP's list because some programs strip it before parsing (so is carriage return,
# which clean() has already turned into a line feed).
FORMULA_START = ("=", "+", "-", "@", "\t")
_FORMULA_START_BYTES = "".join(FORMULA_START).encode()


def _neutral(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = clean(value)
    if value.startswith(FORMULA_START):
        return "'" + value  # the apostrophe marks text in every spreadsheet and is shown as data elsewhere
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells (values, index and header) that a spreadsheet would run as a formula
    prefixed with an apostrophe. Numbers are left alone: -0.05 in a float column is a number."""
    out = frame.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = _safe_column(out[col])
    if out.index.dtype == object:
        out.index = out.index.map(_neutral)
    out.columns = [_neutral(c) for c in out.columns]
    return out


def _is_text(s: pd.Series) -> bool:
    from pandas.api.types import is_string_dtype

    return bool(s.dtype == object or is_string_dtype(s.dtype))


def _safe_column(s: pd.Series) -> pd.Series:
    """A text column of :func:`csv_safe`: its cells neutralized, its dtype inferred again."""
    import numpy as np
    import pandas as pd

    # Each distinct value once: the per-event tables repeat ids and symbols on every row.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) * 2 >= len(codes):
        return s.map(_neutral)
    neutral = np.array([_neutral(u) for u in uniques] + [None], dtype=object)
    values = neutral[codes]  # code -1 (a missing value) takes the None at the end
    missing = codes < 0
    if missing.any():
        values[missing] = s.to_numpy(dtype=object)[missing].tolist()
    return pd.Series(values, index=s.index)  # dtype inferred, as map does


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``frame`` as CSV atomically, with formula-like text cells neutralized (:func:`csv_safe`)."""
    kwargs.setdefault("index", False)
    safe = csv_safe(frame)
    return write_via(path, lambda p: safe.to_csv(p, **kwargs))


def write_table_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """``write_csv(frame, path)`` (no index) through pyarrow's multithreaded writer: the same values
    (floats in shortest round-trip form, NaN and None as empty fields, midnight datetimes as dates),
    several times faster on large tables. Strings are quoted only when a value needs it."""
    if not len(frame.columns):
        return write_csv(frame, path)
    return write_table_csv_blocks([frame], path)


_IN_FLIGHT = 1  # blocks formatted while the next one is built; each one more costs a block of memory
_SLICE_ROWS = 25_000  # below this a block is formatted by one thread


def write_table_csv_blocks(blocks: Iterable[pd.DataFrame], path: str | Path) -> Path:
    """:func:`write_table_csv` of the concatenation of ``blocks`` (same columns), a few blocks in
    memory at a time: a table too large to hold whole is written as it is produced, still atomically.

    pyarrow formats a block in worker threads (it releases the GIL) while the next block is built;
    the pieces are written in order, so the file is the same as one thread would write. Text cells
    are neutralized as :func:`csv_safe` does; two columns whose names read the same are refused."""
    return write_via(path, table_csv_writer(blocks))


# A large file is handed to the disk every this many bytes as it is written, and those bytes let go
# from the page cache (:class:`DiskBound`).
FLUSH_BYTES = 64 * 2**20


class DiskBound:
    """A binary file being written that keeps at most :data:`FLUSH_BYTES` of its bytes in the page
    cache: every time that many more are written, they are flushed to the disk (``fdatasync``) and
    the kernel is told it may drop them (``posix_fadvise(DONTNEED)``). The written pages are then
    reused by the next ones instead of the page cache growing by the whole file: on this project's
    virtual machines a growing page cache costs more than the writing (4.4 GB written: 8-14 s of
    system CPU, against 1.6-1.9 s this way), and the file must reach the disk before it is switched
    in anyway. Where the system has neither call (macOS, Windows), a plain file."""

    def __init__(self, fh: BinaryIO, every: int | None = None):
        self.fh, self.every, self.unflushed = fh, FLUSH_BYTES if every is None else every, 0
        self.syncs = hasattr(os, "fdatasync") and hasattr(os, "posix_fadvise")

    def write(self, data: Any) -> None:
        self.fh.write(data)
        self.unflushed += len(data)
        if self.syncs and self.unflushed >= self.every:
            self.fh.flush()
            fd = self.fh.fileno()
            try:
                os.fdatasync(fd)
            except OSError as exc:
                if exc.errno not in _NO_SYNC:
                    raise  # the disk's error (full, failing): the write's
                self.syncs = False  # a file system that cannot: written as a plain file
                return
            with contextlib.suppress(OSError):  # only advice
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # 0, 0: the whole file, all of it on disk now
            self.unflushed = 0


# What fdatasync answers on a file system (or file) that cannot sync, rather than a failed write.
_NO_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ESPIPE}


def table_csv_writer(blocks: Iterable[pd.DataFrame]) -> Callable[[Path], None]:
    """The writer of :func:`write_table_csv_blocks`, for :func:`write_via` or :meth:`FileSet.write`."""
    import csv
    import io
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    workers = min(4, os.cpu_count() or 1)

    def writer(p: Path) -> None:
        with open(p, "wb") as raw, ThreadPoolExecutor(workers) as pool:
            fh = DiskBound(raw)
            pending: deque[tuple[list[Any], str, list[Future]]] = deque()
            first = True
            for frame in blocks:
                if first:
                    header = io.StringIO()
                    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
                    fh.write(header.getvalue().encode())
                    first = False
                table = _arrow_table(frame)
                quoting = _quoting(table)
                n = table.num_rows
                k = max(1, min(workers, n // _SLICE_ROWS))
                slices = [table.slice(i * n // k, (i + 1) * n // k - i * n // k) for i in range(k)]
                pending.append((slices, quoting, [pool.submit(_csv_rows, s, quoting) for s in slices]))
                while len(pending) > _IN_FLIGHT:
                    _write_block(fh, *pending.popleft())
            while pending:
                _write_block(fh, *pending.popleft())

    return writer


def _write_block(fh: Any, slices: list[Any], quoting: str, jobs: list[Any]) -> None:
    parts = [job.result() for job in jobs]
    if any(part is None for part in parts):  # a column type _quoting does not read: as one block, quoted
        parts = [_csv_rows(s, "needed") for s in slices]
    for part in parts:
        fh.write(part)


def _csv_rows(table: Any, quoting: str) -> Any:
    """``table``'s rows as CSV bytes (a pyarrow Buffer), or None when ``quoting`` "none" cannot write them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    buf = pa.BufferOutputStream()
    try:
        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style=quoting))
    except pa.ArrowInvalid:
        if quoting == "needed":
            raise
        return None
    return buf.getvalue()


_STRUCTURAL = b',"\r\n'  # what pyarrow's quoting "none" refuses in a value
_STRUCTURAL_PATTERN = '[,"\r\n]'
# A cell _neutral changes: a formula start, or a character clean() drops or rewrites.
_UNSAFE_PATTERN = "^[" + "".join("\\-" if c == "-" else c for c in FORMULA_START) + "]|" + CONTROL_PATTERN


def _quoting(table: Any) -> str:
    """pyarrow's quoting style for a block: "none" unless a text cell holds a comma, quote or line
    break. "needed" then quotes every text cell (pyarrow quotes all strings with it), as before."""
    import pyarrow.compute as pc

    for column in table.columns:
        if not _is_arrow_text(column.type):
            continue
        for chunk in column.chunks:
            if not _bytes_any(chunk, _STRUCTURAL):
                continue
            if chunk.null_count == 0 or pc.any(pc.match_substring_regex(chunk, _STRUCTURAL_PATTERN)).as_py():
                return "needed"
    return "none"


def _is_arrow_text(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _text_buffers(chunk: Any) -> tuple[Any, Any, Any]:
    """The offsets (one per value and one more) and the UTF-8 bytes of a non-empty arrow string
    array, and the part of the bytes its values span."""
    import numpy as np
    import pyarrow as pa

    _validity, offsets, data = chunk.buffers()
    kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    off = np.frombuffer(offsets, dtype=kind)[chunk.offset : chunk.offset + len(chunk) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, dtype=np.uint8)
    return off, raw, raw[off[0] : off[-1]]


def _bytes_any(chunk: Any, chars: bytes) -> bool:
    """Whether any value of ``chunk`` may contain one of the ASCII ``chars``. Exact when there is no
    null (a null's slot may hold stray bytes); never false when a value does contain one."""
    import numpy as np

    if not len(chunk):
        return False
    _, _, body = _text_buffers(chunk)
    return bool(np.isin(body, np.frombuffer(chars, dtype=np.uint8)).any())


def _maybe_unsafe(chunk: Any) -> bool:
    """Whether any value of ``chunk`` may need :func:`_neutral` (never false when one does): only
    ASCII text without control characters and without a formula start is surely left as it is."""
    import numpy as np

    if not len(chunk):
        return False
    off, raw, body = _text_buffers(chunk)
    # Every character clean() drops is an ASCII control or is not ASCII (its UTF-8 bytes are >= 0x80).
    if ((body < 0x20) & (body != 0x09) & (body != 0x0A)).any() or (body >= 0x7F).any():
        return True
    starts = off[:-1][off[1:] > off[:-1]]
    return bool(np.isin(raw[starts], np.frombuffer(_FORMULA_START_BYTES, dtype=np.uint8)).any())


def _neutral_text(array: Any) -> Any:
    """An arrow string array with :func:`_neutral` applied: in Python only to the cells it changes,
    found by pyarrow (C++) after a numpy scan of the bytes has shown there may be some."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    if not any(_maybe_unsafe(c) for c in chunks):
        return array
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    unsafe = pc.fill_null(pc.match_substring_regex(array, _UNSAFE_PATTERN), False)
    rows = np.flatnonzero(unsafe.to_numpy(zero_copy_only=False))
    if not len(rows):
        return array
    fixed = pa.array([_neutral(v) for v in array.take(rows).to_pylist()], type=array.type)
    return pc.replace_with_mask(array, unsafe, fixed)


def _arrow_table(frame: pd.DataFrame) -> Any:  # a pyarrow Table (pyarrow is imported lazily)
    """``csv_safe(frame)`` as the arrow table the CSV writer formats, without copying the frame."""
    import pyarrow as pa

    columns = {}
    for name, s in frame.items():
        key = str(_neutral(name))
        if key in columns:  # one would replace the other: rows shorter than the header
            raise ValueError(f"two columns named {key!r}: a CSV table needs distinct column names")
        columns[key] = _arrow_column(s)
    return pa.table(columns)


def _arrow_column(s: pd.Series) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if _is_text(s):
        try:
            array = pa.array(s, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            array = None  # mixed values: csv_safe's path below gives the same result or error
        if array is not None and pa.types.is_null(array.type):
            return array
        if array is not None and _is_arrow_text(array.type):
            return _neutral_text(array)
        # Not all text: csv_safe's values, whose inferred dtype decides the column's form.
        s = _safe_column(s)
    kind = s.dtype.kind
    if kind == "f":
        v = s.to_numpy(dtype=float)
        return pa.array(v, mask=np.isnan(v))
    if kind == "M":
        v = s.to_numpy(dtype="datetime64[ns]")
        nat = np.isnat(v)
        days = v.astype("datetime64[D]")
        at_midnight = bool(((days == v) | nat).all())
        text = days if at_midnight else np.datetime_as_string(v, unit="s")
        return pa.array(text, mask=nat)
    if kind == "b":
        return pc.if_else(pa.array(s, from_pandas=True), "True", "False")
    return pa.array(s, from_pandas=True)


# -- folders that change all at once ----------------------------------------------------------
#
# A set of files (the price store, a report folder) is written as a new generation in a hidden
# sibling folder and switched with one rename: readers and a crash see the old set or the new set,
# never a mix. On Linux the switch is renameat2(RENAME_EXCHANGE), a single atomic swap of two
# folders; elsewhere it is two renames, made recoverable by marking the finished generation first.

CRASH_AT_ENV = "EVENTSTUDY_CRASH_AT"  # testing hook: SIGKILL this process at the N-th rename point
CRASH_AFTER_ENV = "EVENTSTUDY_CRASH_AFTER"  # testing hook: SIGKILL this process after S seconds
_points = [0]


def rename_point(label: str) -> None:
    """A place where a crash must leave the old or the new state; the crash harness kills here.

    With ``EVENTSTUDY_CRASH_AT=list`` every point is printed to stderr (to count them)."""
    spec = os.environ.get(CRASH_AT_ENV)
    if not spec:
        return
    _points[0] += 1
    if spec == "list":
        os.write(2, f"rename point {_points[0]}: {label}\n".encode())
    elif spec.isdigit() and int(spec) == _points[0]:
        os.kill(os.getpid(), signal.SIGKILL)


def arm_crash_timer() -> None:
    """Testing hook: with ``EVENTSTUDY_CRASH_AFTER=S`` the process SIGKILLs itself after S seconds."""
    spec = os.environ.get(CRASH_AFTER_ENV)
    if not spec:
        return
    timer = threading.Timer(float(spec), lambda: os.kill(os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only where a folder is switched: not part of the CLI's start

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False  # the file system has no exchange; fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _siblings(target: Path, kind: str) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.{kind}-*"))


def recover_dir(target: Path) -> None:
    """Finish or undo a switch a killed process left halfway, and remove its leftovers.

    Only the two-rename fallback can leave ``target`` missing: then a generation marked ready is
    complete and goes in, else the old one goes back. Call it holding the folder's lock."""
    target = Path(target)
    if not target.parent.is_dir():
        return
    if not target.exists():
        ready, old = _siblings(target, "ready"), _siblings(target, "old")
        if ready:
            os.rename(ready[-1], target)
        elif old:
            os.rename(old[-1], target)
    for kind in ("new", "ready", "old", "retired"):
        for leftover in _siblings(target, kind):
            pins.remove_unless_pinned(leftover)  # a generation a reader still holds waits for a later writer


def fsync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` to disk before it is switched in."""
    for root, _dirs, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError), open(os.path.join(root, name), "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(Path(root))


def fsync_dir(path: Path) -> None:
    # Makes renames durable on POSIX; directories cannot be opened this way on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def switch_dir(staged: Path, target: Path) -> None:
    """Make the finished folder ``staged`` become ``target`` in one step; the old one is removed."""
    fsync_tree(staged)
    rename_point(f"switch {target.name}")
    if not target.exists():
        os.rename(staged, target)
    elif _exchange(staged, target):
        rename_point(f"switched {target.name}")
        pins.remove_unless_pinned(staged)  # now holds the previous generation, perhaps still being read
    else:
        ready = staged.with_name(staged.name.replace(".new-", ".ready-", 1))
        os.rename(staged, ready)
        old = staged.with_name(staged.name.replace(".new-", ".old-", 1))
        rename_point(f"retire {target.name}")
        os.rename(target, old)
        rename_point(f"install {target.name}")
        os.rename(ready, target)
        pins.remove_unless_pinned(old)
    fsync_dir(target.parent)


# Folders new_generation is filling: a FileSet (write_via) writes into them directly (see there).
_staging: set[Path] = set()


@contextlib.contextmanager
def new_generation(target: str | Path) -> Iterator[Path]:
    """Write a folder's next content in a hidden sibling, then switch it in all at once.

    ``with new_generation(out) as staged: ...write into staged...``. If the block raises, the
    staged folder is removed and ``target`` is untouched. Hold the folder's lock around this."""
    target = Path(target)
    if target.is_symlink():
        target = target.resolve()  # the folder a link names is replaced, never the link itself
    if target.exists() and not target.is_dir():
        # Switching would swap the file out and delete it: the tool never removes what it did not make.
        raise EnvironmentFailure(f"{target} is a file where a folder of eventstudy's belongs; it is left alone",
                                 hint="move it away, or choose another folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(target)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    os.chmod(staged, 0o777 & ~_umask())
    _staging.add(staged.absolute())
    try:
        yield staged
        switch_dir(staged, target)
    except BaseException:
        pins.remove_unless_pinned(staged)
        raise
    finally:
        _staging.discard(staged.absolute())


@dataclass
class CsvRows:
    """A block's CSV text as :func:`table_csv_writer` writes it (``header`` and ``body``, with the
    block's ``quoting``), and what lets the block be joined with others' rows into a file of other
    blocks: which rows hold a text cell that forces quoting (``flagged``: a comma, quote or line
    break), which hold a missing text cell (``nulls``), and where the text columns are."""

    header: bytes
    body: bytes
    quoting: str
    flagged: Any  # numpy bool per row
    nulls: Any
    text_columns: list[int]


def csv_rows(frame: pd.DataFrame) -> CsvRows:
    """``frame`` formatted as one block of :func:`table_csv_writer`."""
    import csv
    import io

    import numpy as np
    import pyarrow.compute as pc

    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
    table = _arrow_table(frame)
    quoting = _quoting(table)
    body = _csv_rows(table, quoting)
    if body is None:
        quoting, body = "needed", _csv_rows(table, "needed")
    flagged = np.zeros(table.num_rows, dtype=bool)
    nulls = np.zeros(table.num_rows, dtype=bool)
    text = [j for j, column in enumerate(table.columns) if _is_arrow_text(column.type)]
    for j in text:
        column = table.column(j)
        flagged |= pc.fill_null(pc.match_substring_regex(column, _STRUCTURAL_PATTERN), False).to_numpy(
            zero_copy_only=False)
        nulls |= pc.is_null(column).to_numpy(zero_copy_only=False)
    return CsvRows(header.getvalue().encode(), body.to_pybytes(), quoting, flagged, nulls, text)
