"""Read and validate ``events.csv`` into :class:`Event` objects with their :class:`Claim`\\ s.

The columns and the claim syntax are documented in ``docs/data-files.md``. Every mistake is raised as
a :class:`~eventstudy.errors.UserError` naming the file, the CSV line (header = line 1) and the column.
Evaluating claims is ``claims.py``'s job; this module only parses them and checks what can be checked
from the files alone (known targets, a listing event for ``since_listing``).
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from eventstudy.data.bounds import MAX_EVENT_ROWS, MAX_EVENTS_BYTES
from eventstudy.data.securities import CsvRecord, Registry, read_csv_records, split_list
from eventstudy.errors import UserError
from eventstudy.news.answers import about_band
from eventstudy.news.periods import PERIOD_HINT, Period, parse_period

PERIOD_KIND = "period_return"  # a move over a period: period_return(TARGET, PERIOD), news.periods
CLAIM_KINDS: tuple[str, ...] = ("session_return", "since_listing", "group_rally", PERIOD_KIND)
# Kinds whose target is one security; group_rally's target is a group; period_return's either.
# Checked against the registry.
SYMBOL_CLAIMS: frozenset[str] = frozenset({"session_return", "since_listing"})
GROUP_CLAIMS: frozenset[str] = frozenset({"group_rally"})
# "~" is "about": true within a band around the figure (news.answers.about_band).
CLAIM_OPS: tuple[str, ...] = (">", ">=", "<", "<=", "~")
CERTAINTIES: tuple[str, ...] = ("confirmed", "uncertain")

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "date", "timezone", "title", "source", "targets")
OPTIONAL_COLUMNS: tuple[str, ...] = ("time", "offer_price", "claims", "certainty", "notes")

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "~": lambda value, figure: abs(value - figure) <= about_band(figure),
}

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})$")


# --------------------------------------------------------------------------------------------------
# Claims


@dataclass(frozen=True)
class Claim:
    """A checkable statement from the news, e.g. ``session_return(2513.HK) > 17%``.

    ``threshold`` is a fraction (17% -> 0.17); ``text`` is the news wording being tested; ``period``
    the period of a ``period_return`` claim (``period_return(^HSI, 2025-08) > 5%``), None otherwise.
    """

    kind: str
    target: str
    op: str
    threshold: float
    text: str
    period: Period | None = None

    def __post_init__(self) -> None:
        # Programmatic construction gets the same guarantees as parsing, so format() always parses back.
        if self.kind not in CLAIM_KINDS:
            raise ValueError(f"unknown claim kind {self.kind!r}; expected one of {', '.join(CLAIM_KINDS)}")
        if self.op not in _COMPARE:
            raise ValueError(f"unknown operator {self.op!r}; expected one of {' '.join(CLAIM_OPS)}")
        if not _TARGET_RE.fullmatch(self.target):
            raise ValueError(f"invalid claim target {self.target!r}")
        if not math.isfinite(self.threshold):
            raise ValueError(f"claim threshold must be finite, got {self.threshold!r}")
        if '"' in self.text or not self.text.strip():
            raise ValueError("claim text must be non-empty and contain no double quote")
        if (self.kind == PERIOD_KIND) != (self.period is not None):
            raise ValueError(f"{PERIOD_KIND} claims, and only they, have a period; {PERIOD_HINT}")
        object.__setattr__(self, "threshold", float(self.threshold))

    def holds(self, value: float) -> bool:
        """Whether an observed value satisfies the claim's comparison (NaN never does)."""
        if value is None or math.isnan(value):
            return False
        return _COMPARE[self.op](float(value), self.threshold)

    def format(self) -> str:
        """The claim in the events.csv syntax; ``parse_claim(c.format()) == c`` for every claim."""
        period = f", {self.period.label}" if self.period is not None else ""
        return f'{self.kind}({self.target}{period}) {self.op} {_format_percent(self.threshold)}% "{self.text}"'

    def __str__(self) -> str:
        return self.format()


def _format_percent(fraction: float) -> str:
    # Decimal of the shortest repr, shifted two places, is exact; parsing divides it back exactly,
    # so the percentage form round-trips every finite float bit for bit.
    pct = (Decimal(repr(fraction)) * 100).normalize()
    return format(pct, "f")


def format_claims(claims: Iterable[Claim]) -> str:
    """Claims joined for one events.csv cell."""
    return "; ".join(c.format() for c in claims)


