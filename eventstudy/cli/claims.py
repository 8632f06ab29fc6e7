"""`eventstudy claims extract` and `eventstudy check`: market claims read from news articles."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from eventstudy.cli.base import CHECK_EXIT_CODES, EXIT_FAILED, _Ctx, _empty_store, cli, echo_answers, pass_ctx
from eventstudy.errors import UserError
from eventstudy.stats import startup  # numpy-free: the process's start, before any statistics


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


def _proposals(articles: Sequence[str], date: str | None, aliases: str | None, jobs: int | None = None) -> list:
    from eventstudy.news.extract.batch import propose_files

    found = propose_files(articles, date=_article_date(date), aliases=aliases, jobs=jobs)
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
    period = f", {c.period.label}" if c.period is not None else ""
    note = f"\n        period: {c.period_note}" if c.period_note else ""
    return (f"  {c.confidence:.2f}  {c.kind}({c.target}{period}) {c.op} {threshold_percent(c.threshold)}  "
            f"[{c.horizon}; {c.language}; {when}]\n        {c.start}-{c.end}: {c.quote!r}  ({c.subject}){note}")


def _unknown_line(u: Any) -> str:
    return (f"  not proposed: {u.stated} of {u.name!r}, not in the registry (to check it, add it to a --securities "
            f"file and its name to an --aliases file)\n        {u.start}-{u.end}: {u.quote!r}")


def _uncheckable_line(u: Any) -> str:
    return (f"  not proposed: {u.stated} of {u.target} ({u.name}): {u.moment}, which daily prices cannot check\n"
            f"        {u.start}-{u.end}: {u.quote!r}")


_ARTICLE_OPTIONS = [
    click.option("--date", help="The article's date, YYYY-MM-DD (default: the first full date written in it)."),
    click.option("--aliases", type=click.Path(dir_okay=False),
                 help="A CSV alias,target[,language,note] extending the shipped alias table."),
    click.option("--events", "events_path", type=click.Path(dir_okay=False),
                 help="Your events file, for listing events (default: events.csv if present)."),
    click.option("--min-confidence", default=0.8, show_default=True, type=click.FloatRange(0, 1),
                 help="Claims below this confidence are shown but not written or checked (on real news, "
                      "proposals at 0.8 or more were right 9 times in 10)."),
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
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes for many articles (default: this machine's CPUs, from 64 articles up).")
@pass_ctx
def claims_extract(ctx: _Ctx, articles: Sequence[str], date: str | None, aliases: str | None,
                   events_path: str | None, min_confidence: float, source_url: str | None, time_text: str | None,
                   zone_name: str | None, as_json: bool, to_events: str | None, jobs: int | None) -> None:
    """Propose the market claims of plain-text ARTICLEs (UTF-8; it, es, ru, en, zh)."""
    if source_url and len(articles) > 1:
        raise UserError("--source names one article's address, but several articles were given", field="--source")
    given = _given_time(time_text, zone_name, len(articles))
    if given is not None and not to_events:
        raise UserError("--time sets the time of the events --to-events writes, but no --to-events was given",
                        field="--time", hint="add --to-events FILE, or leave --time out")
    found = _proposals(articles, date, aliases, jobs)
    if as_json:
        import json

        payload = [{"article": a.source, "language": a.language,
                    "language_probability": round(a.language_probability, 4),
                    "date": a.date.isoformat() if a.date else None, "date_note": a.date_note,
                    "stated_time": _stated_row(a), "claims": [c.row() for c in a.claims],
                    "unknown": [u.row() for u in a.unknown],
                    "uncheckable": [u.row() for u in a.uncheckable]} for a in found]
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
            for m in a.uncheckable:
                click.echo(_uncheckable_line(m))
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
        # Said of another moment than a close: recognised and shown, but no claim a close could answer
        for m in (m for a in found for m in a.uncheckable):
            click.echo(f"[not checkable] {m.stated} of {m.target}: {m.quote!r}: {m.moment}, which daily prices "
                       "cannot check")
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
        click.echo(f"[{v.verdict}] {v.claim.format()}")
        echo_answers(v)
        click.echo(f"    measured {pct(v.measured)}: {v.reason}")
    _check_exit(checked, total)


def _check_exit(checked: int, total: int) -> None:
    """The summary line, and exit 1 when a claim proposed for checking got no verdict."""
    if total:
        click.echo(f"checked {checked} of {total} claims")
    if checked < total:
        sys.exit(EXIT_FAILED)
