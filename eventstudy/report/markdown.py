"""The Markdown pages, built in Python rather than a template: Markdown tables and lists are
whitespace-sensitive, and explicit line building keeps every row on one line whatever the content.

Every piece of text that comes from the data files passes through :func:`.escape.md` (or
:func:`.escape.md_link` for links), so it can never open a tag, a link or a block; numbers and the
report's own words are written as they are. Charts are inline SVG, which Markdown viewers do not
show: the Markdown page links to its HTML twin for them.
"""

from __future__ import annotations

from .conclusion import Line
from .context import Card, EventHeader, IndexView, Page
from .escape import clean, md, md_block, md_link
from .tables import Cell, Table


def _cell(c: Cell) -> str:
    text = md(c.text)
    if c.href:
        return f"[{text}]({c.href.replace('.html', '.md', 1)})"
    return f"**{text}**" if c.strong and text else text


def table(t: Table) -> list[str]:
    aligns = ["---:" if n else "---" for n in (t.numeric or [False] * len(t.headers))]
    lines = ["| " + " | ".join(md(h) for h in t.headers) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return [*lines, ""]


def _card(c: Card, event_link: str) -> list[str]:
    out = [f"### {md(c.fact).upper()} {c.measured} (claim: {md(c.claim_words)}): “{md(c.quote)}”", "",
           f"**{md(c.cause_question)}** {md(c.cause).upper()}: {md(c.cause_why)}", ""]
    if c.placebo:
        out += [md_block(c.placebo), ""]
    out += [f"Verdict: **{md(c.verdict)}**" + (f". {md(c.why)}" if c.why else ""), ""]
    if c.badges:
        out += ["Caveats: " + ", ".join(f"*{md(b)}*" for b in c.badges), ""]
    for s in c.statements:
        out.append(f"- **{md(s.question)}** {md(s.answer)}: {md(s.text)}")
    if c.statements:
        out.append("")
    out += [f"Event [{md(c.event_id)}]({event_link}) · {md_link('source', c.source)} · {md(c.condition)}", "",
            f"All the numbers: {md(c.reason)}", ""]
    if c.p_adjusted:
        out += [f"p across the run's claims: {md(c.p_adjusted)}", ""]
    if c.robustness is not None:
        out += [f"Robustness ({md(c.robust)}):", "", *table(c.robustness)]
    return out


def _meta(e: EventHeader) -> list[str]:
    out = [f"- **When:** {md(e.when)}"]
    if e.time_note:
        out.append(f"- **Time:** {md(e.time_note)}")
    out.append(f"- **Source:** {md_link(e.source, e.source)}")
    out.append(f"- **Certainty:** {md(e.certainty)}" + (f": {md(e.uncertain)}" if e.uncertain else ""))
    if e.notes:
        out.append(f"- **Notes:** {md(e.notes)}")
    return [*out, ""]


def _lede(lines: list[Line]) -> list[str]:
    out = []
    for line in lines:
        items = []
        for i in line.items:
            text = md(i.subject) + (": " if i.subject and (i.answer or i.detail) else "")
            text += (f"**{md(i.answer).upper()}**" + (" " if i.detail else "")) if i.answer else ""
            items.append(text + md(i.detail))
        out += [f"> **{md(line.label)}** " + "; ".join(items), ">"]
    return [*out[:-1], ""] if out else []


def _finish(lines: list[str]) -> str:
    return clean("\n".join(lines).rstrip("\n") + "\n")


def index(v: IndexView) -> str:
    lines = [f"# {md(v.title)}", "", f"{len(v.cards)} claim(s) from {len(v.events)} event(s).", "", "## Claims", ""]
    for c in v.cards:
        lines += _card(c, f"events/{c.page}.md")
    if not v.cards:
        lines += ["No event carries a claim.", ""]
    lines += ["## Events, newest first", ""]
    lines += [f"{k}. {e.date} [{md(e.id)}](events/{e.page}.md): {md(e.title)}"
              + "".join(f" **{md(x)}**" for x, _ in e.verdicts)
              for k, e in enumerate(v.events, 1)]
    p = v.provenance
    lines += ["", "## Provenance", "", f"Generated at {p.generated_at}", "",
              f"By eventstudy-claims {md(p.version)}. The numbers at full precision are in "
              + ", ".join(f"[{f}]({f})" for f in v.csv_files) + ".", ""]
    lines += [f"- **{md(k)}:** {md(val)}" for k, val in p.settings] + [""]
    lines += [f"**Warning:** {md(w)}" + "\n" for w in p.warnings]
    if p.series:
        lines += table(p.series)
    lines += ["## Methods", ""]
    for heading, items in v.methods:
        lines += [f"### {heading}", ""] + [f"- {md(i)}" for i in items] + [""]
    lines += ["### References", ""] + [f"- {md(r)}" for r in v.references] + [""]
    return _finish(lines)


def event(p: Page) -> str:
    lines = ["[← All claims and events](../index.md)", "", f"# {md(p.title)}", "", *_lede(p.lede)]
    if len(p.events) > 1:
        lines += ["These announcements are one study: they name the same securities, and each group is studied "
                  "on the same day 0, so the numbers below serve all of them and none can be told apart from the "
                  "others. A security whose day 0 differs between them is shown once for each.", ""]
        for e in p.events:
            lines += [f"## {md(e.id)}: {md(e.title)}", "", *_meta(e)]
    else:
        lines += [f"Event {md(p.events[0].id)}", "", *_meta(p.events[0])]
    if p.cards:
        lines += ["## Claims", ""]
        for c in p.cards:
            lines += _card(c, f"{p.stem}.md")
    if not p.studied:
        lines += ["## Not studied", "", "No security of this event has usable prices around day 0.", ""]
        lines += [f"- {md(x)}" for x in p.missing] + [""]
    n_charts = len(p.charts.shown) + len(p.charts.folded)
    if n_charts:
        lines += ["## Charts", "", f"{n_charts} chart(s) in the HTML version of this page: "
                  f"[{p.stem}.html]({p.stem}.html).", ""]
    if p.day0:
        lines += ["## Day 0", "", *table(p.day0)]
    if p.cars:
        lines += ["## Returns by window", "",
                  "Raw return, CAR and BHAR over each window; t and p from the time-series test of the CAR.", "",
                  *table(p.cars)]
    if p.volume:
        lines += ["## Trading volume", ""]
        for x in p.volume.lines:
            lines += [md(x), ""]
        lines += [f"- {md(x)}" for x in p.volume.absent] + ([""] if p.volume.absent else [])
        if p.volume.table is not None:
            lines += [md(p.volume.caption), "", *table(p.volume.table)]
    if p.batteries:
        lines += ["## Group tests", ""]
        for b in p.batteries:
            lines += [f"### {md(b.target)} ({b.n_members} members studied)", "",
                      f"{md(b.correlation)}. {md(b.lead_note)}", "", *table(b.table)]
    if p.not_studied:
        lines += ["### Members not studied", ""] if p.batteries else ["## Members not studied", ""]
        lines += [f"- {md(x)}" for x in p.not_studied] + [""]
    if p.studied:
        lines += ["## Other events in the window", ""]
        lines += table(p.confounders) if p.confounders else ["None.", ""]
    if p.quality:
        lines += ["## Data quality", ""]
        lines += [f"- {md(q)}" for q in p.quality.sentences] if p.quality.sentences else [
            "No issue recorded on the sessions of the event window."]
        if p.quality.older:
            lines += ["", f"{p.quality.older_count} older issue(s) outside the event window:", ""]
            lines += [f"- {md(q)}" for q in p.quality.older]
        lines += [""]
    return _finish(lines)
