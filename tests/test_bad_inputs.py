"""The bad-input catalogue: every mistake ends in exit 2 and one line naming file, line and field,
with no traceback, the store and the output folder untouched.

Each case builds its input in a fresh folder beside a store and a previous report, runs the CLI
in-process and checks the one line. Hypothesis then fuzzes the price importers and the events
parser: any input ends in a result or a one-line error.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import synthetic
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_cli import run_cli

from eventstudy.errors import UserError

GOOD = {
    "id": "jump", "date": "2024-06-03", "time": "10:00", "timezone": "America/New_York", "title": "AAA jumps",
    "source": "https://example.com/a", "targets": "AAA", "offer_price": "",
    "claims": 'session_return(AAA) > 5% "jumped"', "certainty": "confirmed", "notes": "",
}
COLUMNS = list(GOOD)


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def events_text(*rows: dict[str, str], columns: list[str] = COLUMNS) -> str:
    lines = [",".join(columns)] + [",".join(_cell(r.get(c, "")) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store, a registry, a good events file and the report of a good run, made once."""
    base = tmp_path_factory.mktemp("world")
    synthetic.make_store(base / "home", jumps={"AAA": {"2024-06-03": 0.10}})
    synthetic.registry(base)
    (base / "events.csv").write_text(events_text(row()), encoding="utf-8")
    returns = synthetic.sessions()[:300]
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"date": returns.strftime("%Y-%m-%d"), "AAA": rng.normal(0, 0.01, 300),
                          "MKT": rng.normal(0, 0.01, 300)})
    frame.to_csv(base / "returns.csv", index=False)
    (base / "study-events.csv").write_text(f"symbol,date\nAAA,{returns[250].date()}\n", encoding="utf-8")
    import os

    from eventstudy import cli

    old = os.environ.get("EVENTSTUDY_HOME")
    os.environ["EVENTSTUDY_HOME"] = str(base / "home")
    try:
        cli.main(["--securities", str(base / "securities.csv"), "run", "--offline", "--events",
                  str(base / "events.csv"), "--out", str(base / "reports")])
    except SystemExit as exc:
        assert not exc.code
    finally:
        if old is not None:
            os.environ["EVENTSTUDY_HOME"] = old
    return base


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    if folder.exists():
        for p in sorted(folder.rglob("*")):
            h.update(str(p.relative_to(folder)).encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def write(path: Path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def history(rows: list[str], header: str = "Date,Open,High,Low,Close,Volume") -> str:
    return header + "\n" + "\n".join(rows) + "\n"


DAILY = [f"2024-06-{d:02d},10,11,9,10.5,1000" for d in (3, 4, 5, 6, 7)]

# A case: (name, build(folder) -> argv after the global options, needles the one line must contain).
Case = tuple[str, Callable[[Path], list[str]], list[str]]


def ev(*rows: dict[str, str], columns: list[str] = COLUMNS) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        return ["run", "--offline", "--events", write(d / "ev.csv", events_text(*rows, columns=columns)),
                "--out", str(d / "reports")]
    return build


def ev_raw(data: bytes | str) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        return ["run", "--offline", "--events", write(d / "ev.csv", data), "--out", str(d / "reports")]
    return build


def imp(content: str | bytes, *options: str, name: str = "AAA.csv") -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        return ["prices", "import", write(d / name, content), *options]
    return build


def study(*options: str, returns: str | bytes | None = None, events: str | bytes | None = None,
          ) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        ret = write(d / "ret.csv", returns) if returns is not None else str(d / "returns.csv")
        evs = write(d / "sev.csv", events) if events is not None else str(d / "study-events.csv")
        return ["study", "--returns", ret, "--events", evs, "--market", "MKT", "--out", str(d / "study-out"),
                *options]
    return build


def run(*options: str) -> Callable[[Path], list[str]]:
    def build(d: Path) -> list[str]:
        return ["run", "--offline", "--events", str(d / "events.csv"), "--out", str(d / "reports"), *options]
    return build


def _prices_returns() -> str:
    dates = synthetic.sessions()[:300]
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "AAA": np.linspace(50, 60, 300),
                         "MKT": np.linspace(100, 120, 300)}).to_csv(index=False)