_TARGET_RE = re.compile(r"[A-Za-z0-9^][A-Za-z0-9^._=-]*")
_KIND_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OP_TOKEN = re.compile(r">=|<=|>|<|~")
_NUMBER_TOKEN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_QUOTE_TOKEN = re.compile(r'"([^"]*)"')
_PERIOD_TOKEN = re.compile(r"[^()\";]*")
_GRAMMAR = ('KIND(TARGET) OP VALUE "QUOTE", e.g. session_return(2513.HK) > 17% "rose more than 17%"; a period move: '
            'period_return(TARGET, PERIOD) ..., e.g. period_return(^HSI, 2025-08) > 5% "rose 5% in August"')


class _ClaimParser:
    """A small recursive-descent reader, so an error can say exactly what was expected where."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.index = 0  # 1-based number of the claim being read, for messages

    def _skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _fail(self, expected: str) -> UserError:
        rest = self.text[self.pos :]
        found = repr(rest[:20] + ("..." if len(rest) > 20 else "")) if rest else "the end of the cell"
        return UserError(
            f"claim {self.index}: expected {expected} at character {self.pos + 1}, found {found}",
            field="claims",
            hint="write " + _GRAMMAR,
        )

    def _token(self, pattern: re.Pattern[str], expected: str) -> re.Match[str]:
        self._skip_ws()
        m = pattern.match(self.text, self.pos)
        if m is None:
            raise self._fail(expected)
        self.pos = m.end()
        return m

    def _literal(self, char: str, expected: str) -> None:
        self._skip_ws()
        if not self.text.startswith(char, self.pos):
            raise self._fail(expected)
        self.pos += 1

    def claim(self) -> Claim:
        kind_at = self.pos
        kind = self._token(_KIND_TOKEN, "a claim kind (" + ", ".join(CLAIM_KINDS) + ")").group()
        if kind not in CLAIM_KINDS:
            self.pos = kind_at
            self._skip_ws()
            raise self._fail("a claim kind (" + ", ".join(CLAIM_KINDS) + ")")
        self._literal("(", f"'(' after {kind}")
        target = self._token(_TARGET_RE, "a symbol or group name inside the parentheses").group()
        period = self._period(kind, target)
        self._literal(")", f"')' after {target}")
        op = self._token(_OP_TOKEN, "an operator (" + ", ".join(CLAIM_OPS) + ")").group()
        number = self._token(_NUMBER_TOKEN, "a number such as 17% or 0.17").group()
        self._skip_ws()
        value = Decimal(number)
        if self.text.startswith("%", self.pos):
            self.pos += 1
            value = value / 100
        quote = self._token(_QUOTE_TOKEN, 'the news wording in double quotes, e.g. "rose 17%"').group(1)
        if not quote.strip():
            self.pos -= len(quote) + 2
            raise self._fail("non-empty news wording inside the quotes")
        if not math.isfinite(float(value)):
            raise UserError(f"claim {self.index}: threshold {number} is too large for a number", field="claims",
                            hint="a claim's threshold is a return, e.g. 17% or 0.17")
        return Claim(kind, target, op, float(value), quote, period)

    def _period(self, kind: str, target: str) -> Period | None:
        """``, PERIOD`` after a period_return's target (and nothing there for other kinds)."""
        self._skip_ws()
        if kind != PERIOD_KIND:
            if self.text.startswith(",", self.pos):
                raise UserError(f"claim {self.index}: {kind}({target}) has a period, but only {PERIOD_KIND} "
                                "claims have one", field="claims",
                                hint=f"write {kind}({target}), or {PERIOD_KIND}({target}, PERIOD) for a period move")
            return None
        if not self.text.startswith(",", self.pos):
            raise UserError(f"claim {self.index}: {PERIOD_KIND}({target}) has no period", field="claims",
                            hint=f"write {PERIOD_KIND}({target}, PERIOD): {PERIOD_HINT}")
        self.pos += 1
        self._skip_ws()
        at = self.pos
        text = self._token(_PERIOD_TOKEN, "a period").group()
        try:
            return parse_period(text)
        except ValueError as exc:
            self.pos = at
            raise UserError(f"claim {self.index}: {exc}", field="claims", hint=PERIOD_HINT) from None

    def claims(self) -> tuple[Claim, ...]:
        out: list[Claim] = []
        self._skip_ws()
        while self.pos < len(self.text):
            self.index += 1
            out.append(self.claim())
            self._skip_ws()
            if self.pos < len(self.text):
                self._literal(";", "';' between claims or the end of the cell")
                self._skip_ws()
        return tuple(out)


