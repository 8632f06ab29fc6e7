"""`eventstudy run` and `eventstudy refresh`: the news-claims run over events.csv, its reports, and the
scheduled refresh that keeps prices and reports current."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventstudy import atomic, console, leftovers, locks
from eventstudy.cli.base import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    OFFLINE_HINT,
    _check_figures,
    _check_out,
    _check_windows,
    _Ctx,
    _empty_store,
    _fallback_option,
    _figure_format_option,
    _figure_formats,
    _figures_option,
    _no_events,
    _publish,
    cli,
    echo_answers,
    pass_ctx,
)
from eventstudy.cli.prices import _fetch_targets, _file_digest, _plan_imports, _source_files
from eventstudy.cli.study import _factor_option
from eventstudy.errors import EnvironmentFailure, UserError
from eventstudy.stats import startup  # numpy-free: the process's start, before any statistics

if TYPE_CHECKING:
    import pandas as pd

    from eventstudy.news.verdicts import Verdict


def _yahoo_wanted(ctx: _Ctx, store: Any, events: Sequence[Any]) -> list[tuple[str, str]]:
    """Every event's securities and benchmarks that Yahoo may fill: missing from the store, or
    stored from Yahoo. Imported series are never overwritten by Yahoo data (their adjustment may differ)."""
    names = sorted({t for e in events for t in e.targets})
    return [(s, x) for s, x in _fetch_targets(ctx, names) if not store.has(s) or store.meta(s).get("source") == "yahoo"]


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
                                 "dimson", "ff3", "carhart", "ff5", "garch"]),
              help="Normal-return model; two-index adds each security's sector_index from the registry; ff3, "
              "carhart and ff5 need --factors; garch is the market model with GARCH(1,1) errors.")
@click.option("--factors", "factor_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Kenneth French daily factor CSV as published, for ff3/carhart/ff5 (repeatable: research "
              "factors plus momentum). Sessions the file lacks are left out and counted per event, never filled.")
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
            factor_paths: Sequence[str], estimation: str, missing: str, min_estimation: int, window: str,
            cars: Sequence[str],
            fallback: str, proxy: str | None, figures: str | None, figure_format: str) -> None:
    """Study every event in the events file, evaluate its claims, and write the reports."""
    with startup.heavy_imports():
        from eventstudy.news import pipeline
        from eventstudy.news.events import load_events
        from eventstudy.news.verdicts import evaluate as evaluate_claims
        from eventstudy.report import write_reports
        from eventstudy.stats.windows import Estimation, default_cars, parse_relative

    out_dir = _check_out(out, "report", inputs=(events_path, ctx._securities, *factor_paths))
    formats = _figure_formats(figures, figure_format)
    figures_dir = _check_figures(figures, out_dir, (events_path, ctx._securities, *factor_paths))
    event_window = parse_relative(window, what="--window")
    est_window = parse_relative(estimation, what="--estimation")
    _check_windows(est_window, event_window, min_estimation)
    factors = _factor_option(model, factor_paths)
    registry = ctx.registry()
    events = load_events(events_path, registry)
    if not events:
        raise _no_events(events_path)
    _check_run_size(events, events_path, only)
    _check_factor_span(factors, events, only)
    settings = pipeline.Settings(
        model=model,
        estimation=Estimation(est_window, min_days=min_estimation),
        window=event_window,
        cars=tuple(parse_relative(c, what="--car") for c in cars) or default_cars(event_window),
        missing=missing,
        fallback=fallback,
        factors=factors,
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
    click.echo(f"wrote {len(paths)} file(s) to {console.folder(out)}")
    if figures_dir is not None:
        from eventstudy.report.figures import write_run_figures

        drawn = _publish(figures_dir, lambda staged: write_run_figures(result, staged, formats), "figures")
        click.echo(f"wrote {len(drawn)} figure file(s) to {console.folder(str(figures))}")


def _check_factor_span(factors: pd.DataFrame | None, events: Sequence[Any], only: Sequence[str]) -> None:
    """Refused at once: factor files whose dates reach none of the events (every study would fall back
    without a factor model). A file covering some of them is used, and each event's missing sessions
    are counted in its note."""
    if factors is None:
        return
    import pandas as pd

    names = ", ".join(factors.attrs.get("sources", [])) or "the --factors file"
    if factors.attrs.get("frequency") == "monthly":
        raise UserError(f"{names}: monthly factors, and run studies daily returns", field="--factors",
                        hint="use the library's daily file, e.g. F-F_Research_Data_Factors_daily.CSV")
    dates = [pd.Timestamp(e.date) for e in events if not only or e.id in only]
    have = factors.dropna(how="all").index
    if not dates or have.empty:
        return
    lo, hi = have.min(), have.max()
    if all(d < lo or d > hi for d in dates):
        raise UserError(f"{names} covers {lo.date()} to {hi.date()}, and no event falls inside it (events from "
                        f"{min(dates).date()} to {max(dates).date()})", field="--factors",
                        hint="give a factor file that covers the events' dates and their estimation windows")


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
    echo_answers(v)
    for st in v.statements:
        click.echo(f"    {st.question}: {st.answer} - {st.text}")
    click.echo(f"    verdict: {v.verdict} - {v.reason}")


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
        click.echo(f"nothing changed: the reports in {console.folder(str(out))} are current")
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
    click.echo(f"wrote {len(paths)} file(s) to {console.folder(str(out))} ({len(changes)} verdict change(s))")
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
