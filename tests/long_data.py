"""A small study in every layout: the same returns (and prices) as a wide CSV, a long CSV, a long
Parquet file and hive-partitioned Parquet datasets (by security, by year), with events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

N_SERIES, N_DAYS = 12, 600
STUDY = ["--market", "MKT", "--estimation", "-100:-11", "--window", "-5:5", "--bootstrap", "200"]
FILES = ("ar.csv", "car.csv", "estimates.csv", "tests.csv")


def write_layouts(folder: Path, extra_symbols: int = 0, extra_days: int = 0) -> dict[str, Path]:
    """Every layout of one seeded panel (gaps, a security listed late, a date cluster of events).
    ``extra_symbols`` securities no event names and ``extra_days`` days after the last event's reach
    go into the long files only: what a reader pushing filters down never reads."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2018-01-01", periods=N_DAYS + extra_days)
    n = N_SERIES + extra_symbols
    m = rng.normal(0.0004, 0.01, len(dates))
    r = 0.0002 + m[:, None] * rng.uniform(0.5, 1.5, n) + rng.normal(0, 0.02, (len(dates), n))
    r[rng.random(r.shape) < 0.02] = np.nan  # days a security did not trade
    r[:200, 3] = np.nan  # a security listed after the others
    cols = ["MKT", *(f"S{i:02d}" for i in range(n))]
    everything = pd.DataFrame(np.column_stack([m, r]), index=dates.strftime("%Y-%m-%d"), columns=cols).round(6)
    everything.index.name = "date"
    wide = everything.iloc[:N_DAYS, : N_SERIES + 1]
    prices = ((1 + everything.fillna(0)).cumprod() * 50).round(4).where(everything.notna())
    paths = {"wide": folder / "wide.csv", "wide_prices": folder / "wide_prices.csv"}
    wide.to_csv(paths["wide"])
    prices.iloc[:N_DAYS, : N_SERIES + 1].to_csv(paths["wide_prices"])

    def melt(frame: pd.DataFrame, value: str) -> pd.DataFrame:
        long = frame.reset_index().melt(id_vars="date", var_name="symbol", value_name=value).dropna()
        return long[["symbol", "date", value]].reset_index(drop=True)

    long = melt(everything, "return")
    paths["long_csv"] = folder / "long.csv"
    long.to_csv(paths["long_csv"], index=False)
    paths["long_parquet"] = folder / "long.parquet"
    long.assign(date=pd.to_datetime(long["date"])).to_parquet(paths["long_parquet"], index=False)
    table = pa.Table.from_pandas(long.assign(date=pd.to_datetime(long["date"]).dt.date), preserve_index=False)
    paths["by_symbol"] = folder / "by_symbol"
    ds.write_dataset(table, paths["by_symbol"], format="parquet", partitioning=["symbol"],
                     partitioning_flavor="hive")
    years = pa.array(pd.to_datetime(long["date"]).dt.year.to_numpy())
    paths["by_year"] = folder / "by_year"
    ds.write_dataset(table.append_column("year", years), paths["by_year"], format="parquet", partitioning=["year"],
                     partitioning_flavor="hive")
    paths["long_prices"] = folder / "prices.parquet"
    melt(prices, "close").to_parquet(paths["long_prices"], index=False)

    pos = rng.integers(150, N_DAYS - 10, 80)
    sym = rng.integers(0, N_SERIES, 80)
    events = pd.DataFrame({"symbol": [f"S{i:02d}" for i in sym], "date": dates[pos].strftime("%Y-%m-%d")})
    events.loc[10:20, "date"] = events.loc[10, "date"]  # events sharing day 0: a cluster
    paths["events"] = folder / "events.csv"
    events.to_csv(paths["events"], index=False)
    return paths


def same_csvs(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between {a} and {b}"
