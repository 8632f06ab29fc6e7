"""``eventstudy run --figures DIR``: the publication figures of every study of a run (the same data
as results.csv and tests.csv), one folder per event, files named by target and figure, securities
labelled by their registry names. The drawing is :mod:`eventstudy.stats.plots`'s; this module only
decides which studies get figures and where their files go."""

from __future__ import annotations

from pathlib import Path

from eventstudy.formatting import slug
from eventstudy.news.pipeline import RunResult
from eventstudy.stats.plots import write_figures


def write_run_figures(run: RunResult, folder: Path, formats: tuple[str, ...]) -> list[Path]:
    """Figures of each event's studied targets into ``folder``/<event>/<target>-<figure>.<format>.
    A study shared by identical announcements is drawn once, under the first of them."""
    written: list[Path] = []
    done: set[int] = set()
    for analysis in run.analyses:
        for sample in analysis.samples:
            if sample.result is None or id(sample.result) in done:
                continue
            done.add(id(sample.result))
            names = {s.symbol: s.name for s in sample.securities if s.name}
            written += write_figures(sample.result, folder / slug(analysis.event.id), formats, names=names,
                                     prefix=f"{slug(sample.target)}-")
    return written
