"""Command line: a thin layer over the Python API.

User mistakes (bad files, rows, symbols, options) print one line ``eventstudy: error: ...`` and
exit with code 2, never a traceback; a failed fetch or a failing machine (no network, a full disk,
a read-only folder) exits with code 1 after saying what failed; a refresh that finds another one
holding the lock exits with code 3.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from eventstudy import atomic, console, leftovers, locks
from eventstudy.errors import EnvironmentFailure, UserError
from eventstudy.paths import data_home
from eventstudy.stats import startup  # numpy-free: the process's start, before any statistics

if TYPE_CHECKING:
    import pandas as pd

    from eventstudy.news.verdicts import Verdict

# pandas and scipy are imported inside the commands that use them: `--help` and the light commands
# stay fast (tests/test_startup.py checks that importing this module loads neither).

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_CODES = """Exit codes: 0 done; 1 partial or environment failure (some securities could not be fetched, no
network, a full disk, a read-only folder: nothing half-written is left); 2 input error (a bad file,
row, symbol or option: nothing is written); 3 another refresh holds the lock (see refresh --wait)."""
CHECK_EXIT_CODES = """Exit codes: 0 every claim at or above --min-confidence got a verdict (or the article has none); 1
some could not be checked (no prices, a security or kind the tool does not know, no date...): each is
named with why, and the last line says "checked N of M claims"; 2 input error (a bad option, file or
--time/--timezone; no prices stored at all)."""
T = TypeVar("T")


def _folder(typed: str) -> str:
    # As the user typed it, ending in one separator: "out/" stays "out/", never "out//".
    from eventstudy.console import folder

    return folder(typed)


class _Ctx:
    def __init__(self, home: str | None, securities: str | None):
        self._home = home
        self._securities = securities

    @property
    def home(self) -> Path:
        return data_home(self._home)

    def store(self):
        from eventstudy.data.store import PriceStore

        return PriceStore(self.home)

    def registry(self):
        from eventstudy.data.securities import load_registry

        return load_registry(self._securities)


pass_ctx = click.make_pass_decorator(_Ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
             epilog=EXIT_CODES)
@click.option("--home", type=click.Path(file_okay=False), envvar="EVENTSTUDY_HOME",
              help="Data directory (default: $EVENTSTUDY_HOME, else the user data directory).")
@click.option("--securities", type=click.Path(dir_okay=False),
              help="Securities registry CSV (default: the one shipped with the package).")
@click.version_option(package_name="eventstudy-claims")
@click.pass_context
def cli(ctx: click.Context, home: str | None, securities: str | None) -> None:
    """Market event studies that test news claims against prices."""
    ctx.obj = _Ctx(home, securities)


# -- prices ------------------------------------------------------------------------------------
@cli.group()
def prices() -> None:
    """Import, fetch, inspect and export stored daily prices."""


@prices.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--symbol", help="Symbol for the file (only with one file); default: the file's header, else its name.")
@click.option("--exchange", help="Exchange (HKEX, SSE, SZSE, NYSE, NASDAQ); default: the registry, else the suffix.")
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False),
              help="Source rules CSV: which source wins per symbol (default: the one shipped with the package).")
@pass_ctx
def prices_import(ctx: _Ctx, files: Sequence[str], symbol: str | None, exchange: str | None,
                  sources_path: str | None) -> None:
    """Load price files (yfinance, yf.download, baostock, akshare, csindex, Tushare, Tencent, eastmoney, ...).

    Every file is read and checked before anything is written: one bad file leaves the store
    unchanged. Files for a symbol already stored, or several files for one symbol, are merged: the
    sources must agree where they overlap, and the source rules say which one wins.
    """
    if symbol and len(files) > 1:
        raise UserError("--symbol names one file's symbol, but several files were given", field="--symbol",
                        hint="import the files one at a time, or drop --symbol")
    with contextlib.ExitStack() as writing:
        items, lines = _plan_imports(ctx, files, symbol, exchange, sources_path, writing=writing)
        ctx.store().write_many(items)
    for line in lines:
        click.echo(line)
    click.echo(f"imported {len(files)} file(s) for {len(items)} symbol(s) into {ctx.home / 'prices'}")


def _plan_imports(ctx: _Ctx, files: Sequence[str], symbol: str | None, exchange: str | None,
                  sources_path: str | None = None, writing: contextlib.ExitStack | None = None,
                  ) -> tuple[dict[str, tuple[pd.DataFrame, dict[str, Any]]], list[str]]:
    """Read and check every file, merged with what is stored, before anything is written; each
    source file's SHA-256 (of the bytes read) is kept in the metadata, so a refresh can tell when it
    changed. With ``writing``, the store's writer lock is taken into it before the first read of
    the store (once the files are read: a bad file costs no wait), for the caller to hold through
    its write: two imports of one symbol then merge in turn instead of both from the old series."""
    import pandas as pd

    from eventstudy.data.sources import load_rules, plan_import

    store = ctx.store()

    def stored(sym: str) -> tuple[pd.DataFrame, dict[str, Any]] | None:
        if writing is not None and not held:
            writing.enter_context(store.lock())
            held.append(True)
        return store.read_with_meta(sym) if store.has(sym) else None

    held: list[bool] = []

    plan = plan_import(files, ctx.registry(), stored, load_rules(sources_path), symbol=symbol, exchange=exchange)
    return plan.items(pd.Timestamp.now(tz="UTC").isoformat()), plan.lines


def _source_files(meta: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(path, SHA-256 when imported) of every file a stored series was imported from."""
    listed = [s for s in meta.get("sources") or [] if isinstance(s, dict)]
    if listed:
        return [(str(s.get("path") or ""), s.get("sha256")) for s in listed]
    return [(str(meta.get("source") or ""), meta.get("source_sha256"))]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fetch_targets(ctx: _Ctx, names: Sequence[str]) -> list[tuple[str, str]]:
    registry = ctx.registry()
    if names:
        secs = registry.resolve(list(names))
        with_bench = list(secs)
        for s in secs:
            for b in (s.benchmark, s.sector_index):
                if b and registry.knows(b):
                    with_bench.append(registry.get(b))
    else:
        # A scheduled refresh keeps Yahoo series current; imported files are left as imported.
        store = ctx.store()
        with_bench = [registry.get(s) for s in store.symbols()
                      if registry.knows(s) and store.meta(s).get("source") == "yahoo"]
    seen: dict[str, str] = {}
    for s in with_bench:
        seen.setdefault(s.symbol, s.exchange)
    return list(seen.items())


@prices.command("fetch")
@click.argument("names", nargs=-1)
@click.option("--start", default="2015-01-01", show_default=True, help="First date of a full history.")
@click.option("--proxy", envvar="EVENTSTUDY_PROXY", help="HTTP(S) proxy for Yahoo (needed from mainland China).")
@pass_ctx
def prices_fetch(ctx: _Ctx, names: Sequence[str], start: str, proxy: str | None) -> None:
    """Fetch or refresh prices from Yahoo Finance (SYMBOLs or GROUPs; default: everything stored).

    Only what is missing or not yet final is requested; a current store makes no request.
    Benchmarks of the named securities come along.
    """
    from eventstudy.data.refresh import refresh

    targets = _fetch_targets(ctx, names)
    if not targets:
        click.echo("nothing to fetch: the store holds no Yahoo series (imported files are refreshed by "
                   "`eventstudy refresh`; `eventstudy prices source SYMBOL yahoo` moves one to Yahoo)")
        return
    report = refresh(ctx.store(), targets, full_history_start=start, proxy=proxy)
    # The counts only: each failure is named once, on stderr, below (summary() lists them too).
    click.echo(report.summary().splitlines()[0])
    if report.failed:
        for r in report.failed:
            click.echo(f"failed {r.symbol}: {r.reason}", err=True)
        sys.exit(EXIT_FAILED)


