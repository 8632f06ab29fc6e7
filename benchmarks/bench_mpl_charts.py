"""Prototype measurement (issue 24): would the report's charts cost more from matplotlib's SVG backend
than from the hand-written plotter (eventstudy/report/svg.py)?

Usage (from the repository root, with the package installed)::

    python benchmarks/bench_mpl_charts.py [--shared ../shared/data/real] [--repeat 3]

It imports the real price files into a temporary data directory and runs the news-claims pipeline once
in-process (as `eventstudy run --offline` does), then for every study of the run draws the report's
charts twice: with :func:`eventstudy.report.charts.event_charts` (what the pages inline today) and with
a matplotlib prototype of the same charts (each security's price, AR with whiskers and CAR path with
band; each group's members beside their mean), saved as SVG with a fixed hash salt and no date. It
prints the charts' count, the time of each renderer (best of --repeat, warm), the SVG bytes of each,
and matplotlib's import time in a fresh interpreter (which a warm `run` would pay once per process).
The report package is not changed: this is the measurement behind the decision in docs/performance.md.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _mpl_svg(fig) -> bytes:  # type: ignore[no-untyped-def]
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "eventstudy", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def _mpl_charts(run) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The prototype: the report's chart set drawn with matplotlib (object API, SVG backend)."""
    from matplotlib.figure import Figure

    from eventstudy.report.charts import _tcrit, car_path
    from eventstudy.stats.engine import degrees_of_freedom

    svgs = []
    for analysis in run.analyses:
        for sample in analysis.samples:
            res = sample.result
            if res is None:
                continue
            out = res.output
            cols = out.win_cols
            days = out.rel[cols].astype(float)
            path = car_path(res)
            dfs = degrees_of_freedom(out)
            for i in range(out.n):
                sym = out.series[i].symbol
                prices = analysis.prices.get(sym)
                if prices is not None:
                    fig = Figure(figsize=(6.4, 3.2))
                    ax = fig.add_subplot()
                    ax.plot(np.arange(len(prices)), prices["adj_close"].to_numpy(float), label=sym)
                    ax.plot(np.arange(len(prices)), prices["benchmark"].to_numpy(float), label="benchmark")
                    ax.legend(frameon=False)
                    svgs.append(_mpl_svg(fig))
                half = _tcrit(float(dfs[i])) * np.sqrt(out.var_ar[i, cols])
                fig = Figure(figsize=(6.4, 3.2))
                ax = fig.add_subplot()
                ax.bar(days, out.ar[i, cols])
                ax.errorbar(days, out.ar[i, cols], yerr=half, fmt="none", ecolor="k")
                ax.axhline(0, color="k")
                svgs.append(_mpl_svg(fig))
                fig = Figure(figsize=(6.4, 3.2))
                ax = fig.add_subplot()
                x = path.days.astype(float)
                band = _tcrit(float(dfs[i])) * np.sqrt(path.var[:, i])
                ax.fill_between(x, path.car[:, i] - band, path.car[:, i] + band, alpha=0.3)
                ax.plot(x, path.car[:, i])
                svgs.append(_mpl_svg(fig))
            if sample.is_group:
                fig = Figure(figsize=(6.4, 3.2))
                ax = fig.add_subplot()
                ax.bar(days, np.nanmean(out.ar[:, cols], axis=0))
                for k in range(out.n):
                    ax.scatter(days, out.ar[k, cols], s=6, color="grey")
                svgs.append(_mpl_svg(fig))
    return svgs


def _svg_charts(run) -> list[bytes]:  # type: ignore[no-untyped-def]
    from eventstudy.report.charts import event_charts

    return [c.svg.encode() for a in run.analyses for c in event_charts(a, run.settings.window)]


def _best(f, repeat: int) -> tuple[float, list[bytes]]:  # type: ignore[no-untyped-def]
    times, got = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        got = f()
        times.append(time.perf_counter() - t0)
    return min(times), got


def main() -> int:
    from bench_report import arguments, price_files  # beside this script

    args = arguments(__doc__.splitlines()[0])
    files = price_files(args.shared, more=True)
    if not files:
        return 2
    imp = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); "
                          "import matplotlib.figure, matplotlib.backends.backend_svg; "
                          "print(time.perf_counter() - t)"], capture_output=True, text=True, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EVENTSTUDY_HOME"] = str(Path(tmp) / "home")
        subprocess.run([sys.executable, "-m", "eventstudy.cli", "prices", "import", *files], check=True,
                       stdout=subprocess.DEVNULL)
        from eventstudy.data.securities import load_registry
        from eventstudy.data.store import PriceStore
        from eventstudy.news import pipeline
        from eventstudy.news.events import load_events

        registry = load_registry(None)
        events = load_events(REPO / "events.csv", registry)
        with PriceStore(Path(tmp) / "home").pinned() as store:
            run = pipeline.run(events, store, registry, pipeline.Settings())
        svg_t, svg = _best(lambda: _svg_charts(run), args.repeat)
        _mpl_charts(run)  # the first figure pays for fonts and the backend, as a run's process would once
        mpl_t, mpl = _best(lambda: _mpl_charts(run), args.repeat)
    print(f"matplotlib import (fresh interpreter): {float(imp.stdout):.3f} s")
    print(f"hand-written SVG: {len(svg)} charts in {svg_t:.3f} s, {sum(map(len, svg)):,} bytes "
          f"({sum(map(len, svg)) // max(len(svg), 1):,} per chart)")
    print(f"matplotlib SVG:   {len(mpl)} charts in {mpl_t:.3f} s, {sum(map(len, mpl)):,} bytes "
          f"({sum(map(len, mpl)) // max(len(mpl), 1):,} per chart)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
