"""Chen & Siems (2004) through the Python API, as the eventstudies package replicates it (see
tests/test_peers_eventstudies.py): the study the figures, display and regression tests share."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from eventstudy.stats.study import EventStudy, StudyResult
from eventstudy.stats.windows import Estimation, Window

AMERICA = ("S.P500", "Dow", "NYSE", "NASDAQ", "Toronto", "Mexico")
STUDY_ARGS = ["--model", "constant-mean", "--estimation", "-30:-11", "--window", "-10:10", "--car", "0:10",
              "--car", "0:5", "--event-day", "previous", "--min-estimation", "10", "--percent"]


def files(peers: Path) -> tuple[Path, Path]:
    base = peers / "eventstudies"
    return base / "TerrorIndiceReturns.csv", base / "TerrorAttack.csv"


@lru_cache(maxsize=2)
def result(peers: Path) -> StudyResult:
    returns_path, events_path = files(peers)
    returns = pd.read_csv(returns_path, index_col=0, parse_dates=True) / 100
    events = pd.read_csv(events_path)  # name,when: the CLI's column names, read as they are
    return EventStudy(returns, events, model="constant-mean", estimation=Estimation(Window(-30, -11), min_days=10),
                      window=Window(-10, 10), cars=[Window(0, 10), Window(0, 5)]).fit()


def america(peers: Path) -> pd.DataFrame:
    """The region dummy: 1 for the North American indices."""
    symbols = pd.read_csv(files(peers)[0], nrows=0).columns[1:]
    return pd.DataFrame({"symbol": symbols, "america": [int(s in AMERICA) for s in symbols]})
