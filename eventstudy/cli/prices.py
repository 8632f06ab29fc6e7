"""`eventstudy prices ...`: import, fetch, status, remove, source and export of the stored prices."""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventstudy import console
from eventstudy.cli.base import EXIT_FAILED, _Ctx, cli, pass_ctx
from eventstudy.errors import UserError

if TYPE_CHECKING:
    import pandas as pd


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

