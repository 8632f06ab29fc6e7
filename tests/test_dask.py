"""`study --scheduler`: a real LocalCluster of two worker processes on loopback gives the
one-process run's four CSVs byte for byte; a missing Dask, an unreachable scheduler and wide data
are refused in one line, with nothing written."""

from __future__ import annotations

import builtins
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_socket

from tests.clirun import run_cli
from tests.long_data import STUDY, same_csvs, write_layouts

# Not imported here: importing distributed sets MALLOC_TRIM_THRESHOLD_, OMP_NUM_THREADS... in this
# process's environment, which later tests' subprocesses would inherit.
pytestmark = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="needs dask[distributed] (in the test extra)")


@pytest.fixture(autouse=True)
def _environment_as_it_was() -> Iterator[None]:
    """The environment as it was before Dask's import changed it (see above)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def loopback() -> Iterator[None]:
    """Sockets to 127.0.0.1 only (the scheduler and its workers, and asyncio's socket pair)."""
    pytest_socket.enable_socket()  # guards stack: drop the suite's before setting this one
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()
    pytest_socket.disable_socket()


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_layouts(tmp_path_factory.mktemp("layouts"))


def _study(capsys: pytest.CaptureFixture[str], data: Path, events: Path, out: Path,
           *extra: str) -> tuple[int, str, str]:
    return run_cli(["study", "--returns", str(data), "--events", str(events), "--out", str(out), *STUDY, *extra],
                   capsys)


def test_local_cluster_gives_the_one_process_csvs(layouts: dict[str, Path], tmp_path: Path, loopback: None,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # Eight chunks of whole date clusters (GRANK's inputs kept on the workers from pass 1 to GRANK's
    # pass), then one chunk (the whole study fitted on a worker): each as one process writes it
    # from the wide file.
    for chunk in ("10", "100000"):
        here, there = tmp_path / f"one-{chunk}", tmp_path / f"cluster-{chunk}"
        code, _, err = _study(capsys, layouts["wide"], layouts["events"], here, "--chunk-size", chunk)
        assert code == 0, err
        code, out, err = _study(capsys, layouts["by_year"], layouts["events"], there, "--chunk-size", chunk,
                                "--scheduler", "local:2")
        assert code == 0, err
        assert "wrote ar.csv" in out
        same_csvs(here, there)


def test_a_cluster_writes_the_tables_asked_for(layouts: dict[str, Path], tmp_path: Path, loopback: None,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # --tables car,estimates: the tasks write no rows of ar.csv, the client joins the others, and
    # the folder holds those two alone, as one process's.
    here, there = tmp_path / "one", tmp_path / "cluster"
    code, _, err = _study(capsys, layouts["wide"], layouts["events"], here, "--chunk-size", "10")
    assert code == 0, err
    code, out, err = _study(capsys, layouts["by_year"], layouts["events"], there, "--chunk-size", "10",
                            "--scheduler", "local:2", "--tables", "car,estimates")
    assert code == 0, err
    assert "wrote car.csv, estimates.csv to" in out
    assert sorted(p.name for p in there.iterdir() if not p.name.startswith(".")) == ["car.csv", "estimates.csv"]
    for name in ("car.csv", "estimates.csv"):
        assert (here / name).read_bytes() == (there / name).read_bytes(), name


def test_rows_written_by_the_tasks_are_quoted_as_one_process_quotes_them(
        layouts: dict[str, Path], tmp_path: Path, loopback: None, capsys: pytest.CaptureFixture[str]) -> None:
    # One event id needs quotes: one process quotes every text cell of ar.csv (one block), the chunk
    # tasks without that event wrote theirs unquoted, and the client quotes them as it joins.
    import pandas as pd

    events = pd.read_csv(layouts["events"])
    events["event_id"] = [f"e{i}" for i in range(len(events))]
    events.loc[33, "event_id"] = 'e33, "the merger"'
    events.to_csv(tmp_path / "events.csv", index=False)
    here, there = tmp_path / "one" / "out", tmp_path / "cluster" / "out"
    code, _, err = _study(capsys, layouts["wide"], tmp_path / "events.csv", here, "--chunk-size", "10")
    assert code == 0, err
    code, _, err = _study(capsys, layouts["by_year"], tmp_path / "events.csv", there, "--chunk-size", "10",
                          "--scheduler", "local:2")
    assert code == 0, err
    same_csvs(here, there)
    assert (there / "ar.csv").read_text().splitlines()[1].startswith('"e')
    assert not [p for p in there.parent.iterdir() if "parts" in p.name]  # the parts' folder is gone


def test_workers_that_cannot_see_the_parts_folder_send_their_rows_back(
        layouts: dict[str, Path], tmp_path: Path, loopback: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers in this process (threads), told the folder is not theirs: as on machines without the
    # client's filesystem, the rows come back with the results and the client writes the parts.
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    from eventstudy.data.long_format import open_long
    from eventstudy.errors import UserError
    from eventstudy.stats import parts
    from eventstudy.stats.dataset import DatasetReturns
    from eventstudy.stats.study import EventStudy
    from eventstudy.stats.windows import Estimation, Window

    events = pd.read_csv(layouts["events"])
    kwargs = dict(market="MKT", estimation=Estimation(Window(-100, -11)), window=Window(-5, 5), bootstrap=200)
    wide = pd.read_csv(layouts["wide"], index_col=0, parse_dates=True)
    EventStudy(wide, events, **kwargs).fit_chunked(10, csv_dir=tmp_path / "one")
    sent: list[bool] = []
    write_tables = parts.write_tables

    def elsewhere(frames: dict, n: int, index: int, place: parts.Place) -> parts.ChunkTables:
        tables = write_tables(frames, n, index, parts.Place(place.folder, "no-such-marker"))
        sent.append(tables.data is not None)
        return tables

    monkeypatch.setattr(parts, "write_tables", elsewhere)
    study = EventStudy(DatasetReturns(open_long(layouts["by_year"], "returns", "returns")), events, **kwargs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        result = study.fit_chunked(10, csv_dir=tmp_path / "cluster", client=client)
    assert len(sent) == 8 and all(sent)
    same_csvs(tmp_path / "one", tmp_path / "cluster")
    with pytest.raises(UserError, match=r"ar\.csv"):
        result.ar  # noqa: B018  # the rows are in the file only
    assert not [p for p in tmp_path.iterdir() if "parts" in p.name]


def test_the_clients_result_has_the_one_process_events_overlaps_and_notes(
        layouts: dict[str, Path], tmp_path: Path, loopback: None) -> None:
    # The client holds its events as arrays (an event's series and notes made when read): what it
    # gives of them is the one-process result's, with the tables written by the tasks or not.
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    from eventstudy.data.long_format import open_long
    from eventstudy.stats.dataset import DatasetReturns
    from eventstudy.stats.study import EventStudy
    from eventstudy.stats.windows import Estimation, Window

    events = pd.read_csv(layouts["events"])
    events = pd.concat([events, events.iloc[[3, 3]]], ignore_index=True)  # a repeated (security, date): #2, #3
    kwargs = dict(market="MKT", estimation=Estimation(Window(-100, -11)), window=Window(-5, 5), bootstrap=200)
    wide = pd.read_csv(layouts["wide"], index_col=0, parse_dates=True)
    one = EventStudy(wide, events, **kwargs).fit_chunked(10)
    assert len(one.overlaps) > 10
    study = EventStudy(DatasetReturns(open_long(layouts["by_year"], "returns", "returns")), events, **kwargs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        for csv_dir in (None, tmp_path / "cluster"):
            there = study.fit_chunked(10, csv_dir=csv_dir, client=client)
            pd.testing.assert_frame_equal(there.overlaps, one.overlaps)
            assert there.summary() == one.summary()
            assert [s.event_id for s in there.output.series] == [s.event_id for s in one.output.series]
            assert list(there.output.notes) == list(one.output.notes)
            pd.testing.assert_frame_equal(there.car, one.car, check_dtype=False)  # day 0 in ns there, as before
            # (the client keeps the day counts in 2 bytes during the battery: given back as the engine's)
            assert there.car["n_days"].dtype == one.car["n_days"].dtype


def test_unreachable_scheduler_exits_1_in_one_line(layouts: dict[str, Path], tmp_path: Path, loopback: None,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from eventstudy.cli import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    code, _, err = _study(capsys, layouts["by_symbol"], layouts["events"], tmp_path / "out",
                          "--scheduler", "tcp://127.0.0.1:9")
    assert code == 1
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not (tmp_path / "out").exists()


def test_missing_dask_says_how_to_install_it(layouts: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_dask)
    code, _, err = _study(capsys, layouts["by_symbol"], layouts["events"], tmp_path / "out", "--scheduler", "local:2")
    assert code == 2
    assert err.count("\n") == 1 and "pip install 'eventstudy-claims[scale]'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", ["local:0", "local:two", ""])
def test_bad_local_worker_counts_are_refused(layouts: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str], bad: str) -> None:
    code, _, err = _study(capsys, layouts["by_symbol"], layouts["events"], tmp_path / "out", "--scheduler", bad)
    assert code == 2 and "--scheduler" in err and "Traceback" not in err


def test_wide_data_on_a_cluster_is_refused(layouts: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _study(capsys, layouts["wide"], layouts["events"], tmp_path / "out", "--scheduler", "local:2")
    assert code == 2 and "long data" in err and str(layouts["wide"]) in err


def test_figures_with_a_scheduler_is_refused_before_any_work(layouts: dict[str, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _study(capsys, layouts["by_year"], layouts["events"], tmp_path / "out", "--scheduler", "local:2",
                          "--figures", str(tmp_path / "figs"))
    assert code == 2 and "--figures" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "figs").exists()
