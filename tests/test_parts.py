"""The per-event tables of a cluster study, joined from chunk parts (eventstudy.stats.parts): the
same bytes as one process writing the whole table in blocks, whichever quoting each chunk and each
block needed, from parts written to the folder or sent back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy.atomic import table_csv_writer
from eventstudy.stats import parts

PER = 3  # rows per event, as ar.csv has one per event-window day


def _events_table(ids: list[str]) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({
        "event_id": np.repeat(ids, PER),
        "day": np.tile(np.arange(PER), n),
        "value": np.arange(n * PER) / 7.0,
        "note": np.repeat(["" if i % 4 else "a note" for i in range(n)], PER),
    })


@pytest.mark.parametrize("visible", [True, False])
def test_joined_parts_are_the_blocks_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        visible: bool) -> None:
    monkeypatch.setattr(parts, "BLOCK", 4)
    ids = [f"e{i}" for i in range(14)]
    ids[5] = 'e5, "quoted"'  # block 1 (events 4-7) needs quotes; its chunks' other events do not
    table = _events_table(ids)
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "marker").touch()
    place = parts.Place(str(folder), "marker" if visible else "not-here")
    # Chunks cut across blocks and out of the events' order, as chunks by day 0 are.
    chunks = [np.array([9, 0, 5, 13]), np.array([1, 2, 3, 4, 6]), np.array([12, 7, 8, 10, 11])]
    joiner = parts.Joiner(len(ids), ["ar"], folder)
    for k, rows in enumerate(chunks):
        order = np.sort(rows)
        frame = pd.concat([table.iloc[i * PER : (i + 1) * PER] for i in order], ignore_index=True)
        tables = parts.write_tables({"ar": frame}, len(rows), k, place)
        assert (tables.data is None) == visible
        joiner.put(rows, tables)
    assert set(joiner.quoting["ar"]) == {"none", "needed"}
    joiner.writer(["ar"])(tmp_path / "joined.csv")
    table_csv_writer(table.iloc[i : i + 4 * PER] for i in range(0, len(table), 4 * PER))(tmp_path / "one.csv")
    assert (tmp_path / "joined.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert b'"e0"' not in (tmp_path / "one.csv").read_bytes() and b'"e4"' in (tmp_path / "one.csv").read_bytes()


def test_a_part_with_unclaimed_rows_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m").touch()
    place = parts.Place(str(tmp_path), "m")
    joiner = parts.Joiner(2, ["ar"], tmp_path)
    frame = _events_table(["a", "b"])
    joiner.put(np.array([0, 1]), parts.write_tables({"ar": frame}, 2, 0, place))
    with open(tmp_path / parts.part_name("ar", 0), "ab") as fh:
        fh.write(b"stray,row\n")
    with pytest.raises(RuntimeError, match="rows no event claims"):
        joiner.writer(["ar"])(tmp_path / "out.csv")


def test_column_spill_gives_the_columns_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ar, var = rng.normal(size=(9, 4)), rng.uniform(size=(9, 4))
    ar[2, 1] = np.nan
    chunks = [np.array([4, 0, 7]), np.array([1, 2, 3, 5, 6, 8])]
    spill = parts.ColumnSpill(9, tmp_path)
    try:
        for rows in chunks:
            spill.put(rows, ar[rows], var[rows])
        for col in range(4):
            got = spill.column(col)
            np.testing.assert_array_equal(got[0], ar[:, col])
            np.testing.assert_array_equal(got[1], var[:, col])
            for rows in [*chunks, np.array([8, 1])]:  # a chunk's rows, and others
                a, v = spill.rows(col, rows)
                np.testing.assert_array_equal(a, ar[rows, col])
                np.testing.assert_array_equal(v, var[rows, col])
    finally:
        spill.close()


def test_a_killed_clients_parts_folder_is_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    import os
    import socket
    import subprocess
    import sys

    from eventstudy.stats.dataset import PARTS_PREFIX, _sweep_parts

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead_pid = int(gone.stdout)
    host = socket.gethostname()
    dead = tmp_path / f"{PARTS_PREFIX}dead"
    live = tmp_path / f"{PARTS_PREFIX}live"
    other = tmp_path / f"{PARTS_PREFIX}other-host"
    for folder, maker in ((dead, f"{host}-{dead_pid}"), (live, f"{host}-{os.getpid()}"),
                          (other, f"elsewhere-{dead_pid}")):
        folder.mkdir()
        (folder / f"client-{maker}-{'0' * 16}").touch()
        (folder / "part-0.csv").write_text("x\n")
    assert _sweep_parts(tmp_path) == [dead]
    assert not dead.exists() and live.exists() and other.exists()