def _percent_returns() -> str:
    dates = synthetic.sessions()[:300]
    rng = np.random.default_rng(5)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "AAA": rng.normal(0, 50, 300),
                         "MKT": rng.normal(0, 40, 300)}).to_csv(index=False)


LONG = "x" * 300
CASES: list[Case] = [
    # -- events.csv ------------------------------------------------------------------------------
    ("tz names a tzdata folder", ev(row(timezone="America/Argentina")), ["ev.csv:2", "timezone"]),
    ("tz of 300 characters", ev(row(timezone="A/" + LONG)), ["ev.csv:2", "timezone"]),
    ("tz abbreviation", ev(row(timezone="EST")), ["ev.csv:2", "timezone"]),
    ("tz unknown", ev(row(timezone="Mars/Olympus_Mons")), ["ev.csv:2", "timezone"]),
    ("tz with dots", ev(row(timezone="../../etc/passwd")), ["ev.csv:2", "timezone"]),
    ("date 9999-12-31", ev(row(date="9999-12-31")), ["ev.csv:2", "date"]),
    ("date 1066", ev(row(date="1066-10-14")), ["ev.csv:2", "date"]),
    ("date 30 February", ev(row(date="2024-02-30")), ["ev.csv:2", "date"]),
    ("date day first", ev(row(date="03/06/2024")), ["ev.csv:2", "date"]),
    ("NUL byte in a cell", ev_raw(events_text(row()).replace("AAA jumps", "AAA\x00jumps")), ["ev.csv:2", "title"]),
    ("time 25:00", ev(row(time="25:00")), ["ev.csv:2", "time"]),
    ("time am/pm", ev(row(time="9:30am")), ["ev.csv:2", "time"]),
    ("time in a DST gap", ev(row(date="2024-03-10", time="02:30")), ["ev.csv:2", "time"]),
    ("empty id", ev(row(id="")), ["ev.csv:2", "id"]),
    ("id with a space", ev(row(id="a b")), ["ev.csv:2", "id"]),
    ("duplicate id", ev(row(), row()), ["ev.csv:3", "id"]),
    ("source not a URL", ev(row(source="example.com")), ["ev.csv:2", "source"]),
    ("unknown target", ev(row(targets="NOPE")), ["ev.csv:2", "targets"]),
    ("empty targets", ev(row(targets="")), ["ev.csv:2", "targets"]),
    ("negative offer price", ev(row(offer_price="-5", claims="")), ["ev.csv:2", "offer_price"]),
    ("offer price not a number", ev(row(offer_price="abc", claims="")), ["ev.csv:2", "offer_price"]),
    ("claim without operator", ev(row(claims='session_return(AAA) 5% "x"')), ["ev.csv:2", "claims"]),
    ("claim of unknown kind", ev(row(claims='moon(AAA) > 5% "x"')), ["ev.csv:2", "claims"]),
    ("claim on another target", ev(row(claims='session_return(BBB) > 5% "x"')), ["ev.csv:2", "claims"]),
    ("claim threshold overflows", ev(row(claims='session_return(AAA) > 1e999% "x"')), ["ev.csv:2", "claims"]),
    ("unknown certainty", ev(row(certainty="maybe")), ["ev.csv:2", "certainty"]),
    ("uncertain without notes", ev(row(certainty="uncertain")), ["ev.csv:2", "notes"]),
    ("unknown column", ev(row(), columns=[*COLUMNS, "sorce"]), ["ev.csv:1", "sorce"]),
    ("missing column", ev(row(), columns=[c for c in COLUMNS if c != "timezone"]), ["ev.csv:1", "timezone"]),
    ("surplus cell", ev_raw(events_text(row()).rstrip("\n") + ",extra\n"), ["ev.csv:2"]),
    ("Latin-1 events file", ev_raw(events_text(row(title="Société Générale")).encode("latin-1")), ["ev.csv"]),
    ("header-only events file", ev_raw(events_text()), ["ev.csv:2", "previous report is left alone"]),
    ("empty events file", ev_raw(b""), ["ev.csv:1"]),
    ("events path is a folder", lambda d: ["run", "--offline", "--events", str(d), "--out", str(d / "reports")],
     ["directory"]),
    ("events file missing", lambda d: ["run", "--offline", "--events", str(d / "nope.csv"), "--out",
                                       str(d / "reports")], ["nope.csv", "not found"]),
    # -- prices import ---------------------------------------------------------------------------
    ("symbol with a leading space", imp(history(DAILY), "--symbol", " 2513.HK"), ["AAA.csv", "--symbol"]),
    ("symbol of 300 characters", imp(history(DAILY), "--symbol", "A" * 300), ["AAA.csv", "--symbol"]),
    ("file name with a leading space", imp(history(DAILY), name=" 2513.HK.csv"), [" 2513.HK.csv", "symbol"]),
    ("symbol ../../etc", imp(history(DAILY), "--symbol", "../../etc"), ["AAA.csv", "--symbol"]),
    ("symbol a/b", imp(history(DAILY), "--symbol", "a/b"), ["AAA.csv", "--symbol"]),
    ("symbol ..", imp(history(DAILY), "--symbol", ".."), ["AAA.csv", "--symbol"]),
    ("5,000,000 rows", imp(b"Date,Open,High,Low,Close,Volume\n" + b"2024-06-03,10,11,9,10.5,1000\n" * 5_000_000),
     ["AAA.csv:100004", "rows"]),
    ("minute bars under a Date header", imp(history([f"2024-06-03 09:{m:02d}:00,10,11,9,10.5,1" for m in range(30,
     40)])), ["AAA.csv:3", "Date", "intraday"]),
    ("three rows on one date", imp(history(["2024-06-03,10,11,9,10.5,1"] * 3)), ["AAA.csv:4", "Date"]),
    ("bars dated 2031", imp(history([*DAILY, "2031-01-02,10,11,9,10.5,1000"])), ["AAA.csv:7", "Date", "future"]),
    ("all closes empty", imp(history([f"2024-06-{d:02d},10,11,9,,1000" for d in (3, 4, 5)])),
     ["AAA.csv", "close", "no usable price"]),
    ("all closes zero", imp(history([f"2024-06-{d:02d},0,0,0,0,1000" for d in (3, 4, 5)])),
     ["AAA.csv", "close", "no usable price"]),
    ("unknown layout", imp("foo,bar\n1,2\n"), ["AAA.csv:1", "layout"]),
    ("price dated 9999", imp(history([*DAILY, "9999-12-31,10,11,9,10.5,1000"])), ["AAA.csv:7", "Date"]),
    ("malformed date", imp(history([*DAILY, "2024-13-45,10,11,9,10.5,1000"])), ["AAA.csv:7", "Date"]),
    ("comma decimal", imp(history(['2024-06-03,10,11,9,"10,5",1000'])), ["AAA.csv:2", "Close"]),
    ("header only", imp(history([])), ["AAA.csv:2"]),
    ("empty price file", imp(b""), ["AAA.csv", "empty"]),
    ("not text", imp(b"\x80\xff\x80\xff" * 50), ["AAA.csv", "UTF-8"]),
    ("NUL byte in a price file", imp(history(["2024-06-03,10,11,9,10\x00.5,1000", *DAILY[1:]])),
     ["AAA.csv:2", "Close"]),
    ("unknown exchange", imp(history(DAILY), "--exchange", "MOON"), ["exchange", "MOON"]),
    ("price file is a folder", lambda d: ["prices", "import", str(d)], ["directory"]),
    ("price file missing", lambda d: ["prices", "import", str(d / "nope.csv")], ["nope.csv", "not found"]),
    ("--symbol with two files", lambda d: ["prices", "import", write(d / "a.csv", history(DAILY)),
                                           write(d / "b.csv", history(DAILY)), "--symbol", "AAA"], ["--symbol"]),
    ("a group's name as a file name", imp(history(DAILY), name="tech.csv"), ["tech.csv", "symbol", "group"]),
    ("a group's name as --symbol", imp(history(DAILY), "--symbol", "tech"), ["AAA.csv", "symbol", "group"]),
    ("two files for one symbol", lambda d: ["prices", "import", write(d / "AAA.csv", history(DAILY)),
                                            write((d / "sub").mkdir() or d / "sub" / "AAA.csv", history(DAILY))],
     ["sub/AAA.csv", "AAA"]),
    # -- study -----------------------------------------------------------------------------------
    ("study: empty events file", study(events=b""), ["sev.csv", "empty"]),
    ("study: Latin-1 events file", study(events="symbol,date,note\nAAA,2024-06-03,Société\n".encode("latin-1")),
     ["sev.csv", "UTF-8"]),
    ("study: --bootstrap -5", study("--bootstrap", "-5"), ["--bootstrap"]),
    ("study: estimation overlaps window", study("--estimation", "-10:0", "--window", "-5:5"), ["--estimation",
                                                                                              "overlaps"]),
    ("study: percent returns without --percent", study(returns=_percent_returns()), ["ret.csv", "AAA",
                                                                                     "--percent"]),
    ("study: a returns file holding prices", study(returns=_prices_returns()), ["ret.csv", "AAA", "--prices"]),
    ("study: events without symbol column", study(events="name2,date\nAAA,2024-06-03\n"), ["sev.csv:1", "symbol"]),
    ("study: events bad date", study(events="symbol,date\nAAA,03/06/2024\n"), ["sev.csv:2", "date"]),
    ("study: event on an unknown series", study(events="symbol,date\nZZZ,2024-06-03\n"), ["sev.csv:2", "symbol"]),
    ("study: --window -100000:100000", study("--window", "-100000:100000"), ["--window"]),
    ("study: --min-estimation 0", study("--min-estimation", "0"), ["--min-estimation"]),
    ("study: returns and prices", lambda d: ["study", "--returns", str(d / "returns.csv"), "--prices",
                                             str(d / "returns.csv"), "--events", str(d / "study-events.csv")],
     ["--returns"]),
    ("study: returns file missing", lambda d: ["study", "--returns", str(d / "nope.csv"), "--events",
                                               str(d / "study-events.csv")], ["nope.csv", "--returns"]),
    ("study: text in returns", study(returns="date,AAA,MKT\n2024-06-03,0.01,0.02\n2024-06-04,abc,0.01\n"),
     ["ret.csv:3", "AAA"]),
    ("study: duplicate date", study(returns="date,AAA,MKT\n2024-06-03,0.01,0.02\n2024-06-03,0.02,0.01\n"),
     ["ret.csv", "date"]),
    ("study: --market unknown", study("--market", "NOPE"), ["--market"]),
    ("study: --percent with --prices", lambda d: ["study", "--prices", write(d / "p.csv", _prices_returns()),
                                                  "--events", str(d / "study-events.csv"), "--percent"],
     ["--percent"]),
    # -- run -------------------------------------------------------------------------------------
    ("run: --min-estimation 0", run("--min-estimation", "0"), ["--min-estimation"]),
    ("run: --min-estimation -3", run("--min-estimation", "-3"), ["--min-estimation"]),
    ("run: --estimation -5:5", run("--estimation", "-5:5"), ["--estimation", "overlaps"]),
    ("run: --estimation 5:50", run("--estimation", "5:50"), ["--estimation", "overlaps"]),
    ("run: --window -100000:100000", run("--window", "-100000:100000"), ["--window"]),
    ("run: --window backwards", run("--window", "5:-5"), ["--window"]),
    ("run: --car unreadable", run("--car", "abc"), ["--car"]),
    ("run: unknown --event", run("--event", "nope"), ["nope"]),
    ("run: --out under a file", lambda d: ["run", "--offline", "--events", str(d / "events.csv"), "--out",
                                           str(d / "events.csv" / "reports")], ["--out"]),
    ("run: --out in /proc", lambda d: ["run", "--offline", "--events", str(d / "events.csv"), "--out",
                                       "/proc/eventstudy-reports"], ["--out"]),
    ("run: --out is a file", lambda d: ["run", "--offline", "--events", str(d / "events.csv"), "--out",
                                        str(d / "events.csv")], ["--out"]),
    ("run: --out read-only", lambda d: (d / "reports").chmod(0o555) or ["run", "--offline", "--events",
     str(d / "events.csv"), "--out", str(d / "reports")], ["--out", "read-only", "0555"]),
    ("study: --out read-only", lambda d: (d / "study-out").mkdir(mode=0o500) or
     study()(d), ["--out", "read-only"]),
    ("run: --out a folder that is not a report", lambda d: ["run", "--offline", "--events", str(d / "events.csv"),
                                                            "--out", str(d / "home")], ["--out", "not a report"]),
]


