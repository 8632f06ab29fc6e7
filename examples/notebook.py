# %% [markdown]
# # Chen & Siems (2004): the markets after 11 September 2001
#
# A notebook in percent format (open it in Jupyter with jupytext, or run it as a script; the test suite
# runs it, so it cannot rot). It uses the eventstudies package's bundled data in `../shared` (daily
# returns of 33 stock indices in percent; the first trading day after the attack per index), offline.
#
# `EVENTSTUDY_SHARED` points to the shared folder (default `../shared`), `EVENTSTUDY_NOTEBOOK_OUT` to
# where the figures go (default `notebook-output`).

# %%
import os
from pathlib import Path

import pandas as pd

import eventstudy as es

shared = Path(os.environ.get("EVENTSTUDY_SHARED", "../shared"))
out = Path(os.environ.get("EVENTSTUDY_NOTEBOOK_OUT", "notebook-output"))
out.mkdir(parents=True, exist_ok=True)
data = shared / "data" / "peers" / "eventstudies"

returns = pd.read_csv(data / "TerrorIndiceReturns.csv", index_col=0, parse_dates=True) / 100  # percent -> fraction
events = pd.read_csv(data / "TerrorAttack.csv")  # columns name,when: read as the command line reads them

# %% [markdown]
# The replication's settings: a constant-mean model over event days -30..-11, day 0 the last trading
# day on or before the date, CARs over [0,+10] and [0,+5].

# %%
study = es.EventStudy(returns, events, model="constant-mean",
                      estimation=es.Estimation(es.Window(-30, -11), min_days=10),
                      window=es.Window(-10, 10), cars=[es.Window(0, 10), es.Window(0, 5)])
result = study.fit()
# A cell shows its last value: here a short summary (a small table in a notebook); the full tables
# are result.car, .ar, .tests, .estimates.
result  # noqa: B018

# %% [markdown]
# The cumulative average abnormal return with the band of the deciding test (the indices share the
# week, so the cross-correlation-robust KP-adjusted BMP decides), and the cross-section of CAR[0,+10].

# %%
fig = result.plot("car")
fig.savefig(out / "car.png", dpi=150)
fig = result.plot("distribution", window=es.Window(0, 10))
fig.savefig(out / "distribution.png", dpi=150)
fig  # noqa: B018

# %% [markdown]
# The bootstrap has no p-value for these windows: the tests table's note says why.

# %%
boot = result.tests[(result.tests["statistic"] == "bootstrap") & (result.tests["scope"] == "window")]
print(boot[["window", "p_value", "note"]].to_string(index=False))

# %% [markdown]
# The second stage: CAR[0,+10] regressed on a region dummy (the North American indices), with
# heteroskedasticity-robust (HC3) standard errors. The result is statsmodels' own results object.

# %%
america = {"S.P500", "Dow", "NYSE", "NASDAQ", "Toronto", "Mexico"}
regions = pd.DataFrame({"symbol": returns.columns, "america": [int(s in america) for s in returns.columns]})
fit = result.regress("car ~ america", data=regions, window=es.Window(0, 10), cov_type="HC3")
print(fit.summary())
print(f"North America's CAR[0,+10] differs by {fit.params['america']:+.2%} (HC3 p = {fit.pvalues['america']:.3f})")
