"""The command line: the user's three paths, and one-line errors with exit code 2 for bad input."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pandas as pd
import pytest
from clirun import run_cli

from eventstudy.errors import FetchError

REPO = Path(__file__).resolve().parents[1]


def store_digest(home: Path) -> str:
    h = hashlib.sha256()
    prices = home / "prices"
    if prices.is_dir():
        for p in sorted(prices.glob("*.parquet")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def write_history(path: Path, start: str, closes: list[float]) -> Path:
    dates = pd.bdate_range(start, periods=len(closes))
    frame = pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Close": closes, "High": closes, "Low": closes,
                          "Open": closes, "Volume": 1000})
    frame.to_csv(path, index=False)
    return path


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_sockets_are_blocked() -> None:
    with pytest.raises(Exception, match=r"(?i)socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--help"], ["prices", "--help"], ["prices", "import", "--help"], ["prices", "fetch", "--help"],
                 ["prices", "status", "--help"], ["prices", "export", "--help"], ["run", "--help"],
                 ["study", "--help"], ["events", "--help"], ["securities", "--help"]):
        code, out, _ = run_cli(args, capsys)
        assert code == 0 and "Usage:" in out, args


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("foo,bar\n1,2\n", "layout"),  # unreadable CSV layout
        ("Date,Close,High,Low,Open,Volume\n2026-01-08,1,1,1,1,1\n2026-13-45,1,1,1,1,1\n", ":3"),  # malformed date
    ],
)
def test_import_bad_file_is_one_line_and_leaves_store(tmp_path: Path, home: Path, capsys, content, needle) -> None:
    good = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    assert run_cli(["prices", "import", str(good)], capsys)[0] == 0
    before = store_digest(home)
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    other = write_history(tmp_path / "1347.HK.csv", "2026-01-05", [5.0, 5.5, 6.0])
    code, _, err = run_cli(["prices", "import", str(other), str(bad)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("eventstudy: error:") and "Traceback" not in err
    assert needle in err
    assert store_digest(home) == before  # the good file in the same call was not written either


def test_import_missing_file(home: Path, capsys) -> None:
    code, _, err = run_cli(["prices", "import", "/no/such/file.csv"], capsys)
    assert code == 2 and "not found" in err and err.count("\n") == 1


def test_unknown_symbol_or_group_in_events(tmp_path: Path, capsys) -> None:
    events = (REPO / "events.csv").read_text().replace("2513.HK;china-ai-chips", "2513.HK;china-ai-chipz", 1)
    path = tmp_path / "events.csv"
    path.write_text(events)
    code, _, err = run_cli(["events", "--events", str(path)], capsys)
    assert code == 2 and "china-ai-chipz" in err and f"{path}:2" in err and err.count("\n") == 1


def test_malformed_event_date(tmp_path: Path, capsys) -> None:
    events = (REPO / "events.csv").read_text().replace("glm-image,2026-01-14", "glm-image,2026-01-32", 1)
    path = tmp_path / "events.csv"
    path.write_text(events)
    code, _, err = run_cli(["run", "--offline", "--events", str(path)], capsys)
    assert code == 2 and ":2: date:" in err


def test_fetch_unknown_symbol(capsys) -> None:
    code, _, err = run_cli(["prices", "fetch", "NOPE.XX"], capsys)
    assert code == 2 and "NOPE.XX" in err


def test_run_without_network_points_to_offline_path(tmp_path: Path, monkeypatch, capsys) -> None:
    def no_network(symbol: str, *args, **kwargs):
        raise FetchError(symbol, "network unreachable")

    monkeypatch.setattr("eventstudy.data.yahoo.fetch_history", no_network)
    monkeypatch.setattr("eventstudy.data.yahoo.unreachable", lambda proxy=None, **kw: "")
    code, _, err = run_cli(["run", "--out", str(tmp_path / "r")], capsys)
    assert code == 1 and err.count("\n") == 1  # a failed fetch is an environment failure
    assert "--offline" in err and "prices import" in err


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_no_network_is_decided_by_one_probe_fast_and_leaves_the_home_untouched(
    tmp_path: Path, home: Path, capsys
) -> None:
    """With sockets blocked (as offline), the probe fails at once: exit 1, one line, no cache files."""
    src = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    assert run_cli(["prices", "import", str(src)], capsys)[0] == 0
    before = sorted((p.relative_to(home), p.read_bytes() if p.is_file() else b"") for p in home.rglob("*"))
    code, _, err = run_cli(["prices", "fetch", "2513.HK"], capsys)
    assert code == 1 and "unreachable" in err
    code, _, err = run_cli(["run", "--out", str(tmp_path / "r")], capsys)
    assert code == 1 and err.count("\n") == 1 and "unreachable" in err and "--offline" in err
    after = sorted((p.relative_to(home), p.read_bytes() if p.is_file() else b"") for p in home.rglob("*"))
    assert after == before  # no yfinance cache, no new prices: byte-identical
    assert not (tmp_path / "r").exists()


def test_offline_run_on_empty_store(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(["run", "--offline", "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "empty" in err and "prices import" in err


def test_export_roundtrip(tmp_path: Path, capsys) -> None:
    src = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    run_cli(["prices", "import", str(src)], capsys)
    code, out, _ = run_cli(["prices", "export", "0981.HK"], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("date,open,high,low,close,adj_close") and len(lines) == 4
    code, out, _ = run_cli(["prices", "status"], capsys)
    assert code == 0 and "0981.HK" in out


@pytest.mark.shared
def test_study_reproduces_chen_siems_from_the_command_line(peers_dir: Path, tmp_path: Path, capsys) -> None:
    es = peers_dir / "eventstudies"
    code, _, err = run_cli([
        "study", "--returns", str(es / "TerrorIndiceReturns.csv"), "--percent",
        "--events", str(es / "TerrorAttack.csv"),
        "--model", "constant-mean", "--estimation", "-30:-11", "--window", "0:10", "--car", "0:10", "--car", "0:5",
        "--event-day", "previous", "--min-estimation", "10", "--out", str(tmp_path),
    ], capsys)
    assert code == 0, err
    car = pd.read_csv(tmp_path / "car.csv")
    ref = pd.read_csv(Path(__file__).parent / "reference" / "chen_siems_2004.csv").set_index("index")
    got = car.pivot(index="symbol", columns="window", values="car") * 100
    for name, row in ref.iterrows():
        assert got.loc[name, "[0,+10]"] == pytest.approx(row["car_0_10"], rel=5e-7, abs=5e-7)
        assert got.loc[name, "[0,+5]"] == pytest.approx(row["car_0_5"], rel=5e-7, abs=5e-7)
    for name in ("ar.csv", "car.csv", "tests.csv", "estimates.csv"):
        assert (tmp_path / name).is_file()


@pytest.mark.shared
def test_offline_run_on_real_prices(real_dir: Path, tmp_path: Path, capsys) -> None:
    files = sorted(str(p) for p in real_dir.glob("*.csv"))
    code, out, err = run_cli(["prices", "import", *files], capsys)
    assert code == 0, err
    code, out, _ = run_cli(["prices", "status"], capsys)
    assert "repeated_neighbour" in out or "holiday_row" in out
    code, out, err = run_cli(["run", "--offline", "--out", str(tmp_path / "reports")], capsys)
    assert code == 0, err
    claims = pd.read_csv(tmp_path / "reports" / "claims.csv")
    glm = claims[claims["event_id"] == "glm-image"].set_index("kind")
    # The export stores float32-rounded closes (181.8000030517578), hence 1e-6 rather than exact.
    assert glm.loc["session_return", "measured"] == pytest.approx(216.0 / 181.8 - 1, abs=1e-6)
    assert glm.loc["since_listing", "measured"] == pytest.approx(216.0 / 116.20 - 1, abs=1e-6)
    # Verdicts under the one rule, three statements each.
    assert set(glm["verdict"]) <= {"supported", "not supported", "inconclusive"}
    for q in ("happened", "unusual", "attributable"):
        assert glm[q].isin(["yes", "no", "unclear"]).all() and glm[f"{q}_text"].str.len().gt(0).all()
    assert glm.loc["session_return", "happened"] == "yes"
    assert "SQ test p = " in glm.loc["session_return", "unusual_text"]
    chip = glm.loc["group_rally"]
    assert "of 10 members have prices on day 0" in chip["happened_text"]
    assert "customs-h200" in chip["attributable_text"] and "margin-100" in chip["attributable_text"]
    assert "CSI Semiconductor (H30184.CSI)" in chip["unusual_text"]
    assert "[inconclusive] glm-image: Chinese chip stocks" in out or "glm-image: Chinese chip stocks" in out
    assert "    unusual: " in out
    doc = json.loads((tmp_path / "reports" / "claims.json").read_text(encoding="utf-8"))
    assert [c["event_id"] for c in doc["claims"]].count("glm-image") == 3
    results = pd.read_csv(tmp_path / "reports" / "results.csv")
    zhipu = results[(results["event_id"] == "glm-image") & (results["symbol"] == "2513.HK")]
    assert zhipu["note"].str.contains("post-event").all()  # the short-history fallback is said
    # One rule for short histories: GLM-5 (some estimation days) and GLM-Image (none) both fall back,
    # both named, both with statistics.
    glm5 = results[(results["event_id"] == "glm-5") & (results["symbol"] == "2513.HK")]
    for rows in (zhipu, glm5):
        assert (rows["model"] == "market-adjusted (fallback)").all() and rows["t_stat"].notna().all()
    assert glm5["note"].str.contains("estimation-window days and").all()


@pytest.fixture
def fake_yahoo(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Yahoo answered from synthetic series through yfinance's real parser; no sleeping."""
    import functools

    from yahoo_fakes import FakeYahoo, make_series

    from eventstudy.data import calendars, refresh

    fake = FakeYahoo().install(monkeypatch)
    # The series run to the last HKEX session closed by now, as Yahoo's would.
    last = refresh.last_closed_session("HKEX", pd.Timestamp.now(tz="UTC"))
    for i, (symbol, exchange) in enumerate([("2513.HK", "HKEX"), ("^HSI", "HKEX"), ("0100.HK", "HKEX")]):
        fake.add(make_series(symbol, exchange, calendars.sessions(exchange, "2026-09-01", last), seed=i))
    monkeypatch.setattr(refresh, "refresh", functools.partial(refresh.refresh, sleep=lambda s: None))
    return fake


