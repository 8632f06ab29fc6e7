"""Remake README's figure from the Chen & Siems (2004) study (run from the repository root).

    python docs/figures.py   # needs ../shared/data/peers/eventstudies (or EVENTSTUDY_SHARED)

The figure is ``result.plot("car")`` of the README's Python API example, saved small (the PNG is
committed) and without a date inside, so making it again gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

import eventstudy as es

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EVENTSTUDY_SHARED", REPO.parent / "shared"))


def main() -> None:
    data = SHARED / "data" / "peers" / "eventstudies"
    returns = pd.read_csv(data / "TerrorIndiceReturns.csv", index_col=0, parse_dates=True) / 100
    events = pd.read_csv(data / "TerrorAttack.csv")
    result = es.EventStudy(returns, events, model="constant-mean",
                           estimation=es.Estimation(es.Window(-30, -11), min_days=10),
                           window=es.Window(-10, 10), cars=[es.Window(0, 10), es.Window(0, 5)]).fit()
    fig = result.plot("car")
    target = REPO / "docs" / "figure-car.png"
    # 640 x 400 px: README's width; --figures writes 200 dpi for slides, too heavy to commit
    fig.savefig(target, format="png", dpi=100, metadata={"Software": None})
    print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