@prices.command("status")
@click.option("--issues", "show_issues", is_flag=True, help="List every data-quality issue, not only counts.")
@click.option("--wide", is_flag=True, help="Every column in full (paths, exact times), however wide.")
@pass_ctx
def prices_status(ctx: _Ctx, show_issues: bool, wide: bool) -> None:
    """What is stored: date range, rows, last fetch, quality flags (holiday rows, gaps, ...).

    Every file is checked against its checksum and read back; a damaged or foreign file is named
    with the command that repairs it (exit code 1), and the rest is listed as usual.
    """
    import textwrap

    from eventstudy import console

    with ctx.store().pinned() as store:  # one generation, whatever is imported meanwhile
        problems, good = store.check()  # every file read once, for all that follows
        status = store.status(good)
    for problem in problems:
        click.echo(f"damaged: {problem.line()}", err=True)
    if status.empty:
        click.echo(f"no prices stored in {store.dir}")
        if problems:
            sys.exit(EXIT_FAILED)
        return
    click.echo(_status_table(ctx, status, wide))
    kinds: dict[str, int] = {}
    for sym, (_, meta) in good.items():
        for issue in meta.get("issues") or []:
            kinds[issue.get("kind", "?")] = kinds.get(issue.get("kind", "?"), 0) + 1
            if show_issues:
                where = f" [{issue['source']}]" if issue.get("source") else ""
                click.echo(f"{sym:<12} {issue.get('severity', ''):<8} {issue.get('kind', ''):<20} "
                           f"{str(issue.get('date') or '')[:10]:<12} {issue.get('detail', '')}{where}")
    if kinds:
        click.echo(textwrap.fill("quality: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
                                 width=console.width(None if wide else console.DEFAULT_WIDTH),
                                 subsequent_indent="  ", break_on_hyphens=False))
    if problems:
        sys.exit(EXIT_FAILED)


def _status_table(ctx: _Ctx, status: pd.DataFrame, wide: bool) -> str:
    """The store as a table within 100 columns (--wide: every column in full): securities by name
    and ticker, sources as paths relative to here, fetch times as "2 h ago"."""
    from eventstudy import console

    try:
        registry = ctx.registry()
    except UserError:  # a broken --securities file must not hide what is stored: tickers alone then
        registry = None

    def name(sym: str) -> str:
        return registry.get(sym).name if registry is not None and registry.is_symbol(sym) else ""

    def day(x: object) -> str:
        return "" if x is None or str(x) in ("NaT", "nan") else str(x)[:10]

    rows = [[r.symbol, name(str(r.symbol)), console.shown_path(r.source), day(r.first), day(r.last), r.rows,
             str(r.fetched_at or "") if wide else console.ago(r.fetched_at), *([day(r.last_final)] if wide else []),
             r.issues] for r in status.itertuples(index=False)]
    headers = ["symbol", "name", "source", "first", "last", "rows", "fetched", *(["last final"] if wide else []),
               "issues"]
    return console.table(headers, rows, cap=None if wide else console.DEFAULT_WIDTH,
                         shrink=("name", "source", "issues"), right=("rows",), keep_end=("source",))


@prices.command("remove")
@click.argument("symbol")
@pass_ctx
def prices_remove(ctx: _Ctx, symbol: str) -> None:
    """Delete one security's stored prices (a damaged file too)."""
    store = ctx.store()
    store.remove(symbol)
    click.echo(f"removed {symbol} from {store.dir}")


@prices.command("source")
@click.argument("symbol")
@click.argument("source", type=click.Choice(["yahoo"]))
@click.option("--proxy", envvar="EVENTSTUDY_PROXY", help="HTTP(S) proxy for Yahoo.")
@pass_ctx
def prices_source(ctx: _Ctx, symbol: str, source: str, proxy: str | None) -> None:
    """Move an imported series to Yahoo: its history is kept, the overlap must agree.

    Yahoo's bars replace the stored ones where both exist, after checking that their closes agree
    on the common sessions (else the adjustment bases differ and nothing is changed); the stored
    bars before Yahoo's first date are kept. From then on `refresh` and `prices fetch` keep it current.
    """
    from eventstudy.data.switch import to_yahoo

    store = ctx.store()
    registry = ctx.registry()
    with store.lock():
        frame, meta = store.read_with_meta(symbol)
        exchange = meta.get("exchange") or (registry.get(symbol).exchange if registry.knows(symbol) else "")
        merged, new_meta, summary = to_yahoo(symbol, exchange, frame, meta, home=store.home, proxy=proxy)
        store.write(symbol, merged, new_meta)
    click.echo(summary)


@prices.command("export")
@click.argument("symbol")
@click.option("--out", type=click.Path(dir_okay=False), help="Output CSV (default: standard output).")
@pass_ctx
def prices_export(ctx: _Ctx, symbol: str, out: str | None) -> None:
    """Write one security's stored bars as CSV."""
    frame = ctx.store().read(symbol)
    if out:
        from eventstudy.atomic import write_csv

        write_csv(frame, out, index=True)
        click.echo(f"wrote {len(frame)} rows to {out}")
    else:
        from eventstudy.atomic import csv_safe

        click.echo(csv_safe(frame).to_csv(), nl=False)


# Options and errors shared by run, refresh, study and check.
_fallback_option = click.option(
    "--fallback", default="post-event", show_default=True, type=click.Choice(["post-event", "none"]),
    help="When a security has fewer valid estimation days than --min-estimation: market-adjusted returns "
         "with the volatility of the estimation and post-event days (post-event), or no substitute (none).")


def _empty_store(store: Any) -> UserError:
    return UserError(f"the price store {store.dir} is empty",
                     hint="load prices first: eventstudy prices import ../shared/data/real/*.csv")


def _no_events(events_path: str) -> UserError:
    return UserError("no events in the file; the previous report is left alone", file=events_path, line=2,
                     field="id", hint="add at least one event row")


def _yahoo_wanted(ctx: _Ctx, store: Any, events: Sequence[Any]) -> list[tuple[str, str]]:
    """Every event's securities and benchmarks that Yahoo may fill: missing from the store, or
    stored from Yahoo. Imported series are never overwritten by Yahoo data (their adjustment may differ)."""
    names = sorted({t for e in events for t in e.targets})
    return [(s, x) for s, x in _fetch_targets(ctx, names) if not store.has(s) or store.meta(s).get("source") == "yahoo"]


_figures_option = click.option(
    "--figures", "figures", type=click.Path(file_okay=False),
    help="Also write publication figures (matplotlib) to this folder: new, empty or earlier figures "
         "(it is replaced as a whole).")
_figure_format_option = click.option(
    "--figure-format", "figure_format", default="png,pdf", show_default=True,
    help="Comma-separated formats of --figures: png (slides), pdf and svg (vector, for papers).")


def _figure_formats(figures: str | None, figure_format: str) -> tuple[str, ...]:
    """The formats of --figures, checked before any work (the plotting module imports no matplotlib)."""
    from eventstudy.stats.plots import parse_formats

    return parse_formats(figure_format) if figures else ()


def _check_figures(figures: str | None, out: Path, inputs: Sequence[str | None]) -> Path | None:
    if not figures:
        return None
    target = _check_out(figures, "figures", inputs)
    if target == out or out in target.parents or target in out.parents:
        raise UserError("--figures and --out must be separate folders (each is replaced as a whole)",
                        file=figures, field="--figures", hint="e.g. --figures figures")
    return target


# -- the news-claims run ---------------------------------------------------------------------
@cli.command("run")
@click.option("--events", "events_path", default="events.csv", show_default=True,
              type=click.Path(dir_okay=False), help="Events CSV.")
@click.option("--out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Directory for index.html, index.md, events/, results.csv, claims.csv, tests.csv.")
@click.option("--offline", is_flag=True, help="Use only stored prices; make no network request.")
@click.option("--event", "only", multiple=True, help="Study only this event id (repeatable).")
@click.option("--model", default="market", show_default=True,
              type=click.Choice(["constant-mean", "market-adjusted", "market", "two-index", "scholes-williams",
                                 "dimson"]),
              help="Normal-return model; two-index adds each security's sector_index from the registry.")
@click.option("--estimation", default="-250:-11", show_default=True, help="Estimation window, trading days.")
@click.option("--missing", default="drop", show_default=True, type=click.Choice(["drop", "span"]),
              help="The return after a session without a price: drop it, or compute it across the gap.")
