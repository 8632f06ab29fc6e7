"""`eventstudy events` and `eventstudy securities`: the events file and the registry, checked and listed."""

from __future__ import annotations

import click

from eventstudy.cli.base import _Ctx, cli, pass_ctx


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
