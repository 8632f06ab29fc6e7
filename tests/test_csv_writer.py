"""The fast CSV writer (atomic.write_table_csv_blocks) gives exactly the bytes of the writer it replaced.

The replaced implementation is kept below, unchanged, as the reference (`_reference_*`): it ran
csv_safe on every block and wrote each block twice when a text cell held a comma. Hand-written
hostile tables and a hypothesis property test compare the two byte for byte, errors included.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventstudy.atomic import FORMULA_START, _neutral, _neutral_text, _quoting, write_table_csv, write_table_csv_blocks
from eventstudy.formatting import CONTROL_PATTERN, clean

# -- reference: the implementation before the speed-up (eventstudy/atomic.py at ec676fc) -----------

_REF_FORMULA_START = ("=", "+", "-", "@", "\t")


def _reference_neutral(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = clean(value)
    if value.startswith(_REF_FORMULA_START):
        return "'" + value
    return value


def _reference_csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    from pandas.api.types import is_string_dtype

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or is_string_dtype(out[col]):
            codes, uniques = pd.factorize(out[col], use_na_sentinel=True)
            if len(uniques) * 2 < len(codes):
                neutral = np.array([_reference_neutral(u) for u in uniques] + [None], dtype=object)
                values = neutral[codes]
                missing = codes < 0
                if missing.any():
                    values[missing] = out[col].to_numpy(dtype=object)[missing].tolist()
                out[col] = pd.Series(values, index=out.index)
            else:
                out[col] = out[col].map(_reference_neutral)
    if out.index.dtype == object:
        out.index = out.index.map(_reference_neutral)
    out.columns = [_reference_neutral(c) for c in out.columns]
    return out


def _reference_arrow_table(frame: pd.DataFrame) -> pa.Table:
    frame = _reference_csv_safe(frame)
    columns = {}
    for name, s in frame.items():
        kind = s.dtype.kind
        if kind == "f":
            v = s.to_numpy(dtype=float)
            columns[str(name)] = pa.array(v, mask=np.isnan(v))
        elif kind == "M":
            v = s.to_numpy(dtype="datetime64[ns]")
            nat = np.isnat(v)
            days = v.astype("datetime64[D]")
            at_midnight = bool(((days == v) | nat).all())
            text = days if at_midnight else np.datetime_as_string(v, unit="s")
            columns[str(name)] = pa.array(text, mask=nat)
        elif kind == "b":
            columns[str(name)] = pa.array(s.map({True: "True", False: "False"}), from_pandas=True)
        else:
            columns[str(name)] = pa.array(s, from_pandas=True)
    return pa.table(columns)


def _reference_bytes(blocks: list[pd.DataFrame]) -> bytes:
    import pyarrow.csv as pacsv

    fh = io.BytesIO()
    first = True
    for frame in blocks:
        if first:
            header = io.StringIO()
            csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
            fh.write(header.getvalue().encode())
            first = False
        table = _reference_arrow_table(frame)
        for quoting in ("none", "needed"):
            buf = io.BytesIO()
            try:
                pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style=quoting))
            except pa.ArrowInvalid:
                continue
            fh.write(buf.getbuffer())
            break
    return fh.getvalue()


# -- comparison ------------------------------------------------------------------------------------


def _same_bytes(blocks: list[pd.DataFrame], path: Path) -> bytes:
    """Assert the new writer writes the reference's bytes (or raises the reference's error type)."""
    try:
        expected = _reference_bytes(blocks)
    except Exception as error:  # the new writer must refuse the same tables
        with pytest.raises(type(error)):
            write_table_csv_blocks(iter(blocks), path)
        return b""
    got = write_table_csv_blocks(iter(blocks), path).read_bytes()
    assert got == expected
    return got


HOSTILE = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a\r\nb", "a\rb", "ok", "a\x00b", "\u202eevil",
           "x\u2066y", "\x85c1", "a,b", 'say "hi"', "two\nlines", "'quoted", "", " =not", "\x07=1", "中文",
           "😀", "-0.05", "\x7f"]


def test_hostile_text_cells_in_str_and_object_columns(tmp_path: Path) -> None:
    n = len(HOSTILE) + 2
    values = [*HOSTILE, None, np.nan]
    frame = pd.DataFrame({
        "text": pd.Series(values, dtype="str"),
        "obj": pd.Series(values, dtype=object),
        "python": pd.Series([*HOSTILE, None, None], dtype="string[python]"),
        "repeated": pd.Series((HOSTILE[:3] * n)[:n], dtype=object),  # csv_safe's factorized path
        "x": np.arange(n, dtype=float),
    })
    got = _same_bytes([frame], tmp_path / "t.csv")
    assert b"'=1+1" in got and b"\x00" not in got and "\u202e".encode() not in got and b"\r" not in got
    # one clean block and one that needs quotes: each block picks its own style, as before
    plain = pd.DataFrame({"text": ["a", "=b"], "obj": ["c", None], "python": ["d", "e"], "repeated": ["f", "g"],
                          "x": [1.5, np.nan]})
    got = _same_bytes([plain, frame, plain], tmp_path / "t.csv")
    assert got.splitlines()[1] == b"a,c,d,f,1.5"


def test_each_hostile_cell_alone(tmp_path: Path) -> None:
    # Alone among plain cells, so that no other cell sends its column down the careful path.
    for value in HOSTILE:
        for dtype in ("str", object):
            frame = pd.DataFrame({"t": pd.Series(["plain", value, None], dtype=dtype), "n": [1, 2, 3]})
            _same_bytes([frame], tmp_path / "t.csv")
            _same_bytes([frame.iloc[1:]], tmp_path / "t.csv")


def test_numbers_dates_bools_and_names(tmp_path: Path) -> None:
    midnight = pd.to_datetime(["2024-01-02", None, "1999-12-31", "2024-02-29"])
    frame = pd.DataFrame({
        0: [1.0, np.nan, np.inf, -np.inf],
        ("a", 1): [-0.0, 1e-5, 1e20, 0.1 + 0.2],
        "=name": [1, 2, -3, 2**53],
        "date": midnight,
        "stamp": midnight + pd.Timedelta("13:45:10"),
        "tz": pd.to_datetime(["2024-01-02 09:30", None, "2024-01-03 00:00", "2024-01-04 00:00"]).tz_localize("UTC"),
        "flag": [True, False, True, True],
        "maybe": pd.array([True, None, False, True], dtype="boolean"),
        "nint": pd.array([1, None, 3, 4], dtype="Int64"),
        "f32": np.array([0.1, np.nan, 3, 4], dtype=np.float32),
        "cat": pd.Categorical(["a,b", "c", "a,b", None]),
        "span": pd.to_timedelta([1, 2, 3, 4], unit="D"),
    })
    got = _same_bytes([frame], tmp_path / "t.csv")
    assert got.startswith(b'0,"(\'a\', 1)",=name,date,stamp')  # header names as before: str(), not neutralized
    for cut in (1, 2, 3):
        _same_bytes([frame.iloc[:cut], frame.iloc[cut:]], tmp_path / "t.csv")


def test_object_columns_keep_their_inferred_form(tmp_path: Path) -> None:
    # csv_safe re-inferred dtypes differently for few and many repeats: bools were "True" or "true".
    for n in (2, 3, 5, 8):
        frame = pd.DataFrame({
            "bools": pd.Series([True, False] * (n // 2) + [True] * (n % 2), dtype=object),
            "ints": pd.Series([1, 2] * (n // 2) + [None] * (n % 2), dtype=object),
            "floats": pd.Series([0.5, np.nan] * (n // 2) + [0.5] * (n % 2), dtype=object),
            "empty": pd.Series([None] * n, dtype=object),
            "nans": pd.Series([np.nan] * n, dtype=object),
            "mixed_none": pd.Series(["=x", None] * (n // 2) + [np.nan] * (n % 2), dtype=object),
        })
        _same_bytes([frame], tmp_path / "t.csv")
    _same_bytes([pd.DataFrame({"mixed": pd.Series(["a", 1, 2.5], dtype=object)})], tmp_path / "t.csv")


def test_empty_frames_and_duplicate_names(tmp_path: Path) -> None:
    empty = pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=float),
                          "c": pd.Series([], dtype="str"), "d": pd.Series([], dtype="datetime64[ns]")})
    assert _same_bytes([empty], tmp_path / "t.csv") == b"a,b,c,d\n"
    _same_bytes([empty, pd.DataFrame({"a": ["x,y"], "b": [1.0], "c": ["=z"], "d": pd.to_datetime(["2024-01-01"])}),
                 empty], tmp_path / "t.csv")
    _same_bytes([], tmp_path / "t.csv")
    # Names equal as text: the old writer crashed (duplicates) or wrote rows shorter than the header
    # (1 and "1"); the new one refuses both, naming the column.
    before = (tmp_path / "t.csv").read_bytes()
    dupes = pd.DataFrame([[1, "x", 2.0]], columns=["a", "a", "b"])
    with pytest.raises(AttributeError):
        _reference_bytes([dupes])
    with pytest.raises(ValueError, match="two columns named 'a'"):
        write_table_csv(dupes, tmp_path / "t.csv")
    alike = pd.DataFrame([[1, 2]], columns=[1, "1"])
    assert _reference_bytes([alike]) == b"1,1\n2\n"
    with pytest.raises(ValueError, match="two columns named '1'"):
        write_table_csv(alike, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == before  # refused before the file was replaced


def test_large_blocks_are_formatted_in_slices(tmp_path: Path) -> None:
    # Blocks long enough to be cut between threads, over several blocks written while others are built.
    rng = np.random.default_rng(3)
    n = 60_000
    ids = np.array([f"S{i:04d}@2016-07-15" for i in range(n // 20)])
    frame = pd.DataFrame({
        "event_id": np.repeat(ids, 20), "day": np.tile(np.arange(-10, 10), n // 20),
        "date": np.datetime64("2016-07-15") + np.arange(n) % 400,
        "ar": np.where(rng.random(n) < 0.02, np.nan, rng.normal(0, 0.02, n)),
        "window": "[0,0]", "note": np.where(np.arange(n) % 997 == 0, "=HYPERLINK(x)", ""),
    })
    got = _same_bytes([frame, frame.iloc[:30_000].assign(window="0"), frame], tmp_path / "big.csv")
    assert got.count(b"\n") == 1 + 150_000


def test_helpers_read_null_slots_with_stray_bytes() -> None:
    # A null's slot may cover bytes: they must neither trigger quoting nor be neutralized.
    data = pa.py_buffer(b"ok,=\x00" + b"=a" + b"b")
    offsets = pa.py_buffer(np.array([0, 5, 7, 8], dtype=np.int32).tobytes())
    validity = pa.py_buffer(np.packbits([0, 1, 1], bitorder="little").tobytes())
    arr = pa.StringArray.from_buffers(3, offsets, data, validity)
    assert arr.to_pylist() == [None, "=a", "b"]
    assert _neutral_text(arr).to_pylist() == [None, "'=a", "b"]
    assert _quoting(pa.table({"a": arr})) == "none"
    assert _quoting(pa.table({"a": arr.slice(1)})) == "none"
    chunked = pa.chunked_array([pa.array(["x", "\x00=y"]).slice(1), arr.slice(1)])
    assert _neutral_text(chunked).to_pylist() == ["'=y", "'=a", "b"]
    assert _quoting(pa.table({"a": pa.array(["a", None, "b,c"])})) == "needed"


def test_byte_scan_premise_holds_for_every_character() -> None:
    # _maybe_unsafe skips the careful path for ASCII text without controls: it relies on every
    # character clean() changes being an ASCII control (tab and newline aside) or not ASCII at all.
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    changed = {c for c in everything if clean(c) != c}
    assert "\r" in changed and "\u202e" in changed
    assert all((ord(c) < 0x20 and c not in "\t\n") or ord(c) >= 0x7F for c in changed)
    assert set(re.findall(CONTROL_PATTERN, everything)) == changed  # the pattern RE2 is given
    assert all(len(c.encode()) == 1 and c.isascii() for c in FORMULA_START)


# -- property test ---------------------------------------------------------------------------------

_ALPHABET = "=+-@\t\r\n,\"' a1.\x00\x07\x0b\x1b\x7f\x85\x9f\u202a\u202e\u2066\u2069é中😀"
_text = st.one_of(st.none(), st.just(np.nan), st.text(alphabet=_ALPHABET, max_size=6), st.text(max_size=4))


@st.composite
def _column(draw: st.DrawFn, n: int) -> pd.Series:
    kind = draw(st.sampled_from(["str", "object", "repeats", "values", "float", "int", "bool", "dates", "stamps"]))
    if kind in ("str", "object"):
        return pd.Series(draw(st.lists(_text, min_size=n, max_size=n)), dtype=kind)
    if kind == "values":  # an object column of one kind of non-text value (or, rarely, a mix)
        one = draw(st.sampled_from([st.booleans(), st.integers(-3, 3), st.floats(), _text]))
        cells = st.one_of(st.none(), one) if draw(st.booleans()) else one
        return pd.Series(draw(st.lists(cells, min_size=n, max_size=n)), dtype=object)
    if kind == "repeats":
        pool = draw(st.lists(_text, min_size=1, max_size=3))
        return pd.Series([pool[i] for i in draw(st.lists(st.integers(0, len(pool) - 1), min_size=n, max_size=n))],
                         dtype=object)
    if kind == "float":
        return pd.Series(draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n)),
                         dtype=float)
    if kind == "int":
        return pd.Series(draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)), dtype=np.int64)
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    top, unit = (4_000_000_000, "s") if kind == "stamps" else (40_000, "D")  # 1970 to about 2100
    values = draw(st.lists(st.one_of(st.none(), st.integers(0, top)), min_size=n, max_size=n))
    return pd.Series(pd.to_datetime(values, unit=unit))


@st.composite
def _blocks(draw: st.DrawFn) -> list[pd.DataFrame]:
    n = draw(st.integers(0, 12))
    names = draw(st.lists(st.one_of(st.text(alphabet=_ALPHABET, max_size=3), st.integers(-2, 2)), min_size=1,
                          max_size=5, unique_by=lambda c: str(_neutral(c))))
    frame = pd.DataFrame({name: draw(_column(n)) for name in names})
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=2)))
    edges = [0, *cuts, n]
    return [frame.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(edges)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks=_blocks())
def test_same_bytes_as_the_reference(tmp_path: Path, blocks: list[pd.DataFrame]) -> None:
    _same_bytes(blocks, tmp_path / "p.csv")


def test_a_large_table_goes_to_disk_as_it_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past every FLUSH_BYTES written, the file is flushed to disk and its pages let go, and the
    bytes are the same as written in one go."""
    import os

    from eventstudy import atomic

    synced: list[int] = []
    dropped: list[tuple[int, int, int]] = []
    real_sync = os.fdatasync
    monkeypatch.setattr(os, "fdatasync", lambda fd: (synced.append(os.fstat(fd).st_size), real_sync(fd))[1])
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: dropped.append((offset, length,
                                                                                                 advice)))
    monkeypatch.setattr(atomic, "FLUSH_BYTES", 100_000)
    frame = pd.DataFrame({"id": [f"E{i}" for i in range(2_000)], "x": np.linspace(0, 1, 2_000)})
    got = _same_bytes([frame] * 30, tmp_path / "big.csv")  # blocks of about 50 kB
    assert len(got) > 1_400_000
    # A flush once at least FLUSH_BYTES are unflushed: less than one block later.
    assert len(got) // 150_000 <= len(synced) == len(dropped) <= len(got) // 100_000
    assert synced == sorted(synced) and synced[-1] <= len(got)  # flushed as the file grew
    assert all(d == (0, 0, os.POSIX_FADV_DONTNEED) for d in dropped)


def test_a_failed_flush_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills up while a large table is flushed: the error is the write's, and the file
    that was there is untouched, with no temporary file left beside it."""
    import errno
    import os

    from eventstudy import atomic

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "t.csv"
    write_table_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    monkeypatch.setattr(os, "fdatasync", full)
    monkeypatch.setattr(atomic, "FLUSH_BYTES", 1_000)
    with pytest.raises(OSError, match="No space"):
        write_table_csv_blocks(iter([pd.DataFrame({"a": np.arange(10_000)})]), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_a_file_system_that_cannot_sync_writes_the_table_plainly(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """fdatasync refused as unsupported (EINVAL: some network and FUSE file systems): the table is
    written as a plain file, whole, and no sync is tried again."""
    import errno
    import os

    from eventstudy import atomic

    calls: list[int] = []

    def unsupported(fd: int) -> None:
        calls.append(fd)
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "fdatasync", unsupported)
    monkeypatch.setattr(atomic, "FLUSH_BYTES", 1_000)
    frame = pd.DataFrame({"a": np.arange(2_000)})
    got = _same_bytes([frame] * 5, tmp_path / "t.csv")
    assert got.count(b"\n") == 1 + 10_000
    assert len(calls) == 1
