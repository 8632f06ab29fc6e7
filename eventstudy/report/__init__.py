"""Reports of a news-claims run: an index page (claims as verdict cards, the events, the provenance),
one page per study under events/, in HTML and Markdown, and the CSV tables.

>>> paths = write_reports(run, verdicts, Path("out"), title="GLM-Image and Chinese AI stocks")

Rendering only: every number comes from :class:`~eventstudy.news.pipeline.RunResult` and the verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from eventstudy.atomic import write_csv, write_text
from eventstudy.formatting import num, pct, pvalue
from eventstudy.news.pipeline import RunResult
from eventstudy.news.verdicts import Verdict, claims_frame

from . import claims_json, html, markdown
from .claims_json import version
from .context import ReportView, build
from .provenance import generated_at

__all__ = ["ReportView", "build_view", "num", "pct", "pvalue", "write_reports"]

DEFAULT_TITLE = "Event study: news claims against market prices"
# tests.csv keeps a header even when no event has a group sample, so readers can still parse it.
TEST_COLUMNS = ["event_id", "target", "scope", "day", "window", "statistic", "value", "p_value", "n", "mean",
                "assumption", "mean_correlation"]
# Files of the earlier one-page layout: removed so the folder never holds a stale report beside the new one.
LEGACY = ("report.md", "report.html")


def build_view(run: RunResult, verdicts: Sequence[Verdict], *, title: str = DEFAULT_TITLE,
               when: str | None = None) -> ReportView:
    return build(run, verdicts, title, when or generated_at(), version())


def _remove_stale(out_dir: Path, pages: set[str]) -> None:
    for name in LEGACY:
        (out_dir / name).unlink(missing_ok=True)
    charts = out_dir / "charts"
    if charts.is_dir():
        for png in charts.glob("*.png"):
            png.unlink()
        if not any(charts.iterdir()):
            charts.rmdir()
    events = out_dir / "events"
    if events.is_dir():
        for f in [*events.glob("*.html"), *events.glob("*.md")]:
            if f.name not in pages:
                f.unlink()


def write_reports(run: RunResult, verdicts: list[Verdict], out_dir: Path, *, title: str = DEFAULT_TITLE) -> list[Path]:
    """Write results.csv, claims.csv, claims.json, tests.csv, volume.csv, index.html, index.md and
    events/<page>.html + .md into ``out_dir`` and nothing elsewhere.

    Every file is written atomically (into a folder being staged whole, directly). Event pages and
    files of the earlier layout (report.md, report.html, charts/*.png) that this run does not produce
    are removed, so the folder never links or holds a stale page. Returns the paths written: the
    CSVs, the index, then the event pages.
    """
    out_dir = Path(out_dir)
    view = build_view(run, verdicts, title=title)
    tests = run.tests_frame()
    if tests.empty:
        tests = pd.DataFrame(columns=TEST_COLUMNS)
    written = [
        write_csv(run.results_frame(), out_dir / "results.csv"),
        write_csv(claims_frame(verdicts), out_dir / "claims.csv"),
        write_text(out_dir / "claims.json", claims_json.dumps(verdicts, run.settings)),
        write_csv(tests, out_dir / "tests.csv"),
        write_csv(run.volume_frame(), out_dir / "volume.csv"),
        write_text(out_dir / "index.html", html.index(view.index)),
        write_text(out_dir / "index.md", markdown.index(view.index)),
    ]
    for page in view.pages:
        written.append(write_text(out_dir / "events" / page.html_name, html.event(page, title)))
        written.append(write_text(out_dir / "events" / f"{page.stem}.md", markdown.event(page)))
    _remove_stale(out_dir, {p.name for p in written if p.parent.name == "events"})
    return written