def test_prices_fetch_then_a_current_store_makes_no_request(fake_yahoo, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(["prices", "fetch", "2513.HK", "--start", "2026-09-01"], capsys)
    assert code == 0, err
    assert {c.symbol for c in fake_yahoo.history_calls()} == {"2513.HK", "^HSI"}  # the benchmark comes along
    first = len(fake_yahoo.calls)
    code, out, _ = run_cli(["prices", "status"], capsys)
    assert "2513.HK" in out and "yahoo" in out
    code, out, err = run_cli(["prices", "fetch"], capsys)  # refresh everything stored
    assert code == 0, err
    assert len(fake_yahoo.calls) == first  # a current store asks Yahoo nothing


def test_prices_fetch_failure_names_the_security_and_exits_1(fake_yahoo, capsys) -> None:  # type: ignore[no-untyped-def]
    fake_yahoo.rate_limited["0100.HK"] = 100
    code, out, err = run_cli(["prices", "fetch", "0100.HK", "2513.HK", "--start", "2026-09-01"], capsys)
    assert code == 1
    assert "failed 0100.HK" in err and "rate" in err.lower()
    assert (out + err).count("0100.HK") == 1  # each failure printed once
    code, out, _ = run_cli(["prices", "status"], capsys)
    assert "2513.HK" in out and "0100.HK" not in out  # the others were stored


def test_scheduled_refresh_leaves_imported_series_alone(fake_yahoo, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = write_history(tmp_path / "0981.HK.csv", "2026-01-05", [10.0, 10.5, 11.0])
    assert run_cli(["prices", "import", str(src)], capsys)[0] == 0
    code, out, err = run_cli(["prices", "fetch"], capsys)
    assert code == 0 and "no Yahoo series" in out and not fake_yahoo.calls
    assert run_cli(["prices", "fetch", "2513.HK", "--start", "2026-09-01"], capsys)[0] == 0
    code, _, err = run_cli(["prices", "fetch"], capsys)
    assert code == 0, err
    assert "0981.HK" not in {c.symbol for c in fake_yahoo.calls}


def test_online_run_fetches_what_the_store_lacks(fake_yahoo, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    events = tmp_path / "events.csv"
    events.write_text(
        "id,date,time,timezone,title,source,targets,offer_price,claims,certainty,notes\n"
        'news,2026-11-03,08:00,Asia/Hong_Kong,Something,https://example.com/a,2513.HK,,'
        '"session_return(2513.HK) > 1% ""rose""",confirmed,\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(["run", "--events", str(events), "--out", str(tmp_path / "r")], capsys)
    assert code == 0, err
    assert {c.symbol for c in fake_yahoo.history_calls()} == {"2513.HK", "^HSI"}
    claims = pd.read_csv(tmp_path / "r" / "claims.csv")
    assert claims["verdict"].iloc[0] in ("supported", "not supported")
    assert (tmp_path / "r" / "index.html").is_file() and (tmp_path / "r" / "events" / "news.html").is_file()


@pytest.mark.shared
def test_study_input_mistakes_are_one_line_errors(peers_dir: Path, tmp_path: Path, capsys) -> None:
    rates = str(peers_dir / "estudy2" / "rates.csv")
    market = str(peers_dir / "estudy2" / "rates_indx.csv")
    events = str(REPO / "examples" / "estudy2_events.csv")
    base = ["study", "--returns", rates, "--events", events, "--out", str(tmp_path)]
    for extra, needle in (
        (["--model", "two-index", "--market", market], "sector index"),
        (["--model", "market"], "needs a market return"),
        (["--market", "NOPE"], "NOPE"),
        (["--market", market, "--window", "5:1"], "ends before it starts"),
        (["--market", market, "--window", "0:4", "--car", "0:9"], "outside the event window"),
    ):
        code, _, err = run_cli(base + extra, capsys)
        assert code == 2 and needle in err and err.count("\n") == 1 and "Traceback" not in err, (extra, err)
    # Without --car, the default CAR windows shrink to those that fit the event window.
    code, _, err = run_cli([*base, "--market", market, "--window", "0:4"], capsys)
    assert code == 0, err
    assert set(pd.read_csv(tmp_path / "car.csv")["window"]) == {"[0,0]"}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("percent", [False, True])
def test_returns_check_flags_what_the_full_median_flags(seed: int, percent: bool) -> None:
    """The returns check takes the NaN-aware median only of columns that could pass a threshold;
    it must flag exactly the files the median of every column flags."""
    import warnings

    import numpy as np

    from eventstudy.cli import _check_returns
    from eventstudy.errors import UserError

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(3, 40)), int(rng.integers(1, 6))
    scale = rng.choice([0.01, 0.15, 0.25, 1.0, 3.0, 100.0], size=k)
    x = rng.normal(0, 1, (n, k)) * scale + rng.choice([0.0, 2.0, 150.0], size=k)
    # Columns whose median sits at a threshold: values just either side of 0.2 and 1.5.
    near = rng.random(k) < 0.6
    levels = rng.choice([0.1, 0.19, 0.21, 0.3, 1.4, 1.49, 1.51, 2.0], size=(n, k))
    signs = np.where(rng.random(k) < 0.5, 1.0, rng.choice([-1.0, 1.0], size=(n, k)))
    x = np.where(near, levels * signs, x)
    x[rng.random((n, k)) < rng.uniform(0, 0.6)] = np.nan
    frame = pd.DataFrame(x, index=pd.bdate_range("2024-01-01", periods=n), columns=[f"S{j}" for j in range(k)])
    count = (~np.isnan(x)).sum(axis=0)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column's median
        med = np.nanmedian(np.abs(x), axis=0)
        positive = (x > 0).sum(axis=0) / np.maximum(count, 1)
    expected = bool(((count >= 5) & (((positive > 0.99) & (med > 1.5)) | ((not percent) & (med > 0.2)))).any())
    try:
        _check_returns(frame, "r.csv", percent)
        flagged = False
    except UserError:
        flagged = True
    assert flagged == expected


@pytest.mark.parametrize(("values", "percent", "flagged"), [
    ([0.19, 0.3] * 3, False, True),  # exactly half above 0.2, the median (0.245) above it
    ([0.19, 0.2] * 3, False, False),  # half above nothing: the median 0.195 is below
    ([0.1, 0.19, 0.3, 0.31, 0.32], False, True),  # odd count, the middle value above
    ([0.1, 0.19, 0.19, 0.31, 0.32], False, False),
    ([1.4, 1.7] * 3, True, True),  # all positive, median 1.55: prices even with --percent
    ([1.4, 1.5] * 3, True, False),
])
def test_returns_check_at_the_thresholds(values: list[float], percent: bool, flagged: bool) -> None:
    from eventstudy.cli import _check_returns
    from eventstudy.errors import UserError

    frame = pd.DataFrame({"A": values}, index=pd.bdate_range("2024-01-01", periods=len(values)))
    if flagged:
        with pytest.raises(UserError):
            _check_returns(frame, "r.csv", percent)
    else:
        _check_returns(frame, "r.csv", percent)


def _small_study(base: Path) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(7)
    days = pd.bdate_range("2023-01-02", periods=300)
    mkt = rng.normal(0, 0.01, len(days))
    wide = {"MKT": mkt, **{f"S{k}": 0.8 * mkt + rng.normal(0, 0.01, len(days)) for k in range(3)}}
    pd.DataFrame(wide, index=days.rename("date")).to_csv(base / "returns.csv", float_format="%.6f")
    (base / "events.csv").write_text("symbol,date\nS0,2023-12-01\nS1,2023-12-04\n", encoding="utf-8")
    return ["study", "--returns", str(base / "returns.csv"), "--events", str(base / "events.csv"), "--market", "MKT",
            "--estimation", "-120:-11", "--window", "-3:3", "--bootstrap", "20"]


def test_study_output_folder_is_replaced_whole_and_only_when_it_is_a_study(
        tmp_path: Path, capsys, monkeypatch) -> None:
    from eventstudy.cli import OUTPUT_MARKER

    args = _small_study(tmp_path)
    out = tmp_path / "out"
    tables = ["ar.csv", "car.csv", "estimates.csv", "tests.csv"]

    def listing(folder: Path) -> list[str]:
        return sorted(p.name for p in folder.iterdir())

    code, _, err = run_cli([*args, "--out", str(out)], capsys)
    assert code == 0, err
    assert listing(out) == sorted([OUTPUT_MARKER, *tables])
    assert json.loads((out / OUTPUT_MARKER).read_text(encoding="utf-8")) == {"kind": "study"}
    first = (out / "ar.csv").read_bytes()
    # A previous study's folder is replaced whole: a stale file in it goes, no staging sibling is left.
    (out / "stale.txt").write_text("old", encoding="utf-8")
    (tmp_path / "events.csv").write_text("symbol,date\nS2,2023-11-01\n", encoding="utf-8")
    code, _, err = run_cli([*args, "--out", str(out)], capsys)
    assert code == 0, err
    assert listing(out) == sorted([OUTPUT_MARKER, *tables])
    assert (out / "ar.csv").read_bytes() != first
    assert set(pd.read_csv(out / "ar.csv")["symbol"]) == {"S2"}
    assert not [p.name for p in tmp_path.iterdir() if ".out.new-" in p.name or ".out.old-" in p.name]
    # Through a symbolic link the real folder is replaced and the link stays a link.
    link = tmp_path / "link"
    link.symlink_to(out, target_is_directory=True)
    (tmp_path / "events.csv").write_text("symbol,date\nS0,2023-11-02\n", encoding="utf-8")
    code, _, err = run_cli([*args, "--out", str(link)], capsys)
    assert code == 0, err
    assert link.is_symlink() and set(pd.read_csv(out / "ar.csv")["symbol"]) == {"S0"}
    # A study folder from before the marker (the four tables only) is still a study's output.
    (out / OUTPUT_MARKER).unlink()
    code, _, err = run_cli([*args, "--out", str(out)], capsys)
    assert code == 0 and (out / OUTPUT_MARKER).is_file(), err

    def refused(target: str, needle: str) -> None:
        before = {p: p.read_bytes() for p in Path(target).rglob("*") if p.is_file()} if Path(target).is_dir() else {}
        code, _, err = run_cli([*args, "--out", target], capsys)
        assert code == 2 and needle in err and err.count("\n") == 1 and "Traceback" not in err, (target, err)
        after = {p: p.read_bytes() for p in Path(target).rglob("*") if p.is_file()} if Path(target).is_dir() else {}
        assert after == before, target

    # A folder of the user's own files, even one named like a table, is refused before any work.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "tests.csv").write_text("my,own\n", encoding="utf-8")
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    refused(str(mine), "not a study's output")
    # The folder holding the inputs, a report's folder, a loop of links, a file, the current folder.
    refused(str(tmp_path), "lies inside --out")
    report = tmp_path / "report"
    report.mkdir()
    (report / OUTPUT_MARKER).write_text('{"kind": "report"}\n', encoding="utf-8")
    (report / "index.html").write_text("<p>a report</p>", encoding="utf-8")
    refused(str(report), "holds a report, not a study's output")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    refused(str(tmp_path / "loop"), "cannot follow the path")
    refused(str(out / "ar.csv"), "is a file")
    monkeypatch.chdir(mine)
    refused(".", "current folder")


def test_study_tables_option_writes_those_tables_and_refuses_unknown_ones(tmp_path: Path, capsys) -> None:
    from eventstudy.cli import OUTPUT_MARKER

    args = _small_study(tmp_path)
    out = tmp_path / "out"
    code, _, err = run_cli([*args, "--out", str(out)], capsys)
    assert code == 0, err
    full = {p.name: p.read_bytes() for p in out.iterdir()}
    # The folder is replaced whole: the tables left out are gone, those written are the full run's.
    code, stdout, err = run_cli([*args, "--out", str(out), "--tables", " tests , car"], capsys)
    assert code == 0, err
    assert "wrote car.csv, tests.csv to" in stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([OUTPUT_MARKER, "car.csv", "tests.csv"])
    assert all((out / name).read_bytes() == full[name] for name in ("car.csv", "tests.csv"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for bad, needle in (("car,AR", "--tables: unknown table 'AR' (name one or more of ar, car, tests, estimates)"),
                        (",", "--tables: no table to write")):
        code, _, err = run_cli([*args, "--out", str(out), "--tables", bad], capsys)
        assert code == 2 and needle in err and err.count("\n") == 1 and "Traceback" not in err, err
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
