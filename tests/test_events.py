"""events.csv: the shipped file, claim parsing and formatting, and every validation error's location."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventstudy.data.securities import default_registry
from eventstudy.errors import UserError
from eventstudy.news.events import (
    CLAIM_KINDS,
    CLAIM_OPS,
    PERIOD_KIND,
    Claim,
    Event,
    format_claims,
    listing_event,
    load_events,
    parse_claim,
    parse_claims,
)
from eventstudy.news.periods import parse_period

REPO = Path(__file__).resolve().parents[1]
EVENTS_CSV = REPO / "events.csv"

COLUMNS = [
    "id",
    "date",
    "time",
    "timezone",
    "title",
    "source",
    "targets",
    "offer_price",
    "claims",
    "certainty",
    "notes",
]
BASE = {
    "id": "zhipu-ipo",
    "date": "2026-01-08",
    "time": "09:30",
    "timezone": "Asia/Hong_Kong",
    "title": "Zhipu lists",
    "source": "https://www.dealstreetasia.com/?p=468604",
    "targets": "2513.HK",
    "offer_price": "116.20",
    "claims": "",
    "certainty": "confirmed",
    "notes": "",
}
GLM = {
    **BASE,
    "id": "glm-image",
    "date": "2026-01-14",
    "time": "08:28",
    "offer_price": "",
    "targets": "2513.HK;china-ai-chips",
    "claims": 'session_return(2513.HK) > 17% "rose"; since_listing(2513.HK) > 80% "up since listing"',
}


def write_rows(tmp_path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows([{c: r.get(c, "") for c in columns} for r in rows])
    return path


def error_of(path: Path, registry: bool = True) -> UserError:
    with pytest.raises(UserError) as info:
        load_events(path, default_registry() if registry else None)
    return info.value


# --- the shipped events.csv -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[Event]:
    return load_events(EVENTS_CSV, default_registry())


def test_shipped_events_load(shipped: list[Event]) -> None:
    ids = [e.id for e in shipped]
    assert len(ids) == len(set(ids)) == 15
    assert {"glm-image", "customs-h200", "margin-100", "zhipu-ipo", "iluvatar-ipo", "glm-5"} <= set(ids)


def test_shipped_glm_image_event(shipped: list[Event]) -> None:
    glm = next(e for e in shipped if e.id == "glm-image")
    assert glm.announced_at == pd.Timestamp("2026-01-14 08:28", tz="Asia/Hong_Kong")
    assert glm.time_known and glm.certainty == "uncertain" and "commit" in glm.uncertain
    assert glm.targets == ("2513.HK", "china-ai-chips")
    assert [c.format() for c in glm.claims] == [
        'session_return(2513.HK) > 17% "Zhipu rose more than 17% in one session"',
        'since_listing(2513.HK) > 80% "Zhipu is up more than 80% since listing"',
        'group_rally(china-ai-chips) > 0% "Chinese chip stocks rallied the same day"',
    ]
    assert glm.claims[0].threshold == 0.17 and glm.claims[1].threshold == 0.8


def test_shipped_listings(shipped: list[Event]) -> None:
    zhipu = listing_event(shipped, "2513.HK")
    assert (
        zhipu is not None and zhipu.offer_price == pytest.approx(116.20) and zhipu.date == dt.date(2026, 1, 8)
    )
    assert listing_event(shipped, "9903.HK") is None  # listed, but the offer price is unknown
    us = next(e for e in shipped if e.id == "us-h200-case-by-case")
    assert not us.time_known
    assert us.announced_at == pd.Timestamp("2026-01-13 00:00", tz="America/New_York")
    margin = next(e for e in shipped if e.id == "margin-100")
    assert margin.announced_at.tz is not None and margin.announced_at.hour == 12


def test_shipped_file_is_valid_csv_with_all_columns() -> None:
    with EVENTS_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == COLUMNS
    assert all(len(r) == len(COLUMNS) for r in rows)


# --- claims ---------------------------------------------------------------------------------------


def test_parse_claim_percent_fraction_and_quote() -> None:
    c = parse_claim('session_return(2513.HK) > 17% "Zhipu rose more than 17%; in one session"')
    assert c == Claim("session_return", "2513.HK", ">", 0.17, "Zhipu rose more than 17%; in one session")
    assert parse_claim('session_return(NVDA)<=-0.05"fell"').threshold == -0.05
    assert parse_claim('group_rally( china-ai-chips ) >= 0 "x"').op == ">="
    assert parse_claim('session_return(X) < 17.5 % "x"').threshold == 0.175


def test_parse_claims_separators() -> None:
    assert parse_claims("") == ()
    assert parse_claims("   ") == ()
    claims = parse_claims('session_return(A) > 1% "a";group_rally(g) > 0% "b" ;')
    assert [c.target for c in claims] == ["A", "g"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('session_returns(A) > 1% "a"', "a claim kind (session_return, since_listing, group_rally, period_return)"),
        ('session_return A > 1% "a"', "'(' after session_return"),
        ('session_return() > 1% "a"', "a symbol or group name"),
        ('session_return(A > 1% "a"', "')' after A"),
        ('session_return(A) = 1% "a"', "an operator"),
        ('session_return(A) > big "a"', "a number"),
        ("session_return(A) > 1%", "the news wording in double quotes"),
        ('session_return(A) > 1% "a" group_rally(g) > 0 "b"', "';' between claims"),
        ('session_return(A) > 1% "  "', "non-empty news wording"),
    ],
)
def test_bad_claim_syntax_says_what_was_expected(text: str, expected: str) -> None:
    with pytest.raises(UserError) as info:
        parse_claims(text)
    assert expected in str(info.value)
    assert info.value.field == "claims"
    assert "KIND(TARGET) OP VALUE" in (info.value.hint or "")


def test_holds() -> None:
    c = Claim("session_return", "2513.HK", ">", 0.17, "x")
    assert c.holds(0.18) and not c.holds(0.17) and not c.holds(math.nan)
    assert Claim("session_return", "A", ">=", 0.17, "x").holds(0.17)
    assert Claim("session_return", "A", "<", 0.0, "x").holds(-0.01)
    assert Claim("session_return", "A", "<=", 0.0, "x").holds(0.0)


def test_claim_rejects_invalid_fields() -> None:
    with pytest.raises(ValueError):
        Claim("price", "A", ">", 0.1, "x")
    with pytest.raises(ValueError):
        Claim("session_return", "A", "==", 0.1, "x")
    with pytest.raises(ValueError):
        Claim("session_return", "A", ">", math.inf, "x")
    with pytest.raises(ValueError):
        Claim("session_return", "A", ">", 0.1, 'say "x"')


_CLAIM_FIELDS = {
    "target": st.from_regex(r"[A-Za-z0-9^][A-Za-z0-9^._=-]{0,12}", fullmatch=True),
    "op": st.sampled_from(CLAIM_OPS),
    "threshold": st.floats(allow_nan=False, allow_infinity=False),
    "text": st.text(st.characters(blacklist_characters='"', blacklist_categories=["Cs"]), min_size=1).filter(
        str.strip
    ),
}
claims_strategy = st.one_of(
    st.builds(Claim, kind=st.sampled_from([k for k in CLAIM_KINDS if k != PERIOD_KIND]), **_CLAIM_FIELDS),
    st.builds(Claim, kind=st.just(PERIOD_KIND), period=st.sampled_from([parse_period(p) for p in (
        "2025-08", "2025", "2025-W34", "ytd", "ytd to 2025-08-25", "since 2026-02-01", "2025-07-25 to 2025-08-26",
        "1 session", "5 sessions to 2025-08-25", "12 months", "2 years")]), **_CLAIM_FIELDS),
)


@given(claims_strategy)
def test_format_parse_round_trip(claim: Claim) -> None:
    again = parse_claim(claim.format())
    assert again == claim
    assert math.copysign(1.0, again.threshold) == math.copysign(1.0, claim.threshold)


@given(st.lists(claims_strategy, max_size=4))
def test_cell_round_trip_through_csv(claims: list[Claim]) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerow(["id", format_claims(claims)])
    (row,) = csv.reader(io.StringIO(buf.getvalue(), newline=""))
    assert parse_claims(row[1]) == tuple(claims)


# --- validation errors: file, line and field ------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"date": "2026-1-14"}, "date", "malformed date"),
        ({"date": "2026-02-30"}, "date", "malformed date"),
        ({"time": "9:30"}, "time", "bad time"),
        ({"time": "24:00"}, "time", "bad time"),
        ({"timezone": "Asia/Hongkong_X"}, "timezone", "unknown timezone"),
        ({"timezone": "HKT"}, "timezone", "unknown timezone"),
        ({"source": "www.scmp.com"}, "source", "bad URL"),
        ({"source": "https://exa mple.com"}, "source", "bad URL"),
        ({"offer_price": "HK$116.20"}, "offer_price", "bad offer price"),
        ({"offer_price": "-1"}, "offer_price", "bad offer price"),
        ({"targets": "2513.HK;china-ai-chips"}, "offer_price", "exactly one symbol"),
        ({"targets": "2513.HX"}, "targets", "unknown symbol or group '2513.HX'"),
        ({"targets": " ; "}, "targets", "no targets"),
        ({"claims": "session_return(2513.HK) > 17%"}, "claims", "expected the news wording"),
        ({"claims": 'session_return(2513.HX) > 17% "x"', "targets": "2513.HK"}, "claims", "unknown symbol"),
        ({"claims": 'group_rally(2513.HK) > 0% "x"'}, "claims", "needs a group"),
        ({"claims": 'session_return(NVDA) > 1% "x"'}, "claims", "not among the event's targets"),
        ({"certainty": "maybe"}, "certainty", "unknown certainty"),
        ({"certainty": "uncertain"}, "notes", "needs notes"),
        ({"id": "zhipu ipo"}, "id", "invalid id"),
        ({"title": ""}, "title", "empty title"),
    ],
)
def test_row_errors_are_located(tmp_path: Path, change: dict[str, str], field: str, words: str) -> None:
    # The bad row is the third data row, so it sits on line 4 of the file.
    rows = [
        {**BASE, "id": "a", "targets": "NVDA", "offer_price": "", "timezone": "America/New_York"},
        {**BASE, "id": "b", "offer_price": "", "targets": "hk-ai-ipos-2026"},
        {**BASE, **change},
    ]
    path = write_rows(tmp_path, rows)
    err = error_of(path)
    assert (err.line, err.field) == (4, field), str(err)
    assert str(err).startswith(f"{path}:4: {field}: ")
    assert words in str(err)


def test_claim_on_member_of_a_target_group_is_accepted(tmp_path: Path) -> None:
    row = {
        **BASE,
        "offer_price": "",
        "targets": "china-ai-chips",
        "claims": 'session_return(688256.SS) > 5% "Cambricon jumped"',
    }
    (event,) = load_events(write_rows(tmp_path, [row]), default_registry())
    assert event.claims[0].target == "688256.SS"


def test_duplicate_id(tmp_path: Path) -> None:
    err = error_of(write_rows(tmp_path, [BASE, {**BASE, "offer_price": ""}]))
    assert (err.line, err.field) == (3, "id") and "first used on line 2" in (err.hint or "")


def test_since_listing_needs_a_listing_with_offer_price(tmp_path: Path) -> None:
    err = error_of(write_rows(tmp_path, [{**BASE, "offer_price": ""}, {**GLM}]))
    assert (err.line, err.field) == (3, "claims")
    assert "since_listing(2513.HK) has no listing event" in str(err)
    # The check needs no registry: it only reads events.csv.
    assert error_of(write_rows(tmp_path, [GLM]), registry=False).line == 2


def test_since_listing_listing_after_the_claim(tmp_path: Path) -> None:
    err = error_of(write_rows(tmp_path, [GLM, {**BASE, "date": "2026-02-01"}]))
    assert (err.line, err.field) == (2, "claims") and "is after" in str(err)


def test_two_listing_events_for_one_symbol(tmp_path: Path) -> None:
    err = error_of(write_rows(tmp_path, [BASE, {**BASE, "id": "again"}]))
    assert (err.line, err.field) == (3, "offer_price")


def test_bad_claim_in_file_reports_row_line(tmp_path: Path) -> None:
    # A multi-line quoted title pushes the next record down: lines are physical lines.
    rows = [{**BASE, "title": "Zhipu\nlists"}, {**GLM, "claims": 'session_return(2513.HK) = 17% "x"'}]
    err = error_of(write_rows(tmp_path, rows))
    assert (err.line, err.field) == (4, "claims")
    assert "expected an operator" in str(err)


def test_nonexistent_local_time(tmp_path: Path) -> None:
    row = {
        **BASE,
        "offer_price": "",
        "targets": "NVDA",
        "timezone": "America/New_York",
        "date": "2026-03-08",
        "time": "02:30",
    }
    err = error_of(write_rows(tmp_path, [row]))
    assert (err.line, err.field) == (2, "time") and "daylight" in str(err)


def test_missing_required_column(tmp_path: Path) -> None:
    cols = [c for c in COLUMNS if c != "timezone"]
    path = write_rows(tmp_path, [BASE], columns=cols)
    err = error_of(path)
    assert (err.line, err.field) == (1, "timezone")
    assert str(err).startswith(f"{path}:1: timezone: missing required column")


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    cols = ["id", "date", "timezone", "title", "source", "targets"]
    (event,) = load_events(write_rows(tmp_path, [BASE], columns=cols))
    assert (
        event.time is None and not event.time_known and event.claims == () and event.certainty == "confirmed"
    )
    assert event.announced_at == pd.Timestamp("2026-01-08 00:00", tz="Asia/Hong_Kong")


def test_without_registry_targets_are_not_checked(tmp_path: Path) -> None:
    (event,) = load_events(write_rows(tmp_path, [{**BASE, "targets": "ZZZ.HK"}]))
    assert event.targets == ("ZZZ.HK",)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        load_events(tmp_path / "missing.csv")
    assert "events file not found" in str(info.value)
    assert str(tmp_path / "missing.csv") in str(info.value)
