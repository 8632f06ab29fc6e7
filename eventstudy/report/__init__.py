"""Reports of a news-claims run: CSV tables, a Markdown report, a self-contained HTML report, charts.

>>> paths = write_reports(run, verdicts, Path("out"), title="GLM-Image and Chinese AI stocks")

Rendering only: every number comes from :class:`~eventstudy.news.pipeline.RunResult` and the verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from eventstudy.atomic import write_bytes, write_csv, write_text
from eventstudy.formatting import num, pct, pvalue
from eventstudy.news.pipeline import RunResult
from eventstudy.news.verdicts import Verdict, claims_frame

from . import claims_json, html, markdown
from .charts import Chart, event_charts
from .context import ReportView, build

__all__ = ["ReportView", "build_view", "num", "pct", "pvalue", "render_charts", "write_reports"]

DEFAULT_TITLE = "Event study: news claims against market prices"
# tests.csv keeps a header even when no event has a group sample, so readers can still parse it.
TEST_COLUMNS = ["event_id", "target", "scope", "day", "window", "statistic", "value", "p_value", "n", "mean",
                "assumption", "mean_correlation"]


def render_charts(run: RunResult) -> dict[str, list[Chart]]:
    """Charts of every analysed event, keyed by event id."""
    return {a.event.id: event_charts(a) for a in run.analyses}


def build_view(run: RunResult, verdicts: Sequence[Verdict], charts: dict[str, list[Chart]] | None = None,
               *, title: str = DEFAULT_TITLE) -> ReportView:
    return build(run, verdicts, render_charts(run) if charts is None else charts, title)


def write_reports(run: RunResult, verdicts: list[Verdict], out_dir: Path, *, title: str = DEFAULT_TITLE) -> list[Path]:
    """Write results.csv, claims.csv, claims.json, tests.csv, report.md, report.html and charts/*.png into ``out_dir``.

    Every file is written atomically. Charts a previous run left behind that this run does not
    produce are removed, so the directory never links or holds stale pictures. Returns the paths
    written, in that order.
    """
    out_dir = Path(out_dir)
    charts = render_charts(run)
    chart_dir = out_dir / "charts"
    written: list[Path] = []
    produced: set[str] = set()
    for items in charts.values():
        for ch in items:
            written.append(write_bytes(chart_dir / ch.name, ch.png))
            produced.add(ch.name)
    if chart_dir.is_dir():
        for stale in chart_dir.glob("*.png"):
            if stale.name not in produced:
                stale.unlink(missing_ok=True)

    tests = run.tests_frame()
    if tests.empty:
        tests = pd.DataFrame(columns=TEST_COLUMNS)
    view = build(run, verdicts, charts, title)
    written = [
        write_csv(run.results_frame(), out_dir / "results.csv"),
        write_csv(claims_frame(verdicts), out_dir / "claims.csv"),
        write_text(out_dir / "claims.json", claims_json.dumps(verdicts, run.settings)),
        write_csv(tests, out_dir / "tests.csv"),
        write_text(out_dir / "report.md", markdown.render(view)),
        write_text(out_dir / "report.html", html.render(view)),
        *written,
    ]
    return written