@click.option("--min-estimation", default=30, show_default=True, help="Fewest valid estimation days for a fit.")
@click.option("--window", default="-5:5", show_default=True, help="Event window, trading days.")
@click.option("--car", "cars", multiple=True, help="CAR window A:B (repeatable; default 0:0, -1:1, 0:5).")
@_fallback_option
@click.option("--proxy", envvar="EVENTSTUDY_PROXY", help="HTTP(S) proxy for Yahoo.")
@_figures_option
@_figure_format_option
@pass_ctx
def run_cmd(ctx: _Ctx, events_path: str, out: str, offline: bool, only: Sequence[str], model: str,
            estimation: str, missing: str, min_estimation: int, window: str, cars: Sequence[str],
            fallback: str, proxy: str | None, figures: str | None, figure_format: str) -> None:
    """Study every event in the events file, evaluate its claims, and write the reports."""
    with startup.heavy_imports():
        from eventstudy.news import pipeline
        from eventstudy.news.events import load_events
        from eventstudy.news.verdicts import evaluate as evaluate_claims
        from eventstudy.report import write_reports
        from eventstudy.stats.windows import Estimation, default_cars, parse_relative

    out_dir = _check_out(out, "report", inputs=(events_path, ctx._securities))
    formats = _figure_formats(figures, figure_format)
    figures_dir = _check_figures(figures, out_dir, (events_path, ctx._securities))
    event_window = parse_relative(window, what="--window")
    est_window = parse_relative(estimation, what="--estimation")
    _check_windows(est_window, event_window, min_estimation)
    registry = ctx.registry()
    events = load_events(events_path, registry)
    if not events:
        raise _no_events(events_path)
    _check_run_size(events, events_path, only)
    settings = pipeline.Settings(
        model=model,
        estimation=Estimation(est_window, min_days=min_estimation),
        window=event_window,
        cars=tuple(parse_relative(c, what="--car") for c in cars) or default_cars(event_window),
        missing=missing,
        fallback=fallback,
    )
    if not offline:
        _fetch_for_run(ctx, events, proxy)
    with ctx.store().pinned() as store:  # every series from one generation, whatever is imported meanwhile
        if offline and not store.symbols():
            raise _empty_store(store)
        with console.progress("studying events", len(only) if only else len(events)) as advance:
            result = pipeline.run(events, store, registry, settings, only=list(only) or None, on_event=advance)
        with console.working("evaluating claims"):
            verdicts = evaluate_claims(result, store)
    leftovers.sweep(ctx.home)  # a writing command clears the temporary files killed runs left
    paths = _publish(out_dir, lambda staged: write_reports(result, verdicts, staged), "report")
    for v in verdicts:
        _echo_verdict(v, f"{v.event_id}: ")
    click.echo(f"wrote {len(paths)} file(s) to {_folder(out)}")
    if figures_dir is not None:
        from eventstudy.report.figures import write_run_figures

        drawn = _publish(figures_dir, lambda staged: write_run_figures(result, staged, formats), "figures")
        click.echo(f"wrote {len(drawn)} figure file(s) to {_folder(str(figures))}")


def _check_run_size(events: Sequence[Any], events_path: str, only: Sequence[str]) -> None:
    """Refused at once: more events than a report of pages serves (see bounds.MAX_RUN_EVENTS)."""
    from eventstudy.data.bounds import MAX_RUN_EVENTS

    n = len(set(only)) if only else len(events)
    if n > MAX_RUN_EVENTS:
        raise UserError(f"{n:,} events to study; run and refresh write a page per event and study at most "
                        f"{MAX_RUN_EVENTS:,}", file=events_path,
                        hint="for a large event set use eventstudy study --prices FILE --events FILE, which writes "
                             "the tables for a million events in bounded memory; or pick events with --only")


def _echo_verdict(v: Verdict, prefix: str = "") -> None:
    """A claim's two answers first (is it true; did the event do it), then the placebo, the three
    statements and the verdict with its reason."""
    click.echo(f"[{v.verdict}] {prefix}{v.claim.text}")
    click.echo(f"    fact: {v.fact_text}")
    click.echo(f"    cause: {v.cause_text}")
    if v.placebo is not None:
        click.echo(f"    placebo: {v.placebo.text()}")
    for st in v.statements:
        click.echo(f"    {st.question}: {st.answer} - {st.text}")
    click.echo(f"    verdict: {v.verdict} - {v.reason}")


# Every output folder generation holds this file, naming what wrote it: only such a folder (or a new
# or empty one) is ever replaced, so a folder of the user's own files is never swept away.
OUTPUT_MARKER = ".eventstudy-output"
_KIND_WHAT = {"report": "a report", "study": "a study's output", "figures": "a figures folder",
              "calendar-time": "a calendar-time output"}
# Longest event or estimation window: two years of sessions, beyond which nothing is an event study.
MAX_WINDOW_DAYS = 1000


def _written_before_marker(path: Path, kind: str) -> bool:
    """An output folder of a version that wrote no marker: a report's index.html and claims.json,
    or (study) nothing but the four CSVs and the temporary files of a killed write."""
    if kind == "report":
        return (path / "index.html").is_file() and (path / "claims.json").is_file()
    if kind == "figures":  # every figures folder was written with its marker
        return False
    from eventstudy.stats.regression import FILES
    from eventstudy.stats.study import CSV_FILES

    names = (*CSV_FILES, *FILES)
    return all(p.name in names or (p.name.startswith(tuple(f".{n}." for n in names)) and p.suffix == ".tmp")
               for p in path.iterdir())


def _check_out(out: str, kind: str, inputs: Sequence[str | None] = ()) -> Path:
    """The output folder, refused up front (exit 2) when it cannot or must not be replaced, as the
    path to write (symbolic links followed). It is replaced as a whole, so it must be new, empty or
    an earlier output of the same kind, must not be (or hold) the current folder, and must not hold
    an input (``inputs``)."""
    path = Path(out)
    what = _KIND_WHAT[kind]
    try:
        target, here = path.resolve(), Path.cwd().resolve()
        if target.is_symlink():  # what Python 3.13 gives back for a loop, where 3.11 raises
            raise RuntimeError(f"symbolic link loop: {target}")
    except (OSError, RuntimeError) as exc:
        raise UserError(f"cannot follow the path ({exc})", file=out, field="--out", hint="choose another folder") \
            from None
    if target.exists() and not target.is_dir():
        raise UserError("--out is a file, not a folder", file=out, field="--out")
    if target.is_dir() and not target.stat().st_mode & stat.S_IWUSR:
        # Someone made it read-only: replacing it would drop that wish (a new folder gets the umask).
        raise UserError(f"--out is read-only (mode {stat.S_IMODE(target.stat().st_mode):04o}); it is left as it is",
                        file=out, field="--out", hint="make it writable with chmod u+w, or choose another folder")
    if target == here or target in here.parents:
        raise UserError("--out is the current folder (or holds it); it would be replaced as a whole", file=out,
                        field="--out", hint="choose a new folder, e.g. --out out")
    for given in inputs:
        if given and Path(given).resolve().is_relative_to(target):
            raise UserError(f"the input {given} lies inside --out, which is replaced as a whole", file=out,
                            field="--out", hint="choose another output folder")
    if target.is_dir() and any(target.iterdir()):
        marker = target / OUTPUT_MARKER
        if marker.is_file():
            try:
                found = json.loads(marker.read_text(encoding="utf-8")).get("kind")
            except (OSError, ValueError, AttributeError):
                found = None
            if found != kind:
                raise UserError(f"the folder holds {_KIND_WHAT.get(str(found), 'something else')}, not {what}; "
                                "it would be replaced as a whole", file=out, field="--out",
                                hint="choose an empty or new folder")
        elif not _written_before_marker(target, kind):
            raise UserError(f"the folder holds files that are not {what}; it would be replaced as a whole",
                            file=out, field="--out", hint="choose an empty or new folder")
    probe = target.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(probe))
        # Root passes every permission check, so only a real write tells (read-only mounts, /proc).
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise UserError(f"cannot write in {probe} ({exc.strerror or exc})", file=out, field="--out",
                        hint="choose a folder you can write to") from None
    return target


def _check_windows(estimation: Any, window: Any, min_estimation: int) -> None:
    """Windows that would make a meaningless or endless study, refused before any work."""
    from eventstudy.stats.windows import Window

    if min_estimation < 1:
        raise UserError(f"--min-estimation {min_estimation}: a fit needs at least 1 estimation day (default 30)",
                        field="--min-estimation")
    for w, what in ((window, "--window"), (estimation, "--estimation")):
        if isinstance(w, Window) and (abs(w.start) > MAX_WINDOW_DAYS or abs(w.end) > MAX_WINDOW_DAYS):
            raise UserError(f"{what} {w.start}:{w.end} reaches beyond {MAX_WINDOW_DAYS} trading days", field=what,
                            hint="event windows span days or weeks, e.g. -5:5")
    if isinstance(window, Window) and isinstance(estimation, Window):
        if estimation.start <= window.end and window.start <= estimation.end:
            raise UserError(f"--estimation {estimation.start}:{estimation.end} overlaps the event window "
                            f"{window.start}:{window.end}", field="--estimation",
                            hint=f"end the estimation window before {window.start}, e.g. -250:{window.start - 6}")
    elif hasattr(window, "start") and hasattr(estimation, "end") and not isinstance(window, Window) \
            and not isinstance(estimation, Window) and estimation.end >= window.start:
        raise UserError("--estimation dates overlap the event window", field="--estimation",
                        hint="end the estimation window before the event window starts")


