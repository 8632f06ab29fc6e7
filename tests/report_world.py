"""Report folders for the report and browser tests: a synthetic run (with hostile text where asked)
and the real GLM-Image run on ../shared/data/real."""

from __future__ import annotations

import glob
from pathlib import Path

from synthetic import EVENTS_HEADER, make_store
from synthetic import registry as synthetic_registry

from eventstudy.data.store import PriceStore
from eventstudy.news import pipeline
from eventstudy.news import verdicts as claims
from eventstudy.news.events import load_events
from eventstudy.report import write_reports

REPO = Path(__file__).resolve().parents[1]

EV1 = ('ev1,2024-06-03,10:00,America/New_York,Alpha launches <script>x</script>,https://example.com/news/1,'
       'AAA;tech,,"session_return(AAA) > 5% ""Alpha jumped more than 5%""; '
       'group_rally(tech) > 0% ""Tech stocks rallied""",confirmed,\n')
EV2 = "ev2,2024-05-01,,America/New_York,Beta update,https://example.org/beta,BBB,,,uncertain,time of day unknown\n"
EV3 = "ev3,2024-06-04,,America/New_York,Delta news,https://example.net/delta,DDD,,,confirmed,\n"
# Two announcements of one day on the same securities: one study, shown once.
EV4 = "ev4,2024-03-04,,America/New_York,Gamma files,https://example.com/g1,CCC,,,confirmed,\n"
EV5 = "ev5,2024-03-04,,America/New_York,Gamma rumour,https://example.com/g2,CCC,,,uncertain,same day\n"
DAY0_JUMP = 0.10

# Text that tries to break out of each output: markup, a script, raw HTML lines inside a multi-line
# note, a Markdown heading and link, a URL whose '>' would close an autolink, a NUL byte and a
# bidirectional override, and cells a spreadsheet would run as formulas.
HOSTILE = (
    'evil,2024-06-03,10:00,America/New_York,"<script>alert(1)</script> **bold** [x](javascript:alert(2)) \x85NEL'
    '\u202eRTL",https://example.com/a>b<i>c,AAA,,"session_return(AAA) > 5% ""=HYPERLINK(1) @x""",'
    'uncertain,"line one\n<img src=x onerror=alert(3)>\n# not a heading\n+1 -1 @SUM(A1) =1+1\n| a | b |"\n'
)


def synthetic_store(home: Path) -> PriceStore:
    others = {"BBB": {"2024-06-03": 0.03}, "CCC": {"2024-06-03": 0.03}}
    return make_store(home, {"AAA": {"2024-06-03": DAY0_JUMP}, **others})


def synthetic_run(folder: Path, rows: str = EV1 + EV2 + EV3 + EV4 + EV5, only: list[str] | None = None,
                  store: PriceStore | None = None,
                  settings: pipeline.Settings | None = None):  # type: ignore[no-untyped-def]
    """(run, verdicts) of the synthetic world with the given events.csv rows."""
    store = store or synthetic_store(folder / "store")
    registry = synthetic_registry(folder)
    events_csv = folder / "events.csv"
    events_csv.write_text(EVENTS_HEADER + rows, encoding="utf-8")
    events = load_events(events_csv, registry)
    # Fewer resamples: these tests check rendering, not p-values.
    settings = settings or pipeline.Settings(bootstrap=200)
    run = pipeline.run(events, store, registry, settings, only=only)
    return run, claims.evaluate(run, store)


def synthetic_report(folder: Path, rows: str = EV1 + EV2 + EV3 + EV4 + EV5) -> Path:
    run, verdicts = synthetic_run(folder, rows)
    out = folder / "out"
    write_reports(run, verdicts, out, title="Synthetic")
    return out


def import_real(real_dir: Path, home: Path) -> PriceStore:
    """A store of the real daily prices in ../shared/data/real."""
    from eventstudy.data.importers import read_price_file

    items = {}
    for f in sorted(glob.glob(str(real_dir / "*.csv"))):
        s = read_price_file(f)
        items[s.symbol] = (s.frame, {"source": s.source, "layout": s.layout, "adjusted": s.adjusted,
                                     "issues": s.issues})
    store = PriceStore(home)
    store.write_many(items)
    return store


def real_run(real_dir: Path, folder: Path,
             settings: pipeline.Settings | None = None):  # type: ignore[no-untyped-def]
    from eventstudy.data.securities import default_registry

    store = import_real(real_dir, folder / "store")
    registry = default_registry()
    events = load_events(REPO / "events.csv", registry)
    run = pipeline.run(events, store, registry, settings)
    return run, claims.evaluate(run, store), events


def real_report(real_dir: Path, folder: Path) -> Path:
    run, verdicts, _ = real_run(real_dir, folder)
    out = folder / "report"
    write_reports(run, verdicts, out, title="GLM-Image and Chinese AI stocks")
    return out
