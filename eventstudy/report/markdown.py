"""The Markdown report, built in Python rather than a template: Markdown tables and lists are
whitespace-sensitive, and explicit line building keeps every row on one line whatever the content."""

from __future__ import annotations

from eventstudy.formatting import md_cell

from .context import Cell, EventView, ReportView, Table


def _cell(c: Cell) -> str:
    text = md_cell(c.text)
    return f"**{text}**" if c.strong and text else text


def table(t: Table) -> list[str]:
    aligns = ["---:" if n else "---" for n in (t.numeric or [False] * len(t.headers))]
    lines = ["| " + " | ".join(md_cell(h) for h in t.headers) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return [*lines, ""]


def _event(ev: EventView) -> list[str]:
    out = [f"### {ev.id}: {md_cell(ev.title)}", ""]
    out.append(f"- **When:** {ev.when}")
    if ev.time_note:
        out.append(f"- **Time:** {ev.time_note}")
    out.append(f"- **Source:** <{ev.source}>")
    out.append(f"- **Certainty:** {ev.certainty}" + (f": {ev.uncertain}" if ev.uncertain else ""))
    if ev.notes:
        out.append(f"- **Notes:** {ev.notes}")
    for c in ev.claims:
        out.append(f"- **Claim:** {c}")
    out.append("")
    if not ev.studied:
        out += ["**Not studied:** no security of this event has usable prices around day 0.", ""]
        out += [f"- {m}" for m in ev.missing] + [""]
    if ev.day0 is not None:
        out += ["#### Day 0", "", *table(ev.day0)]
    if ev.cars is not None:
        out += ["#### Abnormal returns by CAR window", "",
                "Raw return, CAR and BHAR over each window; t and p from the time-series test of the CAR.", "",
                *table(ev.cars)]
    for b in ev.batteries:
        out += [f"#### Tests for the group {b.target} ({b.n_members} members studied)", "",
                f"{b.correlation}. {b.lead_note}", "", *table(b.table)]
    for title, t in ev.robustness:
        out += [f"#### Robustness of {md_cell(title)}", "", *table(t)]
    for line in ev.same_study:
        out += [f"- {md_cell(line)}"]
    if ev.same_study:
        out += [""]
    if ev.studied and ev.not_studied:
        out += ["#### Members not studied", ""] + [f"- {m}" for m in ev.not_studied] + [""]
    if ev.confounders is not None:
        out += ["#### Other events inside this event's window", "", *table(ev.confounders)]
    elif ev.studied:
        out += ["#### Other events inside this event's window", "", "None.", ""]
    if ev.quality:
        out += ["#### Data quality", ""] + [f"- {q}" for q in ev.quality] + [""]
    if ev.charts:
        out += ["#### Charts", ""]
        for ch in ev.charts:
            out += [f"![{md_cell(ch.title)}]({ch.path})", "", f"*{ch.caption}*", ""]
    return out


def render(view: ReportView) -> str:
    n_claims = len(view.claims.rows)
    lines = [
        f"# {view.title}", "",
        f"{len(view.events)} event(s), {n_claims} claim(s). Returns are shown as percentages; the same numbers, "
        "as fractions at full precision, are in results.csv, claims.csv and tests.csv beside this report.", "",
        "## Claims", "",
    ]
    lines += table(view.claims) if n_claims else ["No event carries a claim.", ""]
    lines += ["## Events", ""]
    for ev in view.events:
        lines += _event(ev)
    lines += ["## Methods", ""]
    for heading, items in view.methods:
        lines += [f"### {heading}", ""] + [f"- {i}" for i in items] + [""]
    lines += ["### References", ""] + [f"- {r}" for r in view.references] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