def _publish(out: Path, fill: Callable[[Path], T], kind: str, *, wait: float = 600.0) -> T:
    """Write a whole output folder (``out`` as :func:`_check_out` gives it): ``fill`` writes into a
    fresh sibling, marked as ``kind``'s output, that replaces ``out`` in one switch, under the
    folder's lock; a crash or a failure leaves the previous folder as it was."""
    lock = out.parent / f".{out.name}.lock"
    with locks.hold(lock, f"the output folder {out}", timeout=wait), atomic.new_generation(out) as staged:
        done = fill(staged)
        atomic.write_text(staged / OUTPUT_MARKER, json.dumps({"kind": kind}) + "\n")
        return done


OFFLINE_HINT = ("without a network, load files and run offline: eventstudy prices import FILE... "
                "&& eventstudy run --offline (or eventstudy refresh --offline)")


def _fetch_for_run(ctx: _Ctx, events: Sequence, proxy: str | None) -> None:
    """Fetch what the store lacks (and refresh Yahoo data) for every event's securities."""
    from eventstudy.data.refresh import refresh

    store = ctx.store()
    wanted = _yahoo_wanted(ctx, store, events)
    report = refresh(store, wanted, proxy=proxy)
    if report.failed and len(report.failed) == len(wanted):
        first = report.failed[0]
        raise EnvironmentFailure(f"could not fetch prices from Yahoo Finance ({first.symbol}: {first.reason})",
                                 hint=OFFLINE_HINT)
    for r in report.failed:
        click.echo(f"warning: could not fetch {r.symbol}: {r.reason}", err=True)


# -- the scheduled job -----------------------------------------------------------------------
@cli.command("refresh", epilog=EXIT_CODES)
@click.option("--events", "events_path", default="events.csv", show_default=True,
              type=click.Path(dir_okay=False), help="Events CSV.")