@pytest.mark.parametrize(("name", "build", "needles"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    template: Path, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], name: str,
    build: Callable[[Path], list[str]], needles: list[str],
) -> None:
    d = tmp_path / "w"
    shutil.copytree(template, d)
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(d / "home", home)
    argv = ["--securities", str(d / "securities.csv"), *build(d)]
    before = digest(home), digest(d / "reports"), digest(d / "study-out")
    code, out, err = run_cli(argv, capsys)
    assert code == 2, (name, code, out, err)
    assert err.startswith("eventstudy: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err
    for needle in needles:
        assert needle in err, (name, needle, err)
    assert (digest(home), digest(d / "reports"), digest(d / "study-out")) == before


# Cases where the data directory, not an input, is in the way: one line, exit 1, nothing replaced.
PRICES_FILE_CASES = {
    "import": lambda d: ["prices", "import", write(d / "XXX.csv", history(DAILY))],
    "remove": lambda d: ["prices", "remove", "AAA"],
    "status": lambda d: ["prices", "status"],
    "run": run(),
}


@pytest.mark.parametrize("command", list(PRICES_FILE_CASES))
def test_a_file_where_the_store_belongs_is_left_alone(
    template: Path, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], command: str,
) -> None:
    d = tmp_path / "w"
    shutil.copytree(template, d)
    home.mkdir(parents=True, exist_ok=True)
    (home / "prices").write_text("the user's own notes\n", encoding="utf-8")
    argv = ["--securities", str(d / "securities.csv"), *PRICES_FILE_CASES[command](d)]
    before = digest(home), digest(d / "reports")
    code, out, err = run_cli(argv, capsys)
    assert code == 1, (command, code, out, err)
    assert err.startswith("eventstudy: error: ") and err.count("\n") == 1 and "Traceback" not in out + err
    assert "prices is not a folder" in err and "left alone" in err, err
    assert (home / "prices").read_text(encoding="utf-8") == "the user's own notes\n"
    assert (digest(home), digest(d / "reports")) == before