def parse_claims(text: str) -> tuple[Claim, ...]:
    """Parse an events.csv ``claims`` cell (``;``-separated); raises UserError(field="claims")."""
    try:
        return _ClaimParser(text).claims()
    except InvalidOperation:  # pragma: no cover - the number regex admits only valid decimals
        raise UserError("claim value is not a number", field="claims", hint="write " + _GRAMMAR) from None


def parse_claim(text: str) -> Claim:
    """Parse exactly one claim."""
    claims = parse_claims(text)
    if len(claims) != 1:
        raise UserError(f"expected one claim, found {len(claims)}", field="claims", hint="write " + _GRAMMAR)
    return claims[0]


# --------------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True)
class Event:
    """One announcement. ``date``/``time`` are local to ``timezone`` (an IANA name).

    ``uncertain`` says what is uncertain about the event ("" when it is confirmed); ``notes`` is the
    row's free text either way. ``line`` is the events.csv line it came from, for later messages.
    """

    id: str
    date: dt.date
    time: dt.time | None
    timezone: str
    title: str
    source: str
    targets: tuple[str, ...]
    offer_price: float | None = None
    claims: tuple[Claim, ...] = ()
    uncertain: str = ""
    notes: str = ""
    line: int | None = field(default=None, compare=False, repr=False)

    @property
    def time_known(self) -> bool:
        return self.time is not None

    @property
    def announced_at(self) -> pd.Timestamp:
        """Tz-aware announcement time; local midnight when the time of day is unknown.

        Midnight puts an unknown-time announcement before that day's session, so day 0 is the
        announcement date itself; calendars.py decides what that means for each exchange.
        """
        local = dt.datetime.combine(self.date, self.time or dt.time(0, 0), tzinfo=ZoneInfo(self.timezone))
        return pd.Timestamp(local)

    @property
    def certainty(self) -> str:
        return "uncertain" if self.uncertain else "confirmed"

    @property
    def is_listing(self) -> bool:
        """A listing event: one target and an offer price."""
        return self.offer_price is not None and len(self.targets) == 1


def listing_event(events: Iterable[Event], symbol: str) -> Event | None:
    """The listing event of a symbol: the row whose only target is it and that has an offer price."""
    for event in events:
        if event.is_listing and event.targets[0] == symbol:
            return event
    return None


# Announcements a price history can hold: prices are stored as nanosecond timestamps (1677-2262).
FIRST_YEAR, LAST_YEAR = 1900, 2100
# Longest IANA name is about 30 characters; a longer one is a mistake, not a zone.
MAX_TZ = 64


def _parse_date(text: str) -> dt.date:
    if not _DATE_RE.match(text):
        raise ValueError
    return dt.date.fromisoformat(text)


def _check_year(date: dt.date) -> bool:
    return FIRST_YEAR <= date.year <= LAST_YEAR


def _parse_time(text: str) -> dt.time:
    m = _TIME_RE.match(text)
    if m is None:
        raise ValueError
    return dt.time(int(m.group(1)), int(m.group(2)))


TIMEZONE_HINT = "use an IANA name such as Asia/Hong_Kong, Asia/Shanghai or America/New_York"


def parse_timezone(name: str) -> ZoneInfo:
    """The zone of an IANA area/location name; ValueError for anything else."""
    # "/" check: ZoneInfo also accepts bare abbreviations such as "EST" or "UTC", whose fixed
    # offsets silently ignore daylight saving; IANA area/location names do not.
    if "/" not in name or len(name) > MAX_TZ:
        raise ValueError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name such as America/Argentina is a folder of the tz database, not a zone.
        raise ValueError(name) from None