@click.option("--out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Report folder, rewritten only when an input changed.")
@click.option("--offline", is_flag=True, help="No network: only re-import imported files that changed.")
@click.option("--wait", "wait", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for another refresh holding the lock (else exit 3 at once).")
@click.option("--proxy", envvar="EVENTSTUDY_PROXY", help="HTTP(S) proxy for Yahoo.")
@click.option("--log", "show_log", is_flag=True,
              help="Show the last runs from <home>/logs/refresh.jsonl instead of running; nothing is written.")
@pass_ctx
def refresh_cmd(ctx: _Ctx, events_path: str, out: str, offline: bool, wait: float, proxy: str | None,
                show_log: bool) -> None:
    """The job to schedule: bring prices up to date, and the reports when an input changed.

    Fetches only where a new session has closed on the security's exchange (none: no request at
    all), re-imports imported files that changed on disk, then recomputes the studies and rewrites
    the report folder only when the events, the registry or a stored price changed, listing the
    verdicts that changed (old -> new) here and in changes.json. Each run appends one JSON line
    (started, fetched, failed, changed, duration, exit code) to <home>/logs/refresh.jsonl.
    """
    from eventstudy import runlog
    from eventstudy.news import schedule

    if show_log:
        for line in runlog.show(ctx.home):
            click.echo(line)
        return
    started = time.monotonic()
    record: dict[str, Any] = {"started": schedule.now_iso(), "offline": offline, "events": events_path, "out": out,
                              "fetched": [], "failed": [], "reimported": [], "changed": [], "reports": "unchanged"}
    code = EXIT_OK
    try:
        with locks.hold(ctx.home / ".refresh.lock", "the scheduled refresh", timeout=wait):
            code = _refresh(ctx, events_path, Path(out), offline, proxy, record)
    except locks.LockHeld as exc:
        click.echo(f"eventstudy: error: {exc.what} is already running ({exc.holder})", err=True)
        code = EXIT_LOCKED
    except (UserError, OSError) as exc:
        code = EXIT_USAGE if isinstance(exc, UserError) and not isinstance(exc, EnvironmentFailure) else EXIT_FAILED
        record["error"] = str(exc)
        raise
    finally:
        record.update(exit_code=code, duration=round(time.monotonic() - started, 3))
        # A read-only data directory is reported by the error being raised, not by the log.
        with contextlib.suppress(OSError):
            runlog.append(ctx.home, record)  # on a line of its own, even after a crash cut the last one
    sys.exit(code)


def _refresh(ctx: _Ctx, events_path: str, out: Path, offline: bool, proxy: str | None,
             record: dict[str, Any]) -> int:
    from eventstudy.news.events import load_events

    code = EXIT_OK
    target = _check_out(str(out), "report", inputs=(events_path, ctx._securities))
    registry = ctx.registry()
    events = load_events(events_path, registry)
    if not events:
        raise _no_events(events_path)
    _check_run_size(events, events_path, ())
    store = ctx.store()
    leftovers.sweep(ctx.home)  # under the refresh lock: refresh-state.json's temporaries are ours to clear
    stale: list[tuple[str, str]] = []
    with store.lock():
        for symbol, reason in _reimport_changed(ctx, record):
            stale.append((symbol, reason))
        if not offline:
            from eventstudy.data.refresh import refresh

            wanted = dict(_yahoo_wanted(ctx, store, events))
            wanted.update(dict(_fetch_targets(ctx, [])))
            report = refresh(store, list(wanted.items()), proxy=proxy)
            record["fetched"] = [r.symbol for r in report.by_status("ok")]
            stale += [(f.symbol, f.reason) for f in report.failed]
            if report.failed and len(report.failed) == len(wanted):
                record["failed"] = [{"symbol": sym, "reason": why} for sym, why in stale]
                raise EnvironmentFailure(f"could not fetch prices from Yahoo Finance ({report.failed[0].reason})",
                                         hint="the store is unchanged; " + OFFLINE_HINT)
    record["failed"] = [{"symbol": sym, "reason": why} for sym, why in stale]
    for sym, why in stale:
        click.echo(f"failed {sym}: {why}", err=True)
    if stale:
        code = EXIT_FAILED
    with store.pinned() as prices:  # fingerprint, studies and verdicts from one generation
        return _report(ctx, prices, events, registry, events_path, out, target, stale, record, code)


def _report(ctx: _Ctx, store: Any, events: Sequence[Any], registry: Any, events_path: str, out: Path, target: Path,
            stale: list[tuple[str, str]], record: dict[str, Any], code: int) -> int:
    """The report half of a refresh: studies and pages again only when an input changed."""
    from importlib.metadata import version

    from eventstudy.news import schedule

    if not store.symbols():
        raise _empty_store(store)
    # refresh always studies with run's defaults; they are part of the package version fingerprinted.
    settings = "run defaults"
    registry_bytes = Path(ctx._securities).read_bytes() if ctx._securities else repr(list(registry)).encode()
    digest = schedule.fingerprint(events=Path(events_path).read_bytes(), registry=registry_bytes,
                                  settings=settings, store=store,
                                  version=version("eventstudy-claims"))
    if out.is_dir() and schedule.load_state(ctx.home).get(str(out.resolve())) == digest:
        click.echo(f"nothing changed: the reports in {_folder(str(out))} are current")
        return code
    # The study machinery (pandas, scipy) is loaded only when there is something to compute.
    with startup.heavy_imports():
        from eventstudy.news import pipeline
        from eventstudy.news.verdicts import evaluate as evaluate_claims
        from eventstudy.report import write_reports

    with console.progress("studying events", len(events)) as advance:
        result = pipeline.run(events, store, registry, pipeline.Settings(), on_event=advance)
    with console.working("evaluating claims"):
        verdicts = evaluate_claims(result, store)
    changes = schedule.verdict_changes(schedule.previous_verdicts(out), verdicts)

    def fill(staged: Path) -> list[Path]:
        paths = write_reports(result, verdicts, staged)
        doc = schedule.changes_document(changes, stale, schedule.now_iso())
        return [*paths, atomic.write_text(staged / schedule.CHANGES_FILE, doc)]

    paths = _publish(target, fill, "report")
    schedule.save_state(ctx.home, out, digest)
    record["changed"] = changes
    record["reports"] = "rewritten"
    for c in changes:
        click.echo(f"changed {c['event_id']}: {c['claim']}: {c['old']} -> {c['new']}")
    click.echo(f"wrote {len(paths)} file(s) to {_folder(str(out))} ({len(changes)} verdict change(s))")
    return code


def _reimport_changed(ctx: _Ctx, record: dict[str, Any]) -> list[tuple[str, str]]:
    """Imported series whose files changed on disk are read again (all or nothing); returns failures."""
    store = ctx.store()
    todo: list[tuple[str, list[str], str | None]] = []
    for symbol in store.symbols():
        try:
            meta = store.meta(symbol)
        except UserError:
            continue  # damaged: `prices status` names it; the refresh goes on with the rest
        changed = [path for path, digest in _source_files(meta)
                   if path not in ("", "yahoo") and Path(path).is_file() and digest != _file_digest(Path(path))]
        if changed:
            todo.append((symbol, changed, str(meta.get("exchange") or "") or None))
    failed: list[tuple[str, str]] = []
    items: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
    for symbol, paths, exchange in todo:
        try:
            got, _ = _plan_imports(ctx, paths, symbol, exchange)
        except UserError as exc:
            failed.append((symbol, f"the changed file cannot be imported: {exc.one_line()}"))
            continue
        items.update(got)
    if items:
        store.write_many(items)
        record["reimported"] = sorted(items)
        click.echo(f"re-imported {len(items)} changed file(s): {', '.join(sorted(items))}")
    return failed


# -- a study on any data set -----------------------------------------------------------------
def _read_wide(path: str, what: str) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {path}", field=what)
    try:
        frame = pd.read_csv(p, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UserError(f"cannot read CSV: {exc}", file=path) from None
    if frame.shape[1] < 2:
        raise UserError("expected a date column and at least one series column", file=path, line=1)
    date_col = frame.columns[0]
    dates = pd.to_datetime(frame[date_col], errors="coerce", format="mixed")
    bad = dates.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise UserError(f"cannot read date {frame[date_col].iloc[i]!r}", file=path, line=i + 2, field=str(date_col),
                        hint="write dates as YYYY-MM-DD")
    frame = frame.drop(columns=date_col)
    frame.index = pd.DatetimeIndex(dates, name="date")
    # The dtypes, not the columns: taking 2,000 columns one by one costs 30 ms of a 10k-event study.
    for c, dtype in frame.dtypes.items():
        if not pd.api.types.is_numeric_dtype(dtype):
            num = pd.to_numeric(frame[c], errors="coerce")
            i = int((num.isna() & frame[c].notna()).to_numpy().argmax())
            raise UserError(f"not a number: {frame[c].iloc[i]!r}", file=path, line=i + 2, field=str(c))
    if frame.index.has_duplicates:
        d = frame.index[frame.index.duplicated()][0]
        raise UserError(f"duplicate date {d.date()}", file=path, field=str(date_col))
    return frame.sort_index()


def _read_events(path: str) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {path}", field="--events")
    try:
        ev = pd.read_csv(p, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise UserError("the events file is empty", file=path, line=1, field="symbol",
                        hint="the events file needs columns symbol,date") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text (byte {exc.start})", file=path, line=1, field="symbol",
                        hint="save the file as UTF-8 CSV") from None
    except pd.errors.ParserError as exc:
        raise UserError(f"cannot read CSV: {str(exc).strip().splitlines()[0]}", file=path) from None
    from eventstudy.stats.event_columns import standard

    ev = standard(ev)  # name,when,id as the API reads them
    missing = [c for c in ("symbol", "date") if c not in ev.columns]
    if missing:
        raise UserError(f"missing column(s) {', '.join(missing)}", file=path, line=1,
                        hint="the events file needs columns symbol,date (extra columns are allowed)")
    dates = pd.to_datetime(ev["date"], errors="coerce", format="%Y-%m-%d")
    if dates.isna().any():
        i = int(dates.isna().to_numpy().argmax())
        raise UserError(f"cannot read date {ev['date'].iloc[i]!r}", file=path, line=i + 2, field="date",
                        hint="write dates as YYYY-MM-DD")
    ev["date"] = dates
    if ev.empty:
        raise UserError("no events in the file", file=path, line=2, field="symbol", hint="add rows symbol,date")
    return ev


def _check_returns(data: pd.DataFrame, path: str, percent: bool) -> None:
    """Returns that are really prices, or percentages without --percent, say what was probably meant."""
    import warnings

    import numpy as np

    # All columns at once first (a column at a time through pandas is a second per 2,000 series);
    # the messages come from the per-column loop, from the first suspect column on.
    from eventstudy.stats.counts import count_true

    signed = data.to_numpy(dtype=float)
    count = len(signed) - count_true(np.isnan(signed), 0)
    # Only whether the median passes a threshold matters: a column with fewer than half of its values
    # beyond the lower one cannot, so the (slow) NaN-aware median, and the share of positive values
    # that matters only beside a median above 1.5, are taken of the other columns only.
    low = 1.5 if percent else 0.2
    med = np.zeros(signed.shape[1])
    positive = np.zeros(signed.shape[1])
    maybe = count_true(signed > low, 0) + count_true(signed < -low, 0) >= count // 2
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column's median
        if maybe.any():
            med[maybe] = np.nanmedian(np.abs(signed[:, maybe]), axis=0)
            positive[maybe] = count_true(signed[:, maybe] > 0, 0) / np.maximum(count[maybe], 1)
    suspect = (count >= 5) & (((positive > 0.99) & (med > 1.5)) | ((not percent) & (med > 0.2)))
    if not suspect.any():
        return
    for col in data.columns[int(np.argmax(suspect)):]:
        values = data[col].dropna()
        if len(values) < 5:
            continue
        median_abs = float(values.abs().median())
        row = int(np.flatnonzero(data.index == values.abs().idxmax())[0]) + 2
        if (values > 0).mean() > 0.99 and median_abs > 1.5:
            raise UserError(f"these look like prices, not returns (all positive, median {values.median():.4g})",
                            file=path, line=row, field=str(col), hint="pass the file with --prices instead")
        if not percent and median_abs > 0.2:
            raise UserError(f"a median daily move of {median_abs:.0%} as a fraction; these look like percentages",
                            file=path, line=row, field=str(col),
                            hint="add --percent if 1.5 means 1.5%")


def _series_option(spec: str | None, data: pd.DataFrame, what: str) -> pd.Series | str | None:
    """A column of the data file, or a second file whose first series is used."""
    if spec is None:
        return None
    if spec in data.columns:
        return spec
    if Path(spec).is_file():
        other = _read_wide(spec, what)
        return other.iloc[:, 0].rename(str(other.columns[0]))
    raise UserError(f"{spec!r} is neither a column of the data file nor a file", field=what,
                    hint=f"columns: {', '.join(map(str, data.columns[:12]))}")


def _check_measure(measure: str, returns_path: str | None, prices_path: str | None, volume_path: str | None) -> None:
    """Which data file each measure reads: volumes for volume, returns or prices otherwise."""
    if measure == "volume":
        if not volume_path or returns_path or prices_path:
            raise UserError("--measure volume reads --volume FILE (and neither --returns nor --prices)",
                            field="--volume", hint="give --volume FILE, a wide CSV of volumes laid out like --prices")
        return
    if volume_path:
        raise UserError(f"--volume is for --measure volume, not {measure}", field="--volume",
                        hint="add --measure volume, or drop --volume")
    if bool(returns_path) == bool(prices_path):
        raise UserError("give exactly one of --returns and --prices")


def _factor_option(model: str, paths: Sequence[str]) -> pd.DataFrame | None:
    """The --factors files as one factor frame for a factor model; refused for the others."""
    from eventstudy.stats.models import FACTOR_MODELS

    if model not in FACTOR_MODELS:
        if paths:
            raise UserError(f"--factors is for the factor models, not --model {model}", field="--factors",
                            hint=f"add --model {' | '.join(FACTOR_MODELS)}, or drop --factors")
        return None
    from eventstudy.data.french import combine
    from eventstudy.stats.factor_model import needs

    if not paths:
        raise UserError(f"--model {model} needs --factors FILE", field="--factors",
                        hint="Kenneth French's daily file as published, e.g. F-F_Research_Data_Factors_daily.CSV")
    return combine(paths, needs(model))


# The wide data files of `study` and `calendar-time` (one of the two).
_returns_option = click.option("--returns", "returns_path", type=click.Path(dir_okay=False),
                               help="Wide CSV of returns (date, series...).")
_prices_option = click.option("--prices", "prices_path", type=click.Path(dir_okay=False),
                              help="Wide CSV of prices (date, series...).")


@cli.command("study")
@_returns_option
@_prices_option
@click.option("--events", "events_path", required=True, type=click.Path(dir_okay=False),
              help="CSV with columns symbol,date (extra columns allowed; event_id optional).")
@click.option("--market", help="Market: a column of the data file, or a CSV file (first series).")
@click.option("--sector", help="Sector index for the two-index model: a column or a CSV file.")
@click.option("--model", default="market", show_default=True,
              type=click.Choice(["constant-mean", "market-adjusted", "market", "two-index", "scholes-williams",
                                 "dimson", "ff3", "carhart", "ff5", "garch"]))
@click.option("--measure", default="returns", show_default=True, type=click.Choice(["returns", "volume", "volatility"]),
              help="What is abnormal: returns; log volume (--volume FILE; --model constant-mean or market); "
              "volatility (the variance ratio of each event window, written to volatility.csv).")
@click.option("--volume", "volume_path", type=click.Path(dir_okay=False),
              help="Wide CSV of volumes (date, series...), laid out like --prices, for --measure volume.")
@click.option("--factors", "factor_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Kenneth French factor CSV as published, for ff3/carhart/ff5 (repeatable: research factors "
              "plus momentum).")
@click.option("--estimation", default="-250:-11", show_default=True,
              help="Estimation window: trading days A:B or dates YYYY-MM-DD:YYYY-MM-DD.")
@click.option("--min-estimation", default=30, show_default=True, help="Fewest valid estimation days.")
@click.option("--window", default="-5:5", show_default=True, help="Event window: trading days A:B or dates.")
@click.option("--car", "cars", multiple=True, help="CAR window A:B in trading days (repeatable; default 0:0 -1:1 0:5).")
@click.option("--event-day", default="previous", show_default=True, type=click.Choice(["previous", "next", "skip"]),
              help="Day 0 when the event date is not a trading day of the series.")
@click.option("--log-returns", is_flag=True, help="Returns are (or are computed as) log returns.")
@click.option("--percent", is_flag=True, help="--returns (and a market file) are in percent; results are fractions.")
@click.option("--missing", default="drop", show_default=True, type=click.Choice(["drop", "span"]),
              help="With --prices: drop the return after a gap, or compute it across the gap.")
@click.option("--convention", default="textbook", show_default=True, type=click.Choice(["textbook", "estudy2"]),
              help="Variance conventions: textbook (MacKinlay) or estudy2's, for parity checks.")
@_fallback_option
@click.option("--bootstrap", default=2000, show_default=True, type=click.IntRange(min=0),
              help="Bootstrap draws (seeded).")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", default="study-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for ar.csv, car.csv, tests.csv, estimates.csv: new, empty or a previous study's "
              "output (it is replaced as a whole).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, hidden=True,
              help="Events per chunk of the chunked engine (default: sized for about 48 MB of panels per chunk).")
@_figures_option
@_figure_format_option
@click.option("--regress", "formula", metavar="FORMULA",
              help='Cross-sectional regression of the first --car window\'s CARs, e.g. "car ~ size + leverage" '
                   "(bhar and scar also name measures); writes regression.csv and regression.txt to --out.")
@click.option("--characteristics", "characteristics", type=click.Path(dir_okay=False),
              help="CSV of firm characteristics for --regress: symbol (and event_id) then one column per variable.")
@click.option("--cov-type", "cov_type", default="HC3", show_default=True,
              type=click.Choice(["nonrobust", "HC0", "HC1", "HC2", "HC3"]), help="Covariance of --regress.")
@click.option("--cluster", "cluster", metavar="date|COLUMN",
              help="Cluster-robust --regress by day 0 (date) or a column of the characteristics.")
def study_cmd(returns_path: str | None, prices_path: str | None, events_path: str, market: str | None,
              sector: str | None, model: str, measure: str, volume_path: str | None, factor_paths: Sequence[str],
              estimation: str, min_estimation: int,
              window: str,
              cars: Sequence[str], event_day: str, log_returns: bool, percent: bool, missing: str, convention: str,
              fallback: str, bootstrap: int, seed: int, out: str, chunk_size: int | None, figures: str | None,
              figure_format: str, formula: str | None, characteristics: str | None, cov_type: str,
              cluster: str | None) -> None:
    """An event study on any data set: wide returns or prices, events as symbol,date."""
    with startup.heavy_imports():
        import pandas as pd

        from eventstudy.stats import heap
        from eventstudy.stats.study import CSV_FILES, EventStudy
        from eventstudy.stats.windows import Estimation, parse_relative, parse_window

    _check_measure(measure, returns_path, prices_path, volume_path)
    est_window = parse_window(estimation, what="--estimation")
    event_window = parse_window(window, what="--window")
    _check_windows(est_window, event_window, min_estimation)
    inputs = (returns_path, prices_path, volume_path, events_path, market, sector, characteristics, *factor_paths)
    out_dir = _check_out(out, "study", inputs=inputs)
    formats = _figure_formats(figures, figure_format)
    figures_dir = _check_figures(figures, out_dir, inputs)
    regression = _regression_inputs(formula, characteristics, cluster)
    factors = _factor_option(model, factor_paths)
    heap.reuse_freed_memory()  # from the parse on: its freed buffers serve the engine's arrays
    data = _read_wide(returns_path or prices_path or volume_path or "",
                      "--returns" if returns_path else "--prices" if prices_path else "--volume")
    events = _read_events(events_path)
    columns = set(data.columns)  # a set lookup per event: pandas' isin takes ten times as long
    i = next((k for k, sym in enumerate(events["symbol"].tolist()) if sym not in columns), None)
    if i is not None:
        raise UserError(f"no series {events['symbol'].iloc[i]!r} in the data file", file=events_path, line=i + 2,
                        field="symbol", hint=f"columns: {', '.join(map(str, data.columns[:12]))}")
    if returns_path:
        _check_returns(data, returns_path, percent)
    mkt = _series_option(market, data, "--market")
    sec = _series_option(sector, data, "--sector")
    if percent:
        if prices_path:
            raise UserError("--percent applies to --returns, not to --prices", field="--percent")
        data = data / 100
        mkt = mkt / 100 if isinstance(mkt, pd.Series) else mkt
        sec = sec / 100 if isinstance(sec, pd.Series) else sec
    kwargs: dict[str, Any] = dict(
        model=model,
        estimation=Estimation(est_window, min_days=min_estimation),
        window=event_window,
        cars=[parse_relative(c, what="--car") for c in cars] or None,
        event_day=event_day, fallback=fallback, convention=convention, bootstrap=bootstrap, seed=seed,
        factors=factors, measure=measure,
    )
    if returns_path or volume_path:
        st = EventStudy(data, events, market=mkt, sector=sec, log_returns=log_returns, **kwargs)  # type: ignore[arg-type]
    else:
        st = EventStudy.from_prices(
            data, events, market=data[mkt] if isinstance(mkt, str) else mkt,
            sector=data[sec] if isinstance(sec, str) else sec, missing=missing, log_returns=log_returns, **kwargs,
        )
    # Bounded memory for any number of events; the four CSVs written as the study goes, into a
    # new generation of the folder that replaces the old one in one switch.
    vol_lines: list[str] = []

    def fill(staged: Path) -> Any:
        fitted = st.fit_chunked(chunk_size, csv_dir=staged)
        if measure == "volatility":
            from eventstudy.stats.measures import volatility_summary, volatility_table

            table = volatility_table(fitted.output)
            atomic.write_csv(table, staged / "volatility.csv", index=False)
            vol_lines.append(volatility_summary(table))
        if regression is not None:  # in the same generation: the CSVs and the regression switch in together
            _write_regression(fitted, regression, cov_type, cluster, staged)
        return fitted

    with console.working(f"studying {len(events)} event(s)"):
        result = _publish(out_dir, fill, "study")
    click.echo(result.summary())
    for line in vol_lines:
        click.echo(line)
    written = [*CSV_FILES, *(("volatility.csv",) if measure == "volatility" else ()),
               *(("regression.csv", "regression.txt") if regression is not None else ())]
    click.echo(f"wrote {', '.join(written)} to {_folder(out)}")
    if figures_dir is not None:
        from eventstudy.stats.plots import write_figures

        drawn = _publish(figures_dir, lambda staged: write_figures(result, staged, formats), "figures")
        click.echo(f"wrote {len(drawn)} figure file(s) to {_folder(str(figures))}")


def _regression_inputs(formula: str | None, characteristics: str | None,
                       cluster: str | None) -> tuple[str, pd.DataFrame] | None:
    """--regress and --characteristics, read and checked before the study runs."""
    if formula is None:
        if characteristics or cluster:
            raise UserError("--characteristics and --cluster go with --regress", field="--regress",
                            hint='add --regress "car ~ VARIABLE"')
        return None
    from eventstudy.stats.regression import check_formula, read_characteristics

    if not characteristics:
        raise UserError("--regress needs --characteristics FILE", field="--characteristics",
                        hint="a CSV with a symbol column and one column per variable")
    return check_formula(formula), read_characteristics(characteristics)


def _write_regression(result: Any, regression: tuple[str, pd.DataFrame], cov_type: str, cluster: str | None,
                      folder: Path) -> None:
    """regression.csv and regression.txt into ``folder``; events left out are named on stderr too."""
    import warnings

    from eventstudy.stats import regression as reg

    formula, data = regression
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", reg.RegressionWarning)
        fitted = reg.regress(result, formula, data, cov_type=cov_type, cluster=cluster)
    for w in caught:
        if issubclass(w.category, reg.RegressionWarning):
            click.echo(f"note: regression: {w.message}", err=True)
    atomic.write_csv(reg.coefficients(fitted), folder / "regression.csv", index=False)
    atomic.write_text(folder / "regression.txt", reg.summary_text(fitted, formula))


@cli.command("calendar-time")
@_returns_option
@_prices_option
@click.option("--events", "events_path", required=True, type=click.Path(dir_okay=False),
              help="CSV with columns symbol,date (and the --weights column).")
@click.option("--factors", "factor_paths", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="Kenneth French factor CSV as published (repeatable: research factors plus momentum).")
@click.option("--model", default="ff3", show_default=True, type=click.Choice(["capm", "ff3", "carhart", "ff5"]))
@click.option("--holding", default="0:250", show_default=True, help="Holding window A:B, trading days from day 0.")
@click.option("--weights", help="A column of the events file (a market value, say): adds a value-weighted portfolio.")
@click.option("--lags", type=click.IntRange(min=0), help="Newey-West lags (default floor(4 (T/100)^(2/9))).")
@click.option("--event-day", default="previous", show_default=True, type=click.Choice(["previous", "next", "skip"]))
@click.option("--percent", is_flag=True, help="--returns are in percent.")
@click.option("--min-securities", default=1, show_default=True, type=click.IntRange(min=1),
              help="Fewest securities held for a day to enter the regression.")
@click.option("--out", default="calendar-time-output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for portfolio.csv and alpha.csv (replaced as a whole).")
def calendar_time_cmd(returns_path: str | None, prices_path: str | None, events_path: str,
                      factor_paths: Sequence[str], model: str, holding: str, weights: str | None, lags: int | None,
                      event_day: str, percent: bool, min_securities: int, out: str) -> None:
    """Calendar-time portfolios: alpha of the securities in their holding window, Newey-West t."""
    with startup.heavy_imports():
        import pandas as pd

        from eventstudy.data.french import combine
        from eventstudy.stats.calendar_time import MODELS, CalendarTime
        from eventstudy.stats.returns import to_returns
        from eventstudy.stats.windows import parse_relative

    if bool(returns_path) == bool(prices_path):
        raise UserError("give exactly one of --returns and --prices")
    window = parse_relative(holding, what="--holding")
    out_dir = _check_out(out, "calendar-time", inputs=(returns_path, prices_path, events_path, *factor_paths))
    factors = combine(factor_paths, (*MODELS[model], "RF"))
    data = _read_wide(returns_path or prices_path or "", "--returns" if returns_path else "--prices")
    events = _read_events(events_path)
    if returns_path:
        _check_returns(data, returns_path, percent)
        data = data / 100 if percent else data
    else:
        data = pd.DataFrame({c: to_returns(data[c].dropna()) for c in data.columns}).reindex(data.index)
    ct = CalendarTime(data, events, factors, model=model, holding=window, weights=weights, lags=lags,
                      event_day=event_day, min_securities=min_securities)

    def fill(staged: Path) -> Any:
        done = ct.fit()
        atomic.write_csv(done.portfolio, staged / "portfolio.csv", index=False)
        atomic.write_csv(done.regressions, staged / "alpha.csv", index=False)
        return done

    result = _publish(out_dir, fill, "calendar-time")
    click.echo(f"Calendar-time portfolios, {model}, holding {window.label}:")
    click.echo(result.summary())
    click.echo(f"wrote portfolio.csv, alpha.csv to {_folder(out)}")


# -- registry and events -------------------------------------------------------------------
@cli.command("events")
@click.option("--events", "events_path", default="events.csv", show_default=True, type=click.Path(dir_okay=False))
@pass_ctx
def events_cmd(ctx: _Ctx, events_path: str) -> None:
    """Validate the events file and list its events and claims."""
    from eventstudy.news.events import load_events

    for e in load_events(events_path, ctx.registry()):
        when = f"{e.date} {e.time.strftime('%H:%M') if e.time else '(time unknown)'} {e.timezone}"
        click.echo(f"{e.id:<24} {when:<38} {e.certainty:<10} {e.title}")
        for c in e.claims:
            click.echo(f"{'':<24} claim: {c.format()}")


@cli.command("securities")
@pass_ctx
def securities_cmd(ctx: _Ctx) -> None:
    """List the securities registry and its groups."""
    reg = ctx.registry()
    for s in reg:
        click.echo(f"{s.symbol:<12} {s.exchange:<7} {s.kind:<6} {s.benchmark or '':<11} {s.name}"
                   + (f"  [{', '.join(s.groups)}]" if s.groups else ""))


# -- claims read from articles ---------------------------------------------------------------
def _article_date(value: str | None) -> Any:
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"bad date {value!r}", field="--date", hint="write YYYY-MM-DD, e.g. 2026-01-14") from None


