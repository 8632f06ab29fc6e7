"""The chunked engine gives the tables of the one-pass engine: every statistic of tests.csv and
every row of ar, car and estimates, to floating-point summation order, on problems with several
date clusters, short histories (the fallback's wider panels), both conventions and GRANK's slow
path; the CSVs written in blocks hold the whole tables' cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.stats import chunked
from eventstudy.stats.study import ChunkWork, EventStudy
from eventstudy.stats.windows import Estimation, Window


def problem(seed: int, n_series: int = 30, days: int = 500, n_events: int = 120) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2018-01-01", periods=days)
    m = rng.normal(0.0003, 0.01, days)
    common = rng.normal(0, 0.01, days)  # a shared shock: events on one date are correlated
    r = m[:, None] * rng.uniform(0.5, 1.5, n_series) + common[:, None] + rng.normal(0, 0.02, (days, n_series))
    r[rng.random(r.shape) < 0.04] = np.nan
    frame = pd.DataFrame(r, index=dates, columns=[f"S{i}" for i in range(n_series)])
    frame["MKT"] = m
    # Clusters: a few dates carry many events; some events fall early (short history: fallback).
    cluster_days = rng.choice(np.arange(300, days - 20), size=8, replace=False)
    anywhere = rng.integers(20, days - 10, n_events)
    pos = np.where(rng.random(n_events) < 0.7, rng.choice(cluster_days, n_events), anywhere)
    symbols = rng.choice(frame.columns[:-1], n_events)
    return frame, pd.DataFrame({"symbol": symbols, "date": dates[pos]})


def compare(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), name
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x):
            np.testing.assert_allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-12, atol=1e-15,
                                       equal_nan=True, err_msg=f"{name}.{col}")
        else:
            assert x.tolist() == y.tolist(), f"{name}.{col}"


@pytest.mark.parametrize(("seed", "convention", "model"), [(1, "textbook", "market"), (2, "estudy2", "market"),
                                                           (3, "textbook", "constant-mean")])
def test_chunked_equals_one_pass(seed: int, convention: str, model: str) -> None:
    frame, ev = problem(seed)
    st = EventStudy(frame, ev, market="MKT", model=model, estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), convention=convention, bootstrap=199)
    one = st.fit()
    many = st.fit_chunked(chunk_size=15)
    assert many.output.compact and not one.output.compact
    assert one.clustered and many.clustered
    assert any("fallback" in m for m in one.output.model_used)  # the panels' widths differ by chunk
    for name in ("ar", "car", "tests", "estimates"):
        compare(getattr(one, name), getattr(many, name), name)
    assert many.mean_correlation == pytest.approx(one.mean_correlation, rel=1e-12)
    assert many.summary() == one.summary()


@pytest.mark.parametrize("grank", ["keep", "spill", "spill-late", "spill-fails", "lost-write", "recompute"])
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_threads_and_grank_inputs_change_no_bit(monkeypatch: pytest.MonkeyPatch, grank: str, workers: int) -> None:
    """Chunks worked on in threads, and GRANK's inputs kept from pass 1 (in memory; in a spill file,
    from the start or once those kept outgrow the budget; or neither, when the disk fills up half
    way or a write is lost) instead of a second engine pass, give exactly the tables of one thread
    and two passes: sums are added in chunk order."""
    frame, ev = problem(4)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=199)
    monkeypatch.setattr(chunked, "WORKERS", 0)
    monkeypatch.setattr(chunked, "GRANK_MEMORY", 0)
    monkeypatch.setattr(chunked.GrankSpill, "open", classmethod(lambda cls: None))
    reference = st.fit_chunked(chunk_size=15)
    monkeypatch.undo()
    monkeypatch.setattr(chunked, "WORKERS", workers)
    # spill-late: the estimate before pass 1 says they fit (it cannot see the fallback's wider panels),
    # so the first chunks' inputs are kept, then written out with the rest once they outgrow it
    monkeypatch.setattr(chunked, "GRANK_MEMORY", {"keep": 2**40, "spill-late": 120 * 156 * 17}.get(grank, 0))
    estimate = chunked.keep_grank_panels(len(ev), st.estimation, st.window)  # type: ignore[arg-type]
    assert estimate == (grank in ("keep", "spill-late"))
    runs = {"second": 0, "put": 0}
    second, put = ChunkWork.second, chunked.GrankSpill.put

    def counted_second(self, rows):
        runs["second"] += 1
        return second(self, rows)

    def counted_put(self, panel):
        runs["put"] += 1
        if grank == "spill-fails" and runs["put"] == 3:
            raise OSError(28, "No space left on device")
        put(self, panel)
        if grank == "lost-write" and runs["put"] == 2:  # bytes the file never got, and no error said so
            self.fh.flush()
            self.fh.truncate(self.size - 100)
            self.fh.seek(0, 2)

    monkeypatch.setattr(ChunkWork, "second", counted_second)
    monkeypatch.setattr(chunked.GrankSpill, "put", counted_put)
    if grank == "recompute":
        monkeypatch.setattr(chunked.GrankSpill, "open", classmethod(lambda cls: None))
    got = st.fit_chunked(chunk_size=15)
    for name in ("ar", "car", "tests", "estimates"):
        pd.testing.assert_frame_equal(getattr(reference, name), getattr(got, name), check_exact=True, obj=name)
    assert got.mean_correlation == reference.mean_correlation
    # Which way GRANK's inputs came: no second engine pass unless there was no file to keep them in.
    assert (runs["second"] > 0) == (grank in ("spill-fails", "lost-write", "recompute"))
    assert (runs["put"] > 0) == (grank in ("spill", "spill-late", "spill-fails", "lost-write"))


@pytest.mark.parametrize("keep", [True, False])
def test_a_distributed_map_gives_the_same_tables(monkeypatch: pytest.MonkeyPatch, keep: bool) -> None:
    """fit_chunked's map_chunks as a distributed engine uses it: the chunk work pickled once, each
    chunk's result pickled back (no event's price arrays in it), in any completion order."""
    import pickle

    monkeypatch.setattr(chunked, "GRANK_MEMORY", 2**40 if keep else 0)
    frame, ev = problem(5)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=199)
    firsts: list[object] = []

    def shipped(work, method, chunks):
        remote = pickle.loads(pickle.dumps(work))  # once per pass, like a scatter
        blobs = {j: pickle.dumps(getattr(remote, method)(rows)) for j, rows in reversed(list(enumerate(chunks)))}
        results = [pickle.loads(blobs[j]) for j in range(len(chunks))]
        if method == "first":
            firsts.extend(results)
        return iter(results)

    here = st.fit_chunked(chunk_size=15)
    there = st.fit_chunked(chunk_size=15, map_chunks=shipped)
    for name in ("ar", "car", "tests", "estimates"):
        pd.testing.assert_frame_equal(getattr(here, name), getattr(there, name), check_exact=True, obj=name)
    # Pass 1's results are per event: no event series, whose price histories a worker would send back.
    assert firsts and all(not f.output.series for f in firsts)  # type: ignore[attr-defined]


def test_csvs_written_during_the_battery_are_to_csvs(tmp_path) -> None:
    """fit_chunked(csv_dir=...) writes the per-event tables while the battery runs: the same four
    files, byte for byte, as to_csv of the result."""
    frame, ev = problem(6)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=199)
    result = st.fit_chunked(chunk_size=15, csv_dir=tmp_path / "during")
    result.to_csv(tmp_path / "after")
    for name in ("ar.csv", "car.csv", "tests.csv", "estimates.csv"):
        assert (tmp_path / "during" / name).read_bytes() == (tmp_path / "after" / name).read_bytes(), name
    one_chunk = st.fit_chunked(chunk_size=10_000, csv_dir=tmp_path / "one")  # one chunk: fit()
    assert not one_chunk.output.compact
    one_chunk.to_csv(tmp_path / "one-after")
    for name in ("ar.csv", "car.csv", "tests.csv", "estimates.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "one-after" / name).read_bytes(), name


@pytest.mark.parametrize("tables", [["car", "tests"], ["tests"], ["estimates", "ar"], ["car"]])
@pytest.mark.parametrize("chunk_size", [15, 10_000])
def test_a_study_writes_the_tables_asked_for_and_only_those(tmp_path, tables: list[str], chunk_size: int) -> None:
    """``tables`` leaves the other CSVs out: those written are the four-table run's, byte for byte,
    in several chunks and in one (fit()), and through to_csv."""
    from eventstudy.errors import UserError

    frame, ev = problem(6)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=199)
    full = st.fit_chunked(chunk_size=chunk_size, csv_dir=tmp_path / "all")
    st.fit_chunked(chunk_size=chunk_size, csv_dir=tmp_path / "some", tables=tables)
    full.to_csv(tmp_path / "to_csv", tables=tables)
    wanted = sorted(f"{t}.csv" for t in tables)
    for folder in ("some", "to_csv"):
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == wanted, folder
        for name in wanted:
            assert (tmp_path / folder / name).read_bytes() == (tmp_path / "all" / name).read_bytes(), name
    for bad in (["ar", "cars"], []):
        with pytest.raises(UserError, match="unknown table 'cars'" if bad else "no table to write"):
            st.fit_chunked(chunk_size=chunk_size, csv_dir=tmp_path / "bad", tables=bad)
    assert not (tmp_path / "bad").exists()
    with pytest.raises(UserError, match="tables= names the CSVs that csv_dir= writes"):
        st.fit_chunked(chunk_size=chunk_size, tables=tables)


@pytest.mark.parametrize("slow", ["battery", "ar.csv"])
def test_car_and_estimates_go_to_whichever_thread_is_free(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                                          slow: str) -> None:
    """car.csv and estimates.csv wait on the writer thread behind ar.csv; when the battery ends
    first, the main thread takes them back. Either way the same files as to_csv's."""
    import threading
    import time

    from eventstudy.stats import significance
    from eventstudy.stats.study import StudyResult

    frame, ev = problem(6)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=199)
    writers: list[str] = []

    def delayed(f):
        def call(*args, **kwargs):
            time.sleep(0.5)
            return f(*args, **kwargs)
        return call

    if slow == "battery":
        monkeypatch.setattr(significance, "test_table", delayed(significance.test_table))
    else:
        monkeypatch.setattr(StudyResult, "write_ar", delayed(StudyResult.write_ar))
    real = StudyResult.write_car_and_estimates

    def noted(self, files, *args):
        writers.append(threading.current_thread().name)
        return real(self, files, *args)

    monkeypatch.setattr(StudyResult, "write_car_and_estimates", noted)
    result = st.fit_chunked(chunk_size=15, csv_dir=tmp_path / "during")
    free = "MainThread" if slow == "ar.csv" else "eventstudy-csv"
    assert len(writers) == 1 and writers[0].startswith(free)
    result.to_csv(tmp_path / "after")
    for name in ("ar.csv", "car.csv", "tests.csv", "estimates.csv"):
        assert (tmp_path / "during" / name).read_bytes() == (tmp_path / "after" / name).read_bytes(), name


