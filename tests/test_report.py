"""Reports: files written atomically, numbers consistent across CSV/Markdown/HTML, self-contained HTML,
valid PNG charts, stale charts removed; and the real GLM-Image run when ../shared is present."""

from __future__ import annotations

import glob
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from synthetic import EVENTS_HEADER, make_store
from synthetic import registry as synthetic_registry

from eventstudy.data.store import PriceStore
from eventstudy.formatting import md_cell, num, pct, pvalue, slug
from eventstudy.news import pipeline
from eventstudy.news import verdicts as claims
from eventstudy.news.events import load_events
from eventstudy.report import write_reports

REPO = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

EV1 = ('ev1,2024-06-03,10:00,America/New_York,Alpha launches <script>x</script>,https://example.com/news/1,'
       'AAA;tech,,"session_return(AAA) > 5% ""Alpha jumped more than 5%""; '
       'group_rally(tech) > 0% ""Tech stocks rallied""",confirmed,\n')
EV2 = "ev2,2024-05-01,,America/New_York,Beta update,https://example.org/beta,BBB,,,uncertain,time of day unknown\n"
EV3 = "ev3,2024-06-04,,America/New_York,Delta news,https://example.net/delta,DDD,,,confirmed,\n"
DAY0_JUMP = 0.10


def _synthetic_store(home: Path) -> PriceStore:
    others = {"BBB": {"2024-06-03": 0.03}, "CCC": {"2024-06-03": 0.03}}
    return make_store(home, {"AAA": {"2024-06-03": DAY0_JUMP}, **others})


@pytest.fixture
def setup(tmp_path: Path) -> tuple[PriceStore, object, Path]:
    store = _synthetic_store(tmp_path / "store")
    registry = synthetic_registry(tmp_path)
    events_csv = tmp_path / "events.csv"
    events_csv.write_text(EVENTS_HEADER + EV1 + EV2 + EV3, encoding="utf-8")
    return store, registry, events_csv


def _run(store: PriceStore, registry, events_csv: Path, only: list[str] | None = None):  # type: ignore[no-untyped-def]
    events = load_events(events_csv, registry)
    settings = pipeline.Settings(bootstrap=200)  # fewer resamples: the test checks rendering, not p-values
    run = pipeline.run(events, store, registry, settings, only=only)
    return run, claims.evaluate(run, store)


def _check_html(html: str, sources: set[str]) -> None:
    assert "<script" not in html.lower()  # a title holding markup is escaped, never run
    assert "<link" not in html and "@import" not in html and "url(" not in html
    for src in re.findall(r'\bsrc="([^"]*)"', html):
        assert src.startswith("data:image/png;base64,"), src[:40]
    for href in re.findall(r'\bhref="([^"]*)"', html):
        assert href.startswith("#") or href in sources, href


def test_formatting_helpers() -> None:
    assert pct(0.1881187919370142) == "+18.81%"
    assert pct(-0.05) == "-5.00%"
    assert pct(float("nan")) == "n/a" and pct(None) == "n/a"
    assert num(1.08821) == "1.09"
    assert pvalue(0.00001) == "<0.0001" and pvalue(0.39016) == "0.3902" and pvalue(np.nan) == "n/a"
    assert slug("^HSI") == "HSI" and slug("2513.HK") == "2513.HK"
    assert md_cell("a|b\nc") == "a\\|b c"