def _reference_events(ctx: _Ctx, events_path: str | None) -> list:
    """The user's events (for listing events and taken ids); the default file may be absent."""
    from eventstudy.news.events import load_events

    path = Path(events_path or "events.csv")
    if events_path is None and not path.exists():
        return []
    return load_events(path, ctx.registry())


def _proposals(articles: Sequence[str], date: str | None, aliases: str | None) -> list:
    from eventstudy.news.extract import load_aliases, propose_file

    table = load_aliases(aliases)
    when = _article_date(date)
    found = [propose_file(a, date=when, aliases=table) for a in articles]
    for a in found:
        for line in a.warnings:
            click.echo(f"warning: {line}", err=True)
    return found


def _given_time(time_text: str | None, zone_name: str | None, articles: int) -> Any:
    """--time and --timezone, checked; None without --time."""
    import datetime as dt
    import re

    from eventstudy.news.events import TIMEZONE_HINT, parse_timezone
    from eventstudy.news.extract.event_time import GivenTime

    if time_text is None:
        if zone_name is not None:
            # Stated times are read on the exchange's own clock: a zone alone would change nothing.
            raise UserError("it says where --time is read, but no --time was given", field="--timezone",
                            hint="add --time HH:MM, or leave --timezone out")
        return None
    if articles > 1:
        raise UserError("--time gives one article's announcement time, but several articles were given",
                        field="--time")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", time_text.strip())
    if m is None:
        raise UserError(f"bad time {time_text!r}", field="--time", hint="write HH:MM on the 24-hour clock, e.g. 16:30")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        what = "hour" if hour > 23 else "minute"
        raise UserError(f"bad time {time_text!r}: the {what} is out of range", field="--time",
                        hint="write HH:MM on the 24-hour clock, 00:00 to 23:59, e.g. 16:30")
    if zone_name is not None:
        try:
            parse_timezone(zone_name)
        except ValueError:
            raise UserError(f"unknown time zone {zone_name!r}", field="--timezone", hint=TIMEZONE_HINT) from None
    return GivenTime(dt.time(hour, minute), zone_name)