def test_the_catalogue_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60


# -- fuzzing ----------------------------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(["", "2024-06-03", "2024-06-04 00:00:00+08:00", "2031-01-01", "10", "10.5", "-1", "nan",
                     "1,234.5", "abc", "9999-12-31", "0", "1e308", "Date", "Close"]),
    st.text(max_size=12),
)
HEADERS = st.sampled_from([
    "Date,Open,High,Low,Close,Volume", "date,open,close,high,low,volume,amount,turn,pctChg", "date,open,high,low,close",
    "Date,Open_firstbar,High,Low,Close_lastbar", "日期,开盘,收盘,最高,最低,成交量", "Price,Close\nTicker,AAA",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=HEADERS, rows=st.lists(st.lists(CELL, min_size=1, max_size=7), max_size=8))
@example(header="Date,Open,High,Low,Close,Volume", rows=[["0\n0"]] * 3)  # a quoted date with a line break, thrice
def test_fuzzed_price_files_end_in_bars_or_one_line(tmp_path: Path, header: str, rows: list[list[str]]) -> None:
    from eventstudy.data.importers import read_price_file

    path = tmp_path / "AAA.csv"
    text = header + "\n" + "\n".join(",".join(_cell(c) for c in r) for r in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    try:
        series = read_price_file(path)
    except UserError as exc:
        assert "\n" not in exc.one_line() and str(path) in exc.one_line()
        return
    assert len(series.frame) > 0 and series.frame.index.is_monotonic_increasing


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(COLUMNS), CELL, max_size=4))
def test_fuzzed_events_end_in_events_or_one_line(tmp_path: Path, changes: dict[str, str]) -> None:
    from eventstudy.news.events import load_events

    reg = synthetic.registry(tmp_path)
    path = tmp_path / "ev.csv"
    path.write_text(events_text(row(**changes)), encoding="utf-8")
    try:
        events = load_events(path, reg)
    except UserError as exc:
        assert "\n" not in exc.one_line() and str(path) in exc.one_line()
        return
    assert len(events) == 1 and events[0].announced_at is not None
