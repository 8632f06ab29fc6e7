"""Several sources per symbol: agreement, disagreement, which source wins, per-bar provenance."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from eventstudy.cli import main
from eventstudy.data import calendars
from eventstudy.data.securities import default_registry
from eventstudy.data.sources import SourceRule, load_rules, plan_import
from eventstudy.data.store import PriceStore
from eventstudy.errors import UserError

DAYS = [str(d.date()) for d in calendars.sessions("HKEX", pd.Timestamp("2026-02-09"), pd.Timestamp("2026-02-27"))]
TUSHARE_HEAD = "ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount\n"


def closes(n: int) -> list[float]:
    return [400.0 + 7 * i for i in range(n)]


def yahoo_file(folder: Path, name: str, days: list[str], close: list[float], flat: str | None = None) -> Path:
    lines = ["Date,Close,High,Low,Open,Volume"]
    for d, c in zip(days, close, strict=True):
        if d == flat:  # Yahoo's half-day placeholder
            lines.append(f"{d},{c - 5.5},{c - 5.5},{c - 5.5},{c - 5.5},0")
        else:
            lines.append(f"{d},{c},{c + 10},{c - 10},{c - 1},1000")
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def tushare_file(folder: Path, name: str, days: list[str], close: list[float]) -> Path:
    rows = [TUSHARE_HEAD.strip()]
    prev = close[0]
    for d, c in zip(days, close, strict=True):
        rows.append(f"02513.HK,{d.replace('-', '')},{c - 1},{c + 10},{c - 10},{c},{prev},0,0,2000.0,1.0")
        prev = c
    path = folder / name
    path.write_text("\n".join(rows) + "\n")
    return path


def plan(files: list[Path], store: PriceStore | None = None, rules_path: Path | None = None):  # type: ignore[no-untyped-def]
    def stored(sym: str):  # type: ignore[no-untyped-def]
        return (store.read(sym), store.meta(sym)) if store is not None and store.has(sym) else None

    return plan_import(files, default_registry(), stored, load_rules(rules_path))


def test_agreeing_sources_merge_into_one_series_with_provenance(tmp_path: Path) -> None:
    c = closes(len(DAYS))
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS[:10], c[:10])
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS[5:], c[5:])
    m = plan([a, b]).merged["2513.HK"]
    assert list(m.frame.index) == [pd.Timestamp(d) for d in DAYS]
    assert list(m.frame["close"]) == c
    # Tushare is ranked before Yahoo for 2513.HK: it gives every bar it has.
    assert list(m.frame["source"]) == ["2513.HK.csv"] * 5 + ["2513.HK.tushare.csv"] * (len(DAYS) - 5)
    assert not [i for i in m.issues if i.kind == "source_disagreement"]
    join = [i for i in m.issues if i.kind == "source_join"]
    assert join and "agree on 5" in join[0].detail
    meta = m.meta("now")
    assert meta["layout"] == "merged" and meta["adjusted"] == "mixed"
    used = {s["label"]: s["bars_used"] for s in meta["sources"]}
    assert used == {"2513.HK.csv": 5, "2513.HK.tushare.csv": len(DAYS) - 5}


def test_disagreement_names_both_sources_and_the_date(tmp_path: Path) -> None:
    c = closes(len(DAYS))
    bad = c.copy()
    bad[3] += 3.0  # 0.7%: beyond the 0.05% tolerance
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS, bad)
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS, c)
    m = plan([a, b]).merged["2513.HK"]
    found = [i for i in m.issues if i.kind == "source_disagreement"]
    assert [i.date for i in found] == [pd.Timestamp(DAYS[3])]
    assert found[0].source == "2513.HK.tushare.csv | 2513.HK.csv"
    assert f"{c[3]:g}" in found[0].detail and f"{bad[3]:g}" in found[0].detail
    assert m.frame.loc[DAYS[3], "close"] == c[3]  # the winner's bar
    assert m.frame.loc[DAYS[3], "source"] == "2513.HK.tushare.csv"


def test_placeholder_loses_whatever_the_rank(tmp_path: Path) -> None:
    c = closes(len(DAYS))
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS, c, flat="2026-02-16")
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS, c)
    rules = tmp_path / "sources.csv"
    rules.write_text("symbol,prefer,tolerance\n2513.HK,*.csv,\n")  # Yahoo's file first for once
    m = plan([a, b], rules_path=rules).merged["2513.HK"]
    assert m.frame.loc["2026-02-16", "source"] == "2513.HK.tushare.csv"
    assert m.frame.loc["2026-02-16", "close"] == c[DAYS.index("2026-02-16")]
    assert set(m.frame["source"].drop(pd.Timestamp("2026-02-16"))) == {"2513.HK.csv"}
    placeholder = [i for i in m.issues if i.kind == "placeholder_bar"]
    assert [i.date for i in placeholder] == [pd.Timestamp("2026-02-16")]
    assert placeholder[0].source == "2513.HK.csv"
    assert "replaced by the bar of 2513.HK.tushare.csv" in placeholder[0].detail


def test_rule_tolerance_is_per_symbol(tmp_path: Path) -> None:
    c = closes(len(DAYS))
    off = [x * 1.002 if i == 4 else x for i, x in enumerate(c)]
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS, off)
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS, c)
    assert [i for i in plan([a, b]).merged["2513.HK"].issues if i.kind == "source_disagreement"]
    rules = tmp_path / "loose.csv"
    rules.write_text("symbol,prefer,tolerance,note\n2513.HK,,0.01,a looser check\n")
    loose = plan([a, b], rules_path=rules).merged["2513.HK"]
    assert not [i for i in loose.issues if i.kind == "source_disagreement"]
    assert loose.rule.tolerance == 0.01


def test_adjustment_basis_is_not_a_disagreement_and_the_join_is_linked(tmp_path: Path) -> None:
    c = closes(len(DAYS))
    adjusted = [x * 0.98 for x in c]  # an older file adjusted for a later dividend
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS[:10], adjusted[:10])
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS[5:], c[5:])
    m = plan([a, b]).merged["2513.HK"]
    assert not [i for i in m.issues if i.kind == "source_disagreement"]
    # The stretch from Yahoo is rescaled onto Tushare's basis: no fake -2% at the join.
    returns = m.frame["adj_close"].pct_change().dropna()
    expected = pd.Series(c).pct_change().dropna().to_numpy()
    assert returns.to_numpy() == pytest.approx(expected, rel=1e-9)


def test_merge_does_not_depend_on_file_order(tmp_path: Path) -> None:
    c = closes(len(DAYS))
    bad = c.copy()
    bad[2] -= 4.0
    files = [
        yahoo_file(tmp_path, "2513.HK.csv", DAYS[:12], bad[:12], flat="2026-02-16"),
        tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS[3:], c[3:]),
        yahoo_file(tmp_path, "2513.HK.other.csv", DAYS, c),
    ]
    results = []
    for order in itertools.permutations(files):
        m = plan(list(order)).merged["2513.HK"]
        results.append((m.frame.to_json(date_format="iso"), sorted(str(i) for i in m.issues)))
    assert all(r == results[0] for r in results)


def test_importing_a_second_file_merges_with_the_store(tmp_path: Path, home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    c = closes(len(DAYS))
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS, c, flat="2026-02-16")
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS, c)
    main(["prices", "import", str(a)])
    main(["prices", "import", str(b)])
    store = PriceStore(home)
    frame = store.read("2513.HK")
    assert frame.loc["2026-02-16", "source"] == "2513.HK.tushare.csv"
    assert frame.loc["2026-02-16", "volume"] == 2000.0
    capsys.readouterr()
    main(["prices", "status", "--issues"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "placeholder_bar" in x)
    assert "2026-02-16" in line and "[2513.HK.csv]" in line
    line = next(x for x in out.splitlines() if "source_disagreement" in x)
    assert "2026-02-16" in line and "2513.HK.tushare.csv | 2513.HK.csv" in line
    # Re-importing a file replaces its own bars and keeps the rest.
    main(["prices", "import", str(a)])
    again = store.read("2513.HK")
    assert again.loc["2026-02-16", "source"] == "2513.HK.tushare.csv"
    assert len(again) == len(DAYS)


def test_every_source_keeps_its_digest_across_imports(tmp_path: Path, home: Path) -> None:
    """Each source file's SHA-256 is the one of the bytes the importer read, kept in the store's
    metadata through later imports of other files for the symbol (a refresh re-imports a file only
    when its digest changes)."""
    import hashlib

    c = closes(len(DAYS))
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS, c)
    b = tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS, c)
    main(["prices", "import", str(a)])
    assert PriceStore(home).meta("2513.HK")["source_sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    main(["prices", "import", str(b)])
    digests = {s["label"]: s.get("sha256") for s in PriceStore(home).meta("2513.HK")["sources"]}
    assert digests == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)}


def test_same_file_name_twice_for_one_symbol_is_refused(tmp_path: Path) -> None:
    c = closes(3)
    (tmp_path / "x").mkdir()
    a = yahoo_file(tmp_path, "2513.HK.csv", DAYS[:3], c)
    b = yahoo_file(tmp_path / "x", "2513.HK.csv", DAYS[:3], c)
    with pytest.raises(UserError, match=r"two files named 2513\.HK\.csv"):
        plan([a, b])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("symbol,prefer,tolerance\n2513.HK,,abc\n", "tolerance"),
        ("symbol,prefer,tolerance\n2513.HK,,\n2513.HK,,\n", "symbol"),
        ("symbol,prefr\n", "prefr"),
    ],
)
def test_bad_rules_file(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "sources.csv"
    path.write_text(text)
    with pytest.raises(UserError) as err:
        load_rules(path)
    assert err.value.field == field


def test_shipped_rules() -> None:
    rules = load_rules()
    assert rules.rule("2513.HK").rank("2513.HK.tushare.csv", "tushare_hk_daily") == 0
    zhipu = rules.rule("2513.HK")
    assert zhipu.rank("2513.HK.csv", "yfinance_history") > zhipu.rank("x.csv", "tencent_kline")
    assert rules.rule("NVDA") == SourceRule("NVDA", rules.rule("*").prefer, rules.rule("*").tolerance)


# --- the real files ------------------------------------------------------------------------------


def test_real_and_more_in_one_import(real_dir: Path, home: Path) -> None:
    files = sorted(real_dir.glob("*.csv")) + sorted((real_dir / "more").glob("*.csv"))
    p = plan(files)
    smic = p.merged["0981.HK"]
    assert smic.frame.index.min() == pd.Timestamp("2009-01-02")
    assert smic.frame.index.max() == pd.Timestamp("2026-04-16")
    assert set(smic.frame["source"]) == {"0981.HK.csv", "0981.HK.tacitlab.csv", "0981.HK.tencent.csv"}
    assert smic.frame.loc["2026-01-14", "close"] == 75.95
    # Yahoo's half-day placeholders lose to TacitLab's real bars.
    assert smic.frame.loc["2024-12-31", ["close", "source"]].tolist() == [31.8, "0981.HK.tacitlab.csv"]
    dis = {(i.date, i.source) for i in smic.issues if i.kind == "source_disagreement"}
    assert (pd.Timestamp("2024-12-24"), "0981.HK.tacitlab.csv | 0981.HK.csv") in dis

    zhipu = p.merged["2513.HK"]
    bar = zhipu.frame.loc["2026-02-16"]
    assert (bar["close"], bar["volume"], bar["source"]) == (508.0, 3656614.0, "2513.HK.tushare.csv")
    assert zhipu.frame.loc["2026-01-14", "close"] == 216.0 and zhipu.frame.loc["2026-01-13", "close"] == 181.8
    dis = [i for i in zhipu.issues if i.kind == "source_disagreement"]
    assert [i.date for i in dis] == [pd.Timestamp("2026-02-16")]
    assert any(i.kind == "placeholder_bar" and i.date == pd.Timestamp("2026-02-16") for i in zhipu.issues)

    hsi = p.merged["^HSI"]
    assert any(i.kind == "benchmark_gap" and i.source == "^HSI.southbound.csv" for i in hsi.issues)
    assert any(i.kind == "intraday_snapshot" and i.date == pd.Timestamp("2026-01-22")
               for i in p.merged["688347.SS"].issues)
    assert len(p.merged) == 31


def test_a_series_stored_without_sources_is_one_source(tmp_path: Path, home: Path) -> None:
    """A Yahoo series (or one stored before sources were tracked) merges as the source `yahoo`."""
    c = closes(len(DAYS))
    store = PriceStore(home)
    index = pd.DatetimeIndex(pd.to_datetime(DAYS[:8]), name="date")
    frame = pd.DataFrame({"open": c[:8], "high": c[:8], "low": c[:8], "close": c[:8], "adj_close": c[:8],
                          "volume": 1.0, "dividends": 0.0, "splits": 0.0, "final": True}, index=index)
    frame.loc[pd.Timestamp("2026-02-16"), ["open", "high", "low", "close", "adj_close", "volume"]] = [
        c[5] - 5.5] * 5 + [0.0]
    store.write("2513.HK", frame, {"source": "yahoo", "layout": "yahoo-chart-v8", "adjusted": "raw",
                                   "issues": []})
    m = plan([tushare_file(tmp_path, "2513.HK.tushare.csv", DAYS[4:], c[4:])], store).merged["2513.HK"]
    assert list(m.frame["source"]) == ["yahoo"] * 4 + ["2513.HK.tushare.csv"] * (len(DAYS) - 4)
    found = [i for i in m.issues if i.kind == "source_disagreement"]
    assert [(i.date, i.source) for i in found] == [(pd.Timestamp("2026-02-16"), "2513.HK.tushare.csv | yahoo")]
    assert m.meta("now")["source"] == "2513.HK.tushare.csv + yahoo"  # no longer refreshed as a Yahoo series