def _stated_row(a: Any) -> dict[str, object] | None:
    t = a.stated_time
    if t is None:
        return None
    return {"slot": t.slot, "phrase": t.phrase, "day": t.day, "start": t.start, "end": t.end,
            "date": a.stated_day.isoformat() if a.stated_day else None, "announcement": t.announcement}


def _claim_line(c: Any) -> str:
    from eventstudy.news.extract.claims import threshold_percent

    when = f"{c.date} ({c.date_note})" if c.date else "no date"
    return (f"  {c.confidence:.2f}  {c.kind}({c.target}) {c.op} {threshold_percent(c.threshold)}  "
            f"[{c.horizon}; {c.language}; {when}]\n        {c.start}-{c.end}: {c.quote!r}  ({c.subject})")


def _unknown_line(u: Any) -> str:
    return (f"  not proposed: {u.stated} of {u.name!r}, not in the registry (to check it, add it to a --securities "
            f"file and its name to an --aliases file)\n        {u.start}-{u.end}: {u.quote!r}")


_ARTICLE_OPTIONS = [
    click.option("--date", help="The article's date, YYYY-MM-DD (default: the first full date written in it)."),
    click.option("--aliases", type=click.Path(dir_okay=False),
                 help="A CSV alias,target[,language,note] extending the shipped alias table."),
    click.option("--events", "events_path", type=click.Path(dir_okay=False),
                 help="Your events file, for listing events (default: events.csv if present)."),
    click.option("--min-confidence", default=0.5, show_default=True, type=click.FloatRange(0, 1),
                 help="Claims below this confidence are shown but not written or checked."),
    click.option("--source", "source_url", help="Web address of the article (one article only; default: file://)."),
    click.option("--time", "time_text", metavar="HH:MM",
                 help="Time of the announcement on its date (24-hour clock; one article only): places day 0 and "
                      "makes the timing known. Default: the time the article states, else unknown."),
    click.option("--timezone", "zone_name", metavar="ZONE",
                 help="IANA zone --time is read in (default: the zone of the target's exchange)."),
]


