"""Proposed claims -> events: accepted claims become events.csv rows (for a person to confirm) or
events in memory (for ``eventstudy check``), checked against the registry like any events file."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import regex

from eventstudy.atomic import write_via
from eventstudy.data.securities import Registry
from eventstudy.errors import UserError
from eventstudy.news.events import (
    OPTIONAL_COLUMNS,
    PERIOD_KIND,
    REQUIRED_COLUMNS,
    Event,
    format_claims,
    listing_event,
    load_events,
)
from eventstudy.news.extract.article import ArticleClaims
from eventstudy.news.extract.claims import ProposedClaim
from eventstudy.news.extract.event_time import TIMING_MARK, GivenTime, timing_of

COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


@dataclass(frozen=True)
class Skipped:
    claim: ProposedClaim
    why: str


def _why_not(c: ProposedClaim, registry: Registry, min_confidence: float, reference: Sequence[Event]) -> str | None:
    if c.kind == PERIOD_KIND and c.period is None:
        return c.period_note or "period unknown"
    if not c.evaluable:
        return f"{c.kind} is not a claim kind the tool evaluates yet"
    if c.confidence < min_confidence:
        return f"confidence {c.confidence:.2f} is below {min_confidence:.2f}"
    if c.date is None:
        return "no date: give the article's date with --date"
    if not registry.knows(c.target):
        return f"{c.target} is not in the securities registry"
    if c.kind == "group_rally" and not registry.is_group(c.target):
        return f"{c.target} is a symbol, but group_rally needs a group"
    if c.kind not in ("group_rally", PERIOD_KIND) and not registry.is_symbol(c.target):
        return f"{c.target} is a group, but {c.kind} needs a symbol"
    if c.kind == "since_listing":
        listing = listing_event(reference, c.target)
        if listing is None:
            return f"no listing event with an offer price for {c.target} in the events file"
        if listing.date > c.date:
            return f"{c.target} listed on {listing.date}, after the claim's date {c.date}"
    return None


def _slug(text: str) -> str:
    slug = regex.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    return slug or "article"


def build_events(articles: Sequence[ArticleClaims], registry: Registry, *, reference: Sequence[Event] = (),
                 min_confidence: float = 0.8, sources: dict[str, str] | None = None,
                 given: GivenTime | None = None) -> tuple[list[Event], list[Skipped]]:
    """One event per article and date, holding its accepted claims; the claims not accepted, with why.

    ``reference`` is the user's events (for listing events and ids already taken); ``sources`` maps an
    article's path to its web address (default: its ``file://`` URI). The time of day comes from
    ``given`` (``--time``), else from the article's own words (:mod:`.timing`), else stays unknown;
    a known time makes the event ``confirmed`` (see :func:`.event_time.timing_of`).
    """
    taken = {e.id for e in reference}
    events: list[Event] = []
    skipped: list[Skipped] = []
    for art in articles:
        accepted: dict[object, list[ProposedClaim]] = {}
        for c in art.claims:
            why = _why_not(c, registry, min_confidence, reference)
            if why is None:
                accepted.setdefault(c.date, []).append(c)
            else:
                skipped.append(Skipped(c, why))
        stem = _slug(Path(art.source).stem) if art.source else "article"
        for date, claims in accepted.items():
            targets = tuple(dict.fromkeys(c.target for c in claims))
            url = (sources or {}).get(art.source) or Path(art.source).resolve().as_uri()
            when = timing_of(art, date, registry.resolve([targets[0]])[0].exchange, given)  # type: ignore[arg-type]
            notes = (f"proposed by eventstudy claims extract from {Path(art.source).name} (language {art.language}); "
                     f"date {date} from {claims[0].date_note}{TIMING_MARK}{when.note}")
            events.append(_unique(Event(
                id=stem if len(accepted) == 1 else f"{stem}-{date}", date=when.date,
                time=when.time, timezone=when.timezone,
                title=f"Claims read from {Path(art.source).name}", source=url, targets=targets,
                claims=tuple(c.claim() for c in claims), uncertain="" if when.known else notes, notes=notes,
            ), taken))
    return events, skipped


def _unique(e: Event, taken: set[str]) -> Event:
    """The event under an id not yet in ``taken`` (``news``, ``news-2``, ...), which it then takes."""
    event_id, n = e.id, 1
    while event_id in taken:
        n += 1
        event_id = f"{e.id}-{n}"
    taken.add(event_id)
    return e if event_id == e.id else dataclasses.replace(e, id=event_id)


def event_row(e: Event) -> dict[str, str]:
    return {
        "id": e.id, "date": e.date.isoformat(), "time": e.time.strftime("%H:%M") if e.time else "",
        "timezone": e.timezone, "title": e.title, "source": e.source, "targets": ";".join(e.targets),
        "offer_price": "" if e.offer_price is None else repr(e.offer_price), "claims": format_claims(e.claims),
        "certainty": e.certainty, "notes": e.notes,
    }


def write_events(path: str | Path, events: Sequence[Event], registry: Registry,
                 reference: Sequence[Event] = ()) -> Path:
    """Append ``events`` to the events file at ``path`` (created if absent). A since_listing claim
    needs its listing row in the same file: one missing there is copied from ``reference``. The
    result is read back with :func:`load_events` before it replaces the file, so a file that would
    not load is never written."""
    path = Path(path)
    header: list[str] = list(COLUMNS)
    rows: list[dict[str, str]] = []
    existing: list[Event] = []
    if path.exists():
        existing = load_events(path, registry)
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            header += [c for c in COLUMNS if c not in header]
            rows = [{k.strip().lower(): v for k, v in r.items() if k} for r in reader]
    have = {e.id for e in existing}
    events = [_unique(e, have) for e in events]
    added: list[Event] = []
    for e in events:
        for claim in e.claims:
            if claim.kind == "since_listing" and listing_event([*existing, *added], claim.target) is None:
                listing = listing_event(reference, claim.target)
                if listing is not None and listing.id not in have:
                    added.append(listing)
                    have.add(listing.id)
    rows += [event_row(e) for e in [*added, *events]]

    def writer(tmp: Path) -> None:
        buf = io.StringIO()
        out = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        out.writeheader()
        for r in rows:
            out.writerow({k: r.get(k, "") or "" for k in header})
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        try:
            load_events(tmp, registry)
        except UserError as exc:
            raise UserError(f"the events would not load: {exc.message}", file=str(path), field=exc.field,
                            hint=exc.hint) from None

    return write_via(path, writer)