def _check_url(text: str) -> bool:
    if any(ch.isspace() for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    if parts.scheme == "file":
        # A local article that `claims extract --to-events` read: file:///absolute/path
        return parts.netloc in ("", "localhost") and parts.path.startswith("/") and len(parts.path) > 1
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and not host.startswith(".")


_TOO_MANY_EVENTS = (f"at most {MAX_EVENT_ROWS:,} events and {MAX_EVENTS_BYTES // 1_000_000} MB: split the file, "
                    "or study that many events with `eventstudy study`")


def load_events(path: str | Path, registry: Registry | None = None) -> list[Event]:
    """Read and validate an events file, in file order.

    With a ``registry``, every target and claim target must be a known symbol or group, and claim
    kinds must fit their target (a symbol for session_return/since_listing, a group for group_rally).
    """
    path = Path(path)
    records = read_csv_records(path, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, "events", max_bytes=MAX_EVENTS_BYTES,
                               max_rows=MAX_EVENT_ROWS, too_big=_TOO_MANY_EVENTS)
    err = CsvRecord.error

    events: list[Event] = []
    first_line: dict[str, int] = {}
    for rec in records:
        event = _parse_row(rec, err, registry)
        if event.id in first_line:
            raise err(rec, "id", f"duplicate id {event.id!r}", f"first used on line {first_line[event.id]}")
        first_line[event.id] = rec.line
        events.append(event)

    _check_listings(events, str(path))
    return events


_ErrFn = Callable[[CsvRecord, str, str, str | None], UserError]


def _parse_row(rec: CsvRecord, err: _ErrFn, registry: Registry | None) -> Event:
    v = rec.values
    for col, value in v.items():
        # A NUL or other control character is a damaged file, never a title or a symbol.
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value or ""):
            raise err(rec, col, "control character (such as NUL) in the cell", "save the file again as plain text")
    for col in REQUIRED_COLUMNS:
        if not v[col]:
            raise err(rec, col, f"empty {col}", None)

    event_id = v["id"]
    if not _ID_RE.match(event_id):
        hint = "use a short slug of letters, digits, '-', '_' or '.'"
        raise err(rec, "id", f"invalid id {event_id!r}", hint)

    try:
        date = _parse_date(v["date"])
    except ValueError:
        raise err(rec, "date", f"malformed date {v['date']!r}", "write YYYY-MM-DD, e.g. 2026-01-14") from None
    if not _check_year(date):
        raise err(rec, "date", f"date {v['date']} is outside {FIRST_YEAR}-{LAST_YEAR}", "check the year")

    time: dt.time | None = None
    if v["time"]:
        try:
            time = _parse_time(v["time"])
        except ValueError:
            raise err(
                rec,
                "time",
                f"bad time {v['time']!r}",
                "write HH:MM on the 24-hour clock in the event's timezone, or leave it empty if unknown",
            ) from None

    tz_name = v["timezone"]
    try:
        zone = parse_timezone(tz_name)
    except ValueError:
        raise err(rec, "timezone", f"unknown timezone {tz_name!r}", TIMEZONE_HINT) from None

    if time is not None:
        local = dt.datetime.combine(date, time, tzinfo=zone)
        back = local.astimezone(dt.UTC).astimezone(zone)
        # A wall time skipped by a daylight-saving change does not exist; it would move silently.
        if back.replace(tzinfo=None) != local.replace(tzinfo=None):
            message = f"{v['time']} does not exist on {date} in {tz_name} (a daylight-saving gap)"
            raise err(rec, "time", message, None)

    source = v["source"]
    if not _check_url(source):
        raise err(rec, "source", f"bad URL {source!r}",
                  "give the full address, starting with https:// (or file:/// for a local article)")

    targets = split_list(v["targets"])
    if not targets:
        raise err(rec, "targets", "no targets", "list symbols or group names separated by ';'")
    if registry is not None:
        for name in targets:
            if not registry.knows(name):
                raise _unknown_name(rec, err, registry, "targets", name)

    offer_price: float | None = None
    if v["offer_price"]:
        try:
            offer_price = float(v["offer_price"])
        except ValueError:
            offer_price = math.nan
        if not (math.isfinite(offer_price) and offer_price > 0):
            raise err(
                rec,
                "offer_price",
                f"bad offer price {v['offer_price']!r}",
                "a positive number in the listing currency, without currency sign; empty if not a listing",
            )
        # since_listing finds a listing by its single target; a group or several symbols is ambiguous.
        if len(targets) != 1 or (registry is not None and not registry.is_symbol(targets[0])):
            message = "a listing event (with offer_price) must target exactly one symbol"
            raise err(rec, "offer_price", message, None)

    try:
        claims = parse_claims(v["claims"])
    except UserError as exc:
        raise err(rec, "claims", exc.message, exc.hint) from None
    for claim in claims:
        _check_claim(rec, err, registry, claim, targets)
        _check_period(rec, err, claim, date)

    certainty = (v["certainty"] or "confirmed").lower()
    if certainty not in CERTAINTIES:
        raise err(rec, "certainty", f"unknown certainty {v['certainty']!r}", "use confirmed or uncertain")
    notes = v["notes"]
    if certainty == "uncertain" and not notes:
        raise err(rec, "notes", "an uncertain event needs notes saying what is uncertain", None)

    return Event(
        id=event_id,
        date=date,
        time=time,
        timezone=tz_name,
        title=v["title"],
        source=source,
        targets=targets,
        offer_price=offer_price,
        claims=claims,
        uncertain=notes if certainty == "uncertain" else "",
        notes=notes,
        line=rec.line,
    )