def _article_options(f: Any) -> Any:
    for option in reversed(_ARTICLE_OPTIONS):
        f = option(f)
    return f


@cli.group("claims")
def claims_group() -> None:
    """Read market claims from news articles."""


@claims_group.command("extract")
@click.argument("articles", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_article_options
@click.option("--json", "as_json", is_flag=True, help="Print the proposed claims as JSON.")
@click.option("--to-events", "to_events", type=click.Path(dir_okay=False),
              help="Append the accepted claims to this events CSV (created if absent), to confirm by hand.")
@pass_ctx
def claims_extract(ctx: _Ctx, articles: Sequence[str], date: str | None, aliases: str | None,
                   events_path: str | None, min_confidence: float, source_url: str | None, time_text: str | None,
                   zone_name: str | None, as_json: bool, to_events: str | None) -> None:
    """Propose the market claims of plain-text ARTICLEs (UTF-8; it, es, ru, en, zh)."""
    if source_url and len(articles) > 1:
        raise UserError("--source names one article's address, but several articles were given", field="--source")
    given = _given_time(time_text, zone_name, len(articles))
    if given is not None and not to_events:
        raise UserError("--time sets the time of the events --to-events writes, but no --to-events was given",
                        field="--time", hint="add --to-events FILE, or leave --time out")
    found = _proposals(articles, date, aliases)
    if as_json:
        import json

        payload = [{"article": a.source, "language": a.language,
                    "language_probability": round(a.language_probability, 4),
                    "date": a.date.isoformat() if a.date else None, "date_note": a.date_note,
                    "stated_time": _stated_row(a), "claims": [c.row() for c in a.claims],
                    "unknown": [u.row() for u in a.unknown]} for a in found]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for a in found:
            when = f"{a.date} ({a.date_note})" if a.date else "no date (give --date)"
            click.echo(f"{a.source}: language {a.language} (p = {a.language_probability:.2f}), date {when}, "
                       f"{len(a.claims)} claim(s)")
            if a.stated_time is not None:
                click.echo(f"  announced {a.stated_time.slot.replace('_', ' ')}: {a.stated_time.quote!r}")
            elif a.time_phrases:
                click.echo("  announcement time unclear: " + ", ".join(repr(t.quote) for t in a.time_phrases))
            for c in a.claims:
                click.echo(_claim_line(c))
            for u in a.unknown:
                click.echo(_unknown_line(u))
    if to_events:
        from eventstudy.news.extract.to_events import build_events, write_events

        registry = ctx.registry()
        reference = _reference_events(ctx, events_path)
        sources = {articles[0]: source_url} if source_url else None
        events, skipped = build_events(found, registry, reference=reference, min_confidence=min_confidence,
                                       sources=sources, given=given)
        for sk in skipped:
            click.echo(f"not written: {sk.claim.kind}({sk.claim.target}) from {sk.claim.source}: {sk.why}", err=True)
        write_events(to_events, events, registry, reference)
        n = sum(len(e.claims) for e in events)
        click.echo(f"wrote {n} claim(s) in {len(events)} event(s) to {to_events}", err=as_json)


@cli.command("check", epilog=CHECK_EXIT_CODES)
@click.argument("article", type=click.Path(dir_okay=False))
@_article_options
@pass_ctx
def check_cmd(ctx: _Ctx, article: str, date: str | None, aliases: str | None, events_path: str | None,
              min_confidence: float, source_url: str | None, time_text: str | None, zone_name: str | None) -> None:
    """Read ARTICLE's claims and give each a verdict from the stored prices, in one step.

    The claims' date (--date, or a day a claim's sentence names) is taken as the announcement's. Its
    time of day comes from --time, else from the article's own words said of the announcement ("after
    the close on Tuesday", "before the open", "premarket", "midday", 收盘后, 盘前, "tras el cierre",
    "dopo la chiusura", "после закрытия"...: mapped onto the exchange's hours); a time places day 0
    (after the close: the next session) and makes the timing known. Without one the timing stays
    uncertain, and no verdict can be stronger than inconclusive.
    """
    with startup.heavy_imports():
        from eventstudy.formatting import pct
        from eventstudy.news import pipeline
        from eventstudy.news.extract.claims import threshold_percent
        from eventstudy.news.extract.event_time import timing_note
        from eventstudy.news.extract.to_events import build_events
        from eventstudy.news.verdicts import CANNOT_TELL
        from eventstudy.news.verdicts import evaluate as evaluate_claims

    given = _given_time(time_text, zone_name, 1)
    found = _proposals([article], date, aliases)
    registry = ctx.registry()
    reference = _reference_events(ctx, events_path)
    events, skipped = build_events(found, registry, reference=reference, min_confidence=min_confidence,
                                   sources={article: source_url} if source_url else None, given=given)
    # Claims below --min-confidence are shown, but were never proposed for checking: they do not count.
    wanted = [sk for sk in skipped if sk.claim.confidence >= min_confidence]
    # Moves of companies outside the registry could not be checked either: named, and counted.
    unknown = [u for a in found for u in a.unknown]
    total = len(wanted) + sum(len(e.claims) for e in events) + len(unknown)
    with ctx.store().pinned() as store:  # one generation for the whole check
        if events and not store.symbols():
            raise _empty_store(store)
        for sk in skipped:
            c = sk.claim
            click.echo(f"[not checked] {c.kind}({c.target}) {c.op} {threshold_percent(c.threshold)}: "
                       f"{c.quote!r}: {sk.why}")
        for u in unknown:
            click.echo(f"[not checked] {u.stated} of {u.name!r}: {u.quote!r}: not in the registry (add it to a "
                       "--securities file and its name to an --aliases file)")
        if not events:
            click.echo(f"no claim of {article} can be checked" if found[0].claims
                       else f"no market claim found in {article}")
            _check_exit(0, total)
            return
        for e in events:
            when = f"{e.date} {e.time.strftime('%H:%M') if e.time else '(time unknown)'} {e.timezone}"
            click.echo(f"event {e.id}: {when}, {e.certainty}: {timing_note(e.notes)}")
        result = pipeline.run([*reference, *events], store, registry, only=[e.id for e in events])
        verdicts = evaluate_claims(result, store)
    checked = 0
    for v in verdicts:
        checked += v.verdict != CANNOT_TELL
        click.echo(f"[{v.verdict}] {v.claim.format()}\n    fact: {v.fact_text}\n    cause: {v.cause_text}")
        if v.placebo is not None:
            click.echo(f"    placebo: {v.placebo.text()}")
        click.echo(f"    measured {pct(v.measured)}: {v.reason}")
    _check_exit(checked, total)


def _check_exit(checked: int, total: int) -> None:
    """The summary line, and exit 1 when a claim proposed for checking got no verdict."""
    if total:
        click.echo(f"checked {checked} of {total} claims")
    if checked < total:
        sys.exit(EXIT_FAILED)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit code 2, a failing machine exit 1."""
    atomic.arm_crash_timer()
    startup.one_blas_thread_per_process()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="eventstudy", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("eventstudy: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        click.echo(f"eventstudy: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except EnvironmentFailure as exc:
        click.echo(f"eventstudy: error: {exc.one_line()}", err=True)
        sys.exit(EXIT_FAILED)
    except UserError as exc:
        click.echo(f"eventstudy: error: {exc.one_line()}", err=True)
        sys.exit(EXIT_USAGE)
    except locks.LockHeld as exc:
        click.echo(f"eventstudy: error: {exc.what} is locked by {exc.holder}", err=True)
        sys.exit(EXIT_LOCKED)
    except OSError as exc:
        click.echo(f"eventstudy: error: {_environment(exc)}", err=True)
        sys.exit(EXIT_FAILED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    finally:
        # A host that runs commands in-process (argv given: the tests) gets its garbage collector
        # back as it was; the process's own command line exits next, and unfrozen objects would
        # only make the interpreter's shutdown walk them all once more (0.1 s of a study).
        if argv is not None:
            startup.release()


def _environment(exc: OSError) -> str:
    """A failing machine in one line: where, what, and that nothing was replaced."""
    where = f"{exc.filename}: " if exc.filename else ""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what += " (free some space and run again)"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        what += " (the folder is read-only for this user)"
    return f"{where}{what}; nothing was replaced"


if __name__ == "__main__":
    main()
