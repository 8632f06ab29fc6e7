"""Long-format data (symbol,date,return or close) as CSV, Parquet and hive-partitioned datasets:
the same four CSVs as the wide file, only the needed securities and dates read, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.clirun import run_cli
from tests.long_data import FILES, STUDY, same_csvs, write_layouts


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_layouts(tmp_path_factory.mktemp("layouts"), extra_symbols=5, extra_days=300)


def _study(capsys: pytest.CaptureFixture[str], flag: str, data: Path, events: Path, out: Path,
           *extra: str) -> tuple[int, str, str]:
    return run_cli(["study", flag, str(data), "--events", str(events), "--out", str(out), *STUDY, *extra], capsys)


@pytest.mark.parametrize("chunk", [None, "10"])
def test_every_long_layout_gives_the_wide_files_csvs(layouts: dict[str, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str], chunk: str | None) -> None:
    extra = ["--chunk-size", chunk] if chunk else []
    code, _, err = _study(capsys, "--returns", layouts["wide"], layouts["events"], tmp_path / "wide", *extra)
    assert code == 0, err
    for name in ("long_csv", "long_parquet", "by_symbol", "by_year"):
        code, _, err = _study(capsys, "--returns", layouts[name], layouts["events"], tmp_path / name, *extra)
        assert code == 0, err
        same_csvs(tmp_path / "wide", tmp_path / name)


def test_long_prices_give_the_wide_prices_csvs(layouts: dict[str, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _study(capsys, "--prices", layouts["wide_prices"], layouts["events"], tmp_path / "wide")
    assert code == 0, err
    code, _, err = _study(capsys, "--prices", layouts["long_prices"], layouts["events"], tmp_path / "long")
    assert code == 0, err
    same_csvs(tmp_path / "wide", tmp_path / "long")


@pytest.mark.parametrize("name", ["long_parquet", "by_symbol", "by_year", "long_csv"])
def test_only_the_events_securities_and_dates_are_read(layouts: dict[str, Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str], name: str) -> None:
    """The long files hold 5 securities no event names and 300 days after the last event's reach:
    the reader reports the rows it read, which are exactly those of the needed securities and dates."""
    events = pd.read_csv(layouts["events"])
    code, _, err = _study(capsys, "--returns", layouts[name], layouts["events"], tmp_path / "out")
    assert code == 0, err
    found = re.search(r"read ([\d,]+) rows of (\d+) securities, (\S+) to (\S+)", err)
    assert found, err
    rows, securities, first, last = int(found[1].replace(",", "")), int(found[2]), found[3], found[4]
    needed = sorted({*events["symbol"], "MKT"})
    assert securities == len(needed)
    long = pd.read_csv(layouts["long_csv"])
    total = len(long)
    expect = long[long["symbol"].isin(needed) & (long["date"] >= first) & (long["date"] <= last)]
    assert rows == len(expect) < total
    # The last date read is the fallback's reach after the last event (+5 + 90 + 2 of the security's
    # own trading days, a few more business days where it did not trade), far before the dataset's
    # end: the 300 extra days are never read.
    assert last < long["date"].max()
    assert pd.Timestamp(last) <= pd.Timestamp(events["date"].max()) + pd.offsets.BDay(5 + 90 + 2 + 10)


def test_a_dataset_without_the_needed_columns_is_refused_in_one_line(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"ticker": ["A"], "day": ["2020-01-02"], "volume": [1.0]}).to_parquet(bad)
    events = tmp_path / "events.csv"
    events.write_text("symbol,date\nA,2020-01-02\n")
    code, _, err = _study(capsys, "--returns", bad, events, tmp_path / "out")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(bad) in err and "found ticker, day, volume" in err and "symbol, date and return" in err
    assert not (tmp_path / "out").exists()


def test_a_long_file_of_prices_given_as_returns_says_so(layouts: dict[str, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _study(capsys, "--returns", layouts["long_prices"], layouts["events"], tmp_path / "out")
    assert code == 2 and "pass it with --prices" in err


def test_a_security_missing_from_the_dataset_is_named(layouts: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.csv"
    events.write_text("symbol,date\nS01,2019-03-01\nNOPE,2019-03-01\n")
    code, _, err = _study(capsys, "--returns", layouts["by_symbol"], events, tmp_path / "out")
    assert code == 2 and "'NOPE'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_layout_flag_overrides_detection(layouts: dict[str, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A long CSV read as wide (--layout wide) fails as a wide file would: its first column is no date."""
    code, _, err = _study(capsys, "--returns", layouts["long_csv"], layouts["events"], tmp_path / "out",
                          "--layout", "wide")
    assert code == 2 and "cannot read date" in err


def test_the_api_reads_a_dataset_in_one_process(layouts: dict[str, Path], tmp_path: Path) -> None:
    from eventstudy.data.long_format import open_long
    from eventstudy.stats.dataset import DatasetReturns
    from eventstudy.stats.study import EventStudy
    from eventstudy.stats.windows import Estimation, Window

    events = pd.read_csv(layouts["events"])
    kwargs = dict(market="MKT", estimation=Estimation(Window(-100, -11)), window=Window(-5, 5), bootstrap=200)
    wide = pd.read_csv(layouts["wide"], index_col=0, parse_dates=True)
    one = EventStudy(wide, events, **kwargs).fit()
    two = EventStudy(DatasetReturns(open_long(layouts["by_year"], "returns", "returns")), events, **kwargs).fit()
    for name in ("car", "tests", "estimates"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)
    assert set(FILES) == {"ar.csv", "car.csv", "estimates.csv", "tests.csv"}


def test_a_value_column_of_text_is_refused_before_any_work(layouts: dict[str, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "text.parquet"
    long = pd.read_csv(layouts["long_csv"])
    long.assign(**{"return": long["return"].astype(str)}).to_parquet(bad, index=False)
    code, _, err = _study(capsys, "--returns", bad, layouts["events"], tmp_path / "out")
    assert code == 2 and err.count("\n") == 1
    assert str(bad) in err and "the return column holds" in err and "not numbers" in err
    assert not (tmp_path / "out").exists()


def test_days_read_a_few_securities_at_a_time_change_nothing(layouts: dict[str, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from eventstudy.stats import dataset

    code, _, err = _study(capsys, "--returns", layouts["wide"], layouts["events"], tmp_path / "wide")
    assert code == 0, err
    monkeypatch.setattr(dataset, "LOCAL_GROUP", 3)
    code, _, err = _study(capsys, "--returns", layouts["by_symbol"], layouts["events"], tmp_path / "grouped")
    assert code == 0, err
    same_csvs(tmp_path / "wide", tmp_path / "grouped")