@pytest.mark.parametrize("fails", ["battery", "writer", "writer thread"])
def test_a_failing_study_leaves_the_old_csvs(tmp_path, monkeypatch: pytest.MonkeyPatch, fails: str) -> None:
    """The four CSVs change together: a study that fails in its battery, or while writing a table
    (car.csv on either thread, ar.csv in the writer thread beside the battery), leaves the
    folder's old files as they were and no temporary file."""
    from eventstudy import atomic
    from eventstudy.stats import significance

    frame, ev = problem(7)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=199)
    for name in ("ar.csv", "car.csv", "tests.csv", "estimates.csv"):
        (tmp_path / name).write_text("old " + name)

    def broken(*args, **kwargs):
        raise RuntimeError(f"the {fails} broke")

    broken_table = ".ar.csv" if fails == "writer thread" else ".car.csv"

    if fails == "battery":
        monkeypatch.setattr(significance, "test_table", broken)
    else:
        real = atomic.table_csv_writer

        def writer(blocks):
            inner = real(blocks)

            def write(p):
                inner(p)
                if p.name.startswith(broken_table):
                    broken()
            return write

        monkeypatch.setattr(atomic, "table_csv_writer", writer)
    with pytest.raises(RuntimeError, match=f"the {fails} broke"):
        st.fit_chunked(chunk_size=15, csv_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ar.csv", "car.csv", "estimates.csv", "tests.csv"]
    for name in ("ar.csv", "car.csv", "tests.csv", "estimates.csv"):
        assert (tmp_path / name).read_text() == "old " + name


def test_chunks_keep_date_clusters_whole() -> None:
    day0 = np.array(["2020-01-02", "2020-01-01", "2020-01-02", "2020-01-03", "2020-01-01"], dtype="datetime64[D]")
    parts = chunked.plan(day0, 2)
    assert sorted(np.concatenate(parts).tolist()) == list(range(5))
    for p in parts:
        for d in np.unique(day0[p]):
            assert set(np.flatnonzero(day0 == d)) <= set(p.tolist())
    assert len(chunked.plan(day0, 100)) == 1


def test_blocks_write_the_whole_tables(tmp_path) -> None:
    frame, ev = problem(4, n_events=40)
    result = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                        window=Window(-3, 3), bootstrap=99).fit_chunked(chunk_size=10)
    result.to_csv(tmp_path / "small", block=7)
    result.to_csv(tmp_path / "whole", block=10**6)
    for name in ("ar", "car", "tests", "estimates"):
        # A block whose text needs quotes has all its strings quoted: compare the cells, as text.
        small = pd.read_csv(tmp_path / "small" / f"{name}.csv", dtype=str, keep_default_na=False)
        whole = pd.read_csv(tmp_path / "whole" / f"{name}.csv", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(small, whole, check_exact=True, obj=name)
    back = pd.read_csv(tmp_path / "small" / "car.csv")
    assert len(back) == len(result.car)


def test_the_chunk_size_follows_the_panel_width() -> None:
    short = chunked.auto_chunk_size(Estimation(Window(-60, -11)), Window(-5, 5))
    long = chunked.auto_chunk_size(Estimation(Window(-500, -11)), Window(-10, 10))
    assert chunked.MIN_CHUNK <= long < short <= chunked.MAX_CHUNK


def test_the_summary_prints_fifty_notes_and_counts_the_rest() -> None:
    frame, _ = problem(5)
    ev = pd.DataFrame({"symbol": "S1", "date": frame.index[300:340]})  # 40 overlapping windows: 78 notes
    result = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                        window=Window(-3, 3), bootstrap=99).fit()
    text = result.summary()
    total = sum(len(n) for n in result.output.notes)
    assert total > 50
    assert text.count("  note S1: ") == 50
    assert f"and {total - 50} more note(s)" in text


@pytest.mark.parametrize("failing", ["grank", "day", "both"])
def test_the_battery_raises_the_error_of_its_failing_part(monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    """GRANK's pass runs beside the other tests of each day and window (a thread): an error in
    either is the study's, GRANK's first when both fail, and no thread is left running."""
    import threading

    from eventstudy.stats import significance

    frame, ev = problem(5)
    st = EventStudy(frame, ev, market="MKT", estimation=Estimation(Window(-150, -11), min_days=60),
                    window=Window(-5, 5), bootstrap=99)

    def boom(what: str):  # type: ignore[no-untyped-def]
        def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError(f"{what} failed")
        return fail

    if failing in ("grank", "both"):
        monkeypatch.setattr(significance, "grank_add", boom("grank"))
    if failing in ("day", "both"):
        monkeypatch.setattr(significance.Battery, "day", boom("day"))
    with pytest.raises(RuntimeError, match="day" if failing == "day" else "grank"):
        st.fit_chunked(chunk_size=15)
    assert not [t for t in threading.enumerate() if t.name.startswith("eventstudy-battery")]
