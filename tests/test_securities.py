"""The securities registry: the shipped file, lookups, and every validation error's location."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventstudy.data.securities import Registry, Security, default_registry, load_registry
from eventstudy.errors import UserError

HEADER = "symbol,name,exchange,currency,benchmark,sector_index,groups,kind,calendar\n"
INDEX = "^HSI,Hang Seng Index,HKEX,HKD,,,,index,\n"
STOCK = "2513.HK,Zhipu,HKEX,HKD,^HSI,,china-ai-models,stock,\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "securities.csv"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> UserError:
    with pytest.raises(UserError) as info:
        load_registry(path)
    return info.value


# --- the shipped registry -------------------------------------------------------------------------


def test_shipped_registry_loads() -> None:
    reg = load_registry()
    assert reg is default_registry()
    assert len(reg) == 33
    zhipu = reg.get("2513.HK")
    assert zhipu == Security(
        symbol="2513.HK",
        name="Knowledge Atlas (Zhipu)",
        exchange="HKEX",
        currency="HKD",
        benchmark="^HSI",
        sector_index=None,
        groups=("china-ai-models", "hk-ai-ipos-2026"),
        kind="stock",
    )
    assert reg.groups() == ["china-ai-chips", "china-ai-compute", "china-ai-models", "hk-ai-ipos-2026", "us-ai-chips"]
    assert reg.get("NVDA").benchmark == "^GSPC"
    assert reg.get("HSTECH.HK").is_index
    assert reg.get("3032.HK").kind == "etf" and reg.get("3032.HK").sector_index == "HSTECH.HK"
    assert {s.symbol for s in reg.members("china-ai-compute")} == {
        "603019.SS", "000977.SZ", "688008.SS", "603986.SS", "002371.SZ", "688012.SS", "300474.SZ"
    }


def test_every_real_instrument_is_registered(real_dir: Path) -> None:
    reg = default_registry()
    for manifest in (real_dir / "manifest.tsv", real_dir / "more" / "manifest.tsv"):
        rows = manifest.read_text(encoding="utf-8").splitlines()[1:]
        symbols = {line.split("\t")[1] for line in rows if line.strip()}
        assert symbols, manifest
        missing = sorted(s for s in symbols if s not in reg)
        assert not missing, f"{manifest}: {missing}"


def test_shipped_benchmarks() -> None:
    reg = default_registry()
    for sec in reg:
        if sec.kind == "index":
            assert sec.benchmark is None
        elif sec.exchange == "HKEX":
            assert sec.benchmark == "^HSI"
        elif sec.exchange in ("SSE", "SZSE"):
            # CSI 300, never STAR 50: STAR 50 is dominated by the chip stocks being tested.
            assert sec.benchmark == "000300.SS"
        else:
            assert sec.benchmark == "^GSPC"
    assert reg.get("688256.SS").sector_index == "H30184.CSI"
    assert reg.benchmark_of("NVDA") == reg.get("^GSPC")
    assert reg.sector_index_of("688981.SS") == reg.get("H30184.CSI")
    assert reg.benchmark_of("^HSI") is None


def test_shipped_groups() -> None:
    reg = default_registry()
    chips = {s.symbol for s in reg.members("china-ai-chips")}
    assert chips == {
        "688256.SS",
        "688981.SS",
        "0981.HK",
        "688041.SS",
        "688795.SS",
        "688802.SS",
        "688347.SS",
        "1347.HK",
        "6082.HK",
        "9903.HK",
    }
    assert [s.symbol for s in reg.members("china-ai-models")] == ["2513.HK", "0100.HK", "002230.SZ"]
    assert {s.symbol for s in reg.members("hk-ai-ipos-2026")} == {"2513.HK", "0100.HK", "6082.HK", "9903.HK"}
    assert [s.symbol for s in reg.members("us-ai-chips")] == ["NVDA"]


def test_load_registry_from_user_path(tmp_path: Path) -> None:
    reg = load_registry(write(tmp_path, HEADER + STOCK + INDEX))
    assert reg.symbols() == ["2513.HK", "^HSI"]
    assert reg.get("2513.HK").benchmark == "^HSI"  # defined on a later line: references resolve after reading


# --- lookups --------------------------------------------------------------------------------------


def test_get_is_forgiving_about_case() -> None:
    assert default_registry().get("nvda").symbol == "NVDA"
    assert default_registry().get("2513.hk").symbol == "2513.HK"


def test_get_unknown_suggests_close_matches() -> None:
    with pytest.raises(UserError) as info:
        default_registry().get("2513")
    assert "unknown symbol '2513'" in str(info.value)
    assert "2513.HK" in str(info.value)
    with pytest.raises(UserError, match=r"688256\.SS"):
        default_registry().get("688265.SS")


def test_resolve_mixes_symbols_and_groups_without_duplicates() -> None:
    reg = default_registry()
    got = [s.symbol for s in reg.resolve(["2513.HK", "hk-ai-ipos-2026", "NVDA"])]
    assert got == ["2513.HK", "0100.HK", "6082.HK", "9903.HK", "NVDA"]
    assert [s.symbol for s in reg.resolve("NVDA; us-ai-chips")] == ["NVDA"]


def test_resolve_unknown_name_has_hint() -> None:
    with pytest.raises(UserError) as info:
        default_registry().resolve(["china-ai-chip"])
    assert "unknown symbol or group 'china-ai-chip'" in str(info.value)
    assert "china-ai-chips" in (info.value.hint or "")
    with pytest.raises(UserError) as info2:
        default_registry().resolve(["zzzzzz"])
    assert "groups:" in (info2.value.hint or "")


def test_members_unknown_group() -> None:
    with pytest.raises(UserError, match="unknown group"):
        default_registry().members("chips")


def test_registry_from_objects_rejects_duplicates() -> None:
    sec = Security("X.HK", "X", "HKEX", "HKD", "^HSI")
    with pytest.raises(UserError, match="duplicate"):
        Registry([sec, sec])


def test_security_rejects_groups_in_sector_index_slot() -> None:
    with pytest.raises(TypeError):
        Security("X.HK", "X", "HKEX", "HKD", "^HSI", ("g",))  # type: ignore[arg-type]


# --- validation errors: file, line and field ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "field", "words"),
    [
        (INDEX + "2513.HK,Zhipu,HKSE,HKD,^HSI,,,stock,\n", 3, "exchange", "unknown exchange 'HKSE'"),
        (INDEX + STOCK + STOCK, 4, "symbol", "duplicate symbol '2513.HK'"),
        (STOCK, 2, "benchmark", "benchmark '^HSI' is not in the registry"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,^HSI,HSTECH.HK,,stock,\n", 3, "sector_index", "not in the registry"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,,,,stock,\n", 3, "benchmark", "has no benchmark"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,^HSI,,,share,\n", 3, "kind", "unknown kind 'share'"),
        (INDEX + "2513.HK,Zhipu,HKEX,HK$,^HSI,,,stock,\n", 3, "currency", "invalid currency"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,^HSI,,China AI,stock,\n", 3, "groups", "invalid group name"),
        (INDEX + "2513.HK,,HKEX,HKD,^HSI,,,stock,\n", 3, "name", "empty name"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,^HSI,,,stock,XXXX\n", 3, "calendar", "unknown exchange calendar"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,2513.HK,,,stock,\n", 3, "benchmark", "its own benchmark"),
        (INDEX + "2513.HK,Zhipu,HKEX,HKD,^HSI,,,stock,,extra\n", 3, None, "10 cells"),
    ],
)
def test_row_errors_are_located(tmp_path: Path, body: str, line: int, field: str | None, words: str) -> None:
    path = write(tmp_path, HEADER + body)
    err = error_of(path)
    assert (err.line, err.field) == (line, field)
    where = f"{path}:{line}: " + (f"{field}: " if field else "")
    assert str(err).startswith(where)
    assert words in str(err)


def test_quoted_multiline_cell_keeps_physical_line_numbers(tmp_path: Path) -> None:
    body = (
        INDEX
        + '2513.HK,"Zhipu\nKnowledge Atlas",HKEX,HKD,^HSI,,,stock,\n0100.HK,MiniMax,HKXX,HKD,^HSI,,,stock,\n'
    )
    err = error_of(write(tmp_path, HEADER + body))
    assert (err.line, err.field) == (5, "exchange")


@pytest.mark.parametrize(
    ("header", "field", "words"),
    [
        ("symbol,name,currency,kind\n", "exchange", "missing required column 'exchange'"),
        ("symbol,name,exchange,currency,kind,benchmrk\n", "benchmrk", "unknown column"),
        ("symbol,name,exchange,currency,kind,kind\n", "kind", "appears twice"),
    ],
)
def test_header_errors_are_on_line_1(tmp_path: Path, header: str, field: str, words: str) -> None:
    err = error_of(write(tmp_path, header))
    assert (err.line, err.field) == (1, field)
    assert words in str(err)


def test_unknown_column_hint_suggests_the_right_one(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "symbol,name,exchange,currency,kind,benchmrk\n"))
    assert "benchmark" in (err.hint or "")


def test_group_named_like_a_symbol(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, HEADER + INDEX + "abc,A,HKEX,HKD,^HSI,,abc,stock,\n"))
    assert (err.line, err.field) == (3, "groups")


def test_bom_blank_lines_and_lowercase_exchange_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + INDEX + "\n" + STOCK.replace("HKEX", "hkex")).encode())
    reg = load_registry(path)
    assert reg.get("2513.HK").exchange == "HKEX"


def test_missing_empty_and_binary_files(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.csv")
    assert "not found" in str(err) and str(tmp_path / "nope.csv") in str(err)
    err = error_of(write(tmp_path, ""))
    assert err.line == 1 and "no header" in str(err)
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"symbol\xff\xfe\n")
    assert "UTF-8" in str(error_of(bad))
    assert "directory" in str(error_of(tmp_path))