def _unknown_name(rec: CsvRecord, err: _ErrFn, registry: Registry, col: str, name: str) -> UserError:
    try:
        registry.resolve([name])
    except UserError as exc:
        return err(rec, col, exc.message, exc.hint)
    raise AssertionError(f"{name!r} resolved although the registry does not know it")  # pragma: no cover


def _check_claim(
    rec: CsvRecord, err: _ErrFn, registry: Registry | None, claim: Claim, targets: tuple[str, ...]
) -> None:
    if registry is None:
        return
    if not registry.knows(claim.target):
        raise _unknown_name(rec, err, registry, "claims", claim.target)
    if claim.kind in SYMBOL_CLAIMS and not registry.is_symbol(claim.target):
        raise err(rec, "claims", f"{claim.kind} needs a symbol, but {claim.target!r} is a group", None)
    if claim.kind in GROUP_CLAIMS and not registry.is_group(claim.target):
        raise err(rec, "claims", f"{claim.kind} needs a group, but {claim.target!r} is a symbol", None)
    # The pipeline studies an event's targets; a claim on anything else would have no result to judge.
    covered = {claim.target}
    if registry.is_symbol(claim.target):
        covered.add(registry.get(claim.target).symbol)
    studied = {sec.symbol for sec in registry.resolve(targets)} | set(targets)
    if not covered & studied:
        raise err(
            rec,
            "claims",
            f"claim target {claim.target!r} is not among the event's targets",
            f"add {claim.target} to targets",
        )


def _check_period(rec: CsvRecord, err: _ErrFn, claim: Claim, date: dt.date) -> None:
    """A period claim speaks of closes up to the event's date: its period may not start or end after it."""
    p = claim.period
    if p is None:
        return
    what = f"{claim.kind}({claim.target}, {p.label})"
    hint = "a period claim is measured up to the event's date; check the period or the event's date"
    first = p.first_day(date)
    days = [d for d in (first, p.end) if d is not None]
    if any(not _check_year(d) for d in days):
        raise err(rec, "claims", f"{what}: the period is outside {FIRST_YEAR}-{LAST_YEAR}", "check the year")
    if first is not None and first > date:
        raise err(rec, "claims", f"{what}: the period starts on {first}, after the event's date {date}", hint)
    if p.to and p.end is not None and p.end > date:
        raise err(rec, "claims", f"{what}: the period ends on {p.end}, after the event's date {date}", hint)


def _check_listings(events: list[Event], shown: str) -> None:
    def err(event: Event, field: str, message: str, hint: str | None = None) -> UserError:
        return UserError(message, file=shown, line=event.line, field=field, hint=hint)

    listings: dict[str, Event] = {}
    for event in events:
        if event.offer_price is None:
            continue
        symbol = event.targets[0]
        if symbol in listings:
            raise err(event, "offer_price", f"second listing event for {symbol} (first: {listings[symbol].id})",
                      "since_listing needs exactly one offer price per symbol")
        listings[symbol] = event
    for event in events:
        for claim in event.claims:
            if claim.kind != "since_listing":
                continue
            listing = listings.get(claim.target)
            if listing is None:
                raise err(event, "claims", f"since_listing({claim.target}) has no listing event with an offer price",
                          f"add a row whose targets is {claim.target} and whose offer_price is set")
            if listing.date > event.date:
                raise err(event, "claims", f"since_listing({claim.target}): the listing ({listing.id}, "
                          f"{listing.date}) is after this event ({event.date})")