def test_write_reports_synthetic(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, registry, events_csv = setup
    run, verdicts = _run(store, registry, events_csv)
    out = tmp_path / "out"
    paths = write_reports(run, verdicts, out, title="Synthetic")
    for name in ("results.csv", "claims.csv", "tests.csv", "report.md", "report.html"):
        assert (out / name).is_file() and out / name in paths
    charts = sorted((out / "charts").glob("*.png"))
    assert {p.name for p in charts} >= {"ev1-AAA-price.png", "ev1-AAA-ar.png", "ev1-AAA-car.png",
                                       "ev1-tech-group.png", "ev2-BBB-price.png"}
    for p in charts:
        data = p.read_bytes()
        assert data.startswith(PNG_MAGIC)
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    assert not list(out.glob(".*.tmp")) and not list((out / "charts").glob(".*.tmp"))

    # claims.csv carries fractions equal to the verdicts; the report shows them as percentages.
    cl = pd.read_csv(out / "claims.csv")
    assert {"event_id", "claim", "measured", "verdict", "reason"} <= set(cl.columns)
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    session = next(v for v in verdicts if v.claim.kind == "session_return")
    assert session.verdict == "supported" and session.measured > 0.05
    for v, row in zip(verdicts, cl.itertuples(index=False), strict=True):
        assert row.event_id == v.event_id and row.claim == v.claim.text and row.verdict == v.verdict
        assert row.measured == v.measured  # full precision round trip
        assert re.fullmatch(r"[+-]\d+\.\d{2}%", pct(v.measured))
        assert f"| **{pct(v.measured)}** |" in md
        assert pct(v.measured) in html
    # results.csv keeps returns as fractions at full precision.
    res = pd.read_csv(out / "results.csv")
    day0 = res[(res.event_id == "ev1") & (res.symbol == "AAA") & (res.window == "[0,0]")]
    ar = run.analyses[0].sample("AAA").result.car  # type: ignore[union-attr]
    assert day0["raw_return"].iloc[0] == ar.loc[ar.window == "[0,0]", "raw_return"].iloc[0]

    # Structure of the Markdown report.
    assert md.index("## Claims") < md.index("## Events") < md.index("## Methods")
    assert md.index("### ev1:") < md.index("### ev2:") < md.index("### ev3:")
    assert "time unknown: treated as" in md
    assert "<https://example.com/news/1>" in md
    assert "KP-adjusted BMP" in md and "mean residual correlation r =" in md
    assert "Other events inside this event's window" in md
    assert "DDD: no prices stored" in md  # the event without a studied security says what is missing
    assert "](charts/ev1-AAA-car.png)" in md
    for ref in ("MacKinlay 1997", "Boehmer, Musumeci & Poulsen 1991", "Kolari & Pynnonen 2010", "Patell 1976",
                "Brown & Warner 1980, 1985", "Corrado 1989", "Cowan 1992"):
        assert ref in md, ref
    assert "Alpha \\| Corp" in md  # a pipe in a name does not break the table
    # Never a raw price table: no close prices of the synthetic series appear.
    close = f"{store.read('AAA')['close'].iloc[-1]:.2f}"
    assert close not in md and close not in html

    # HTML: same content, self-contained; only the events' own sources link out.
    _check_html(html, {"https://example.com/news/1", "https://example.org/beta", "https://example.net/delta"})
    assert html.count("data:image/png;base64,") == len(charts)
    assert "Alpha launches &lt;script&gt;x&lt;/script&gt;" in html


def test_rerun_replaces_files_and_removes_stale_charts(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, registry, events_csv = setup
    out = tmp_path / "out"
    run, verdicts = _run(store, registry, events_csv)
    write_reports(run, verdicts, out)
    first = {p.name: p.read_bytes() for p in (out / "charts").glob("*.png")}
    assert any(n.startswith("ev2-") for n in first)
    (out / "charts" / "unrelated-old.png").write_bytes(PNG_MAGIC)

    run2, verdicts2 = _run(store, registry, events_csv, only=["ev1"])
    write_reports(run2, verdicts2, out)
    second = {p.name: p.read_bytes() for p in (out / "charts").glob("*.png")}
    assert second and not any(n.startswith("ev2-") for n in second) and "unrelated-old.png" not in second
    assert "### ev2:" not in (out / "report.md").read_text(encoding="utf-8")
    # Same data, same bytes: the PNGs carry no timestamps.
    assert all(second[n] == first[n] for n in second)


@pytest.mark.shared
def test_real_glm_image_report(real_dir: Path, tmp_path: Path) -> None:
    from eventstudy.data.importers import read_price_file
    from eventstudy.data.securities import default_registry

    items = {}
    for f in sorted(glob.glob(str(real_dir / "*.csv"))):
        s = read_price_file(f)
        items[s.symbol] = (s.frame, {"source": s.source, "layout": s.layout, "adjusted": s.adjusted,
                                     "issues": s.issues})
    store = PriceStore(tmp_path / "store")
    store.write_many(items)
    registry = default_registry()
    events = load_events(REPO / "events.csv", registry)
    run = pipeline.run(events, store, registry)
    verdicts = claims.evaluate(run, store)
    out = tmp_path / "report"
    write_reports(run, verdicts, out, title="GLM-Image and Chinese AI stocks")
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    session = next(v for v in verdicts if v.event_id == "glm-image" and v.claim.kind == "session_return")
    assert pct(session.measured) == "+18.81%"
    assert f"| **+18.81%** | **{session.verdict}** |" in md
    assert "happened: yes" in md and "Robustness of" in md and "SQ test" in md
    assert "+18.81%" in html
    _check_html(html, {e.source for e in events})
    # Every event has a section, in events.csv order.
    positions = [md.index(f"### {e.id}:") for e in events]
    assert positions == sorted(positions)
    assert (out / "charts" / "glm-image-2513.HK-car.png").is_file()
    assert (out / "charts" / "glm-image-china-ai-chips-group.png").is_file()
